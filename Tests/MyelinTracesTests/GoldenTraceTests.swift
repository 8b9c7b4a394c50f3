// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore
import MyelinTraces
import Testing

/// `traces/golden/tiny.h5` pins the trace layout: group and dataset names, element types,
/// attributes, and the spikes of a fixed model. A change of layout must bump its version and
/// re-record the file: `RECORD_GOLDEN=1 swift test -c release --filter GoldenTraceTests`.
@Suite struct GoldenTraceTests {
  static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("traces/golden/tiny.h5").path

  @Test func goldenFileMatchesTheCurrentLayout() throws {
    if ProcessInfo.processInfo.environment["RECORD_GOLDEN"] != nil {
      _ = try TraceFileTests.record(to: Self.golden)
    }
    let fresh = TraceFileTests.temporary("golden-fresh.h5")
    defer { try? FileManager.default.removeItem(atPath: fresh) }
    _ = try TraceFileTests.record(to: fresh)

    let file = try HDF5File(readingFrom: Self.golden)
    // Root attributes and their kinds.
    #expect(file.attribute("/", "magic") == .uint32(0x0A7A))
    #expect(file.attribute("/", "version") == .uint32s([0, 1]))
    #expect(file.attribute("/", "dt") == .float64(0.1))
    #expect(file.attribute("/", "seed") == .uint64(3))
    #expect(file.attribute("/", "complete") == .uint8(1))
    #expect(file.attribute("/", "t_start") == .float64(0))
    #expect(file.attribute("/", "t_stop") == .float64(100))
    #expect(file.attribute("/", "simulator")?.text != nil)
    // SONATA spikes: sorting enum, float64 ms timestamps, uint64 node ids, uint64 steps.
    for population in ["in", "noise", "out", "silent"] {
      let group = "/spikes/\(population)"
      #expect(file.attribute(group, "sorting") == .sorting(2), "\(group)")
      #expect(file.elementType(group + "/timestamps") == "float64")
      #expect(file.attribute(group + "/timestamps", "units") == .string("ms"))
      #expect(file.elementType(group + "/node_ids") == "uint64")
      #expect(file.elementType(group + "/step") == "uint64")
    }
    for name in ["/meta/model", "/meta/command", "/meta/populations"] {
      #expect(file.elementType(name) == "string", "\(name)")
    }
    // Same spikes as a fresh recording of the same model.
    let old = try TraceFile(path: Self.golden), new = try TraceFile(path: fresh)
    for population in old.populations.map(\.name) {
      #expect(try old.spikes(of: population).steps == new.spikes(of: population).steps)
      #expect(try old.spikes(of: population).nodes == new.spikes(of: population).nodes)
    }
    #expect(try file.readDoubles("/spikes/in/timestamps") == [1, 2, 5, 30])
  }
}
