// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinLearning
import Testing

/// The rule that picks OpenBLAS kernels when OpenBLAS did not recognise the CPU.
struct BLASCoreTests {
  static let avx512: Set<String> = ["sse3", "avx", "avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]

  @Test func genericKernelsOnAModernCPUGetTheCPUsOwn() {
    #expect(BLASCore.suggestion(core: "Prescott", cpuFlags: Self.avx512) == "SkylakeX")
    #expect(BLASCore.suggestion(core: "Sandybridge", cpuFlags: ["avx", "avx2", "fma"]) == "Haswell")
    // AVX-512 without the subsets SkylakeX's kernels use (Knights Landing has no BW/DQ/VL).
    #expect(BLASCore.suggestion(core: "Prescott", cpuFlags: ["avx2", "fma", "avx512f", "avx512cd"]) == "Haswell")
  }

  @Test func aFittingOrLegitimateChoiceStands() {
    #expect(BLASCore.suggestion(core: "SkylakeX", cpuFlags: Self.avx512) == nil)
    #expect(BLASCore.suggestion(core: "Haswell", cpuFlags: Self.avx512) == nil)
    #expect(BLASCore.suggestion(core: "Zen", cpuFlags: Self.avx512) == nil)
    // An old CPU gets the generic kernels it can run.
    #expect(BLASCore.suggestion(core: "Prescott", cpuFlags: ["sse3", "avx"]) == nil)
    #expect(BLASCore.suggestion(core: "Sandybridge", cpuFlags: ["sse3", "avx"]) == nil)
  }

  @Test func flagsComeFromTheFirstProcessor() throws {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("cpuinfo-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: file) }
    try Data("processor\t: 0\nflags\t\t: fpu avx2 fma\n\nprocessor\t: 1\nflags\t\t: fpu\n".utf8).write(to: file)
    #expect(BLASCore.cpuFlags(cpuinfo: file.path) == ["fpu", "avx2", "fma"])
    #expect(BLASCore.cpuFlags(cpuinfo: "/nonexistent/cpuinfo").isEmpty)
  }
}
