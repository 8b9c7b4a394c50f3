// swift-tools-version:6.2
import Foundation
import PackageDescription

// The kernels are compiled for the CPU that builds them (AVX2/AVX-512 where present), which
// is where Myelin runs. Set MYELIN_PORTABLE=1 to build a binary for any x86-64 machine.
let kernelSettings: [SwiftSetting] =
  ProcessInfo.processInfo.environment["MYELIN_PORTABLE"] == nil
  ? [.unsafeFlags(["-target-cpu", "native"])] : []

// Targets follow the direction of dependencies: C shims at the edge, a pure-Swift
// kernel, file I/O above it, model builders, and the CLI on top (docs/concepts.md).
let package = Package(
  name: "Myelin",
  products: [
    .library(name: "MyelinCore", targets: ["MyelinCore"]),
    .library(name: "MyelinTraces", targets: ["MyelinTraces"]),
    .library(name: "MyelinModels", targets: ["MyelinModels"]),
    .library(name: "MyelinPlot", targets: ["MyelinPlot"]),
    .library(name: "MyelinLearning", targets: ["MyelinLearning"]),
    .executable(name: "myelin", targets: ["myelin"]),
  ],
  targets: [
    // MARK: Public modules
    .target(name: "MyelinCore", dependencies: ["CSpikeMask"], swiftSettings: kernelSettings),
    .target(name: "MyelinTraces", dependencies: ["MyelinCore", "CHDF5"]),
    .target(name: "MyelinModels", dependencies: ["MyelinCore"]),
    .target(name: "MyelinPlot", dependencies: ["CPNG", "CZlib"], exclude: ["Font/make_font.py"]),
    .target(name: "MyelinLearning", dependencies: ["MyelinCore", "CZlib", "COpenBLAS"], swiftSettings: kernelSettings),
    .executableTarget(
      name: "myelin", dependencies: ["MyelinCore", "MyelinTraces", "MyelinModels", "MyelinPlot", "MyelinLearning"]),

    // MARK: C libraries (implementation details, never re-exported)
    .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
    .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
    .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
    // Header-only: the movemask step of scanning spikes (Sources/CSpikeMask/spike_mask.h).
    .systemLibrary(name: "CSpikeMask"),
    .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),

    // MARK: Examples (compiled on every build)
    .executableTarget(
      name: "brunel-api", dependencies: ["MyelinCore", "MyelinModels"], path: "examples/brunel-api"),
    .executableTarget(name: "stdp-api", dependencies: ["MyelinCore"], path: "examples/stdp-api"),

    // MARK: Tests
    .testTarget(name: "MyelinCoreTests", dependencies: ["MyelinCore"]),
    .testTarget(name: "MyelinTracesTests", dependencies: ["MyelinTraces", "MyelinCore"]),
    .testTarget(name: "MyelinModelsTests", dependencies: ["MyelinModels", "MyelinTraces", "MyelinCore"]),
    .testTarget(name: "MyelinPlotTests", dependencies: ["MyelinPlot", "CPNG"]),
    .testTarget(name: "MyelinLearningTests", dependencies: ["MyelinLearning", "MyelinModels", "CZlib"]),
    .testTarget(name: "myelinTests", dependencies: ["myelin", "MyelinTraces", "MyelinLearning"]),
  ]
)
