// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore
import MyelinTraces
import Testing

@Suite struct TraceFileTests {
  static func temporary(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent(
      "myelin-trace-\(ProcessInfo.processInfo.processIdentifier)-\(name)").path
  }

  /// A small deterministic network: a spiking population, a silent one, and generators.
  static let model = """
    {"name": "tiny", "dt": 0.1, "seed": 3, "populations": [
      {"name": "in", "size": 3, "model": "spike_generator", "spike_times": [[1, 2, 30], [5], []]},
      {"name": "noise", "size": 20, "model": "poisson_generator", "rate": 80},
      {"name": "out", "size": 10, "model": "iaf_psc_exp", "params": {"I_e": 300}},
      {"name": "silent", "size": 4, "model": "iaf_psc_delta"}],
     "projections": [
      {"source": "in", "target": "out", "connector": {"rule": "all_to_all"}, "weight": 900, "delay": 1},
      {"source": "noise", "target": "out", "connector": {"rule": "fixed_indegree", "indegree": 5},
       "weight": 200, "delay": 0.5}]}
    """

  static func metadata(_ network: Network) -> TraceMetadata {
    TraceMetadata(
      modelName: network.name, modelText: model, command: "test", dt: 0.1, seed: 3,
      populations: network.populations.map { .init(name: $0.name, size: $0.size, model: $0.model.name) },
      simulator: "myelin test")
  }

  /// Streams a run into a trace in chunks and returns every spike it handed over.
  static func record(
    to path: String, steps: Int = 1000, chunk: Int = 70, fileChunk: Int = 1024, compress: Bool = false
  ) throws
    -> [String: (steps: [Int64], nodes: [UInt32])]
  {
    let network = try ModelFile.parse(model)
    let simulation = try Simulation(
      network: network, options: SimulationOptions(dt: 0.1, seed: 3, recordSpikes: true))
    let names = network.populations.map(\.name)
    let writer = try TraceWriter(
      path: path, overwrite: true, metadata: metadata(network), spikes: names, chunk: fileChunk,
      compress: compress)
    var all: [String: (steps: [Int64], nodes: [UInt32])] = [:]
    var done = 0
    while done < steps {
      let n = min(chunk, steps - done)
      simulation.run(steps: n)
      done += n
      for name in names {
        let taken = try #require(simulation.takeRecordedSpikes(of: name))
        try writer.appendSpikes(of: name, steps: taken.steps, nodes: taken.nodes)
        all[name, default: ([], [])].steps += taken.steps
        all[name, default: ([], [])].nodes += taken.nodes
      }
      try writer.checkpoint(timeReached: simulation.time, wallTime: 0)
    }
    try writer.finish(timeReached: simulation.time, wallTime: 1.5)
    return all
  }

  @Test func roundTripGivesBackExactlyTheRecordedSpikes() throws {
    let path = Self.temporary("roundtrip.h5")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let recorded = try Self.record(to: path)
    let trace = try TraceFile(path: path)
    #expect(trace.complete)
    #expect(trace.dt == 0.1 && trace.seed == 3 && trace.tStop == 100 && trace.wallTime == 1.5)
    #expect(trace.populations.map(\.name) == ["in", "noise", "out", "silent"])
    #expect(try trace.modelText() == Self.model)
    for (name, expected) in recorded {
      let got = try trace.spikes(of: name)
      #expect(got.steps == expected.steps && got.nodes == expected.nodes, "\(name)")
    }
    #expect(try trace.spikes(of: "in").steps == [10, 20, 50, 300])
    #expect(try trace.spikes(of: "silent").steps.isEmpty)
    #expect(try trace.spikes(of: "out").steps.count > 10)
  }

  /// The same spikes as a run recorded in memory at once, whatever the chunking.
  @Test func chunkingDoesNotChangeTheTrace() throws {
    let a = Self.temporary("chunk-a.h5"), b = Self.temporary("chunk-b.h5")
    defer {
      try? FileManager.default.removeItem(atPath: a)
      try? FileManager.default.removeItem(atPath: b)
    }
    _ = try Self.record(to: a, chunk: 1000)
    _ = try Self.record(to: b, chunk: 13)
    let ta = try TraceFile(path: a), tb = try TraceFile(path: b)
    for name in ["in", "noise", "out"] {
      #expect(try ta.spikes(of: name).steps == tb.spikes(of: name).steps)
      #expect(try ta.spikes(of: name).nodes == tb.spikes(of: name).nodes)
    }
  }

  @Test func compressedTracesReadBackTheSameAndAreSmaller() throws {
    let plain = Self.temporary("plain.h5"), packed = Self.temporary("packed.h5")
    defer {
      try? FileManager.default.removeItem(atPath: plain)
      try? FileManager.default.removeItem(atPath: packed)
    }
    _ = try Self.record(to: plain, steps: 5000, fileChunk: 4096)
    _ = try Self.record(to: packed, steps: 5000, fileChunk: 4096, compress: true)
    let a = try TraceFile(path: plain), b = try TraceFile(path: packed)
    for name in ["in", "noise", "out", "silent"] {
      #expect(try a.spikes(of: name).steps == b.spikes(of: name).steps)
      #expect(try a.spikes(of: name).nodes == b.spikes(of: name).nodes)
    }
    func size(_ path: String) -> Int {
      (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }
    #expect(size(packed) < size(plain))
  }

  @Test func existingFilesAreNotOverwritten() throws {
    let path = Self.temporary("exists.h5")
    defer { try? FileManager.default.removeItem(atPath: path) }
    _ = try Self.record(to: path, steps: 10)
    let network = try ModelFile.parse(Self.model)
    do {
      _ = try TraceWriter(path: path, overwrite: false, metadata: Self.metadata(network), spikes: [])
      Issue.record("an existing trace was overwritten")
    } catch {
      #expect(error.problem.contains("exists already"))
    }
  }

  @Test func badFilesGiveErrorsNotCrashes() throws {
    let text = Self.temporary("text.h5")
    try Data("not hdf5".utf8).write(to: URL(fileURLWithPath: text))
    let foreign = Self.temporary("foreign.h5")
    try SynapseFile.write(SynapseList(sources: [0], targets: [0], weights: [1], delays: [1]), to: foreign)
    let good = Self.temporary("good.h5")
    _ = try Self.record(to: good)
    let truncated = Self.temporary("truncated.h5")
    let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
    try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: truncated))
    let empty = Self.temporary("empty.h5")
    try Data().write(to: URL(fileURLWithPath: empty))
    defer { for p in [text, foreign, good, truncated, empty] { try? FileManager.default.removeItem(atPath: p) } }

    for (path, words) in [(text, "not an HDF5 file"), (empty, "not an HDF5 file"),
                          (foreign, "not a Myelin trace"), ("/nonexistent/trace.h5", "no such file")] {
      do {
        _ = try TraceFile(path: path)
        Issue.record("\(path) was accepted")
      } catch {
        #expect(error.description.contains(words), "\(error)")
      }
    }
    // A truncated file may open (its metadata is at the start) but reading must not trap.
    if let trace = try? TraceFile(path: truncated) {
      for population in trace.populations { _ = try? trace.spikes(of: population.name) }
    }
  }
}
