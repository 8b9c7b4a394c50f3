// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore
import MyelinTraces
import Testing

@Suite struct SynapseFileTests {
  static func temporary(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent(
      "myelin-\(ProcessInfo.processInfo.processIdentifier)-\(name)").path
  }

  @Test func roundTripAndUseFromAModelFile() throws {
    let list = SynapseList(sources: [0, 1, 1, 2], targets: [3, 0, 2, 1],
                           weights: [100, -50, 25.5, 800], delays: [0.1, 1.0, 2.5, 0.7])
    let path = Self.temporary("synapses.h5")
    defer { try? FileManager.default.removeItem(atPath: path) }
    try SynapseFile.write(list, to: path)
    #expect(try SynapseFile.read(path: path) == list)

    let network = try ModelFile.parse("""
      {"populations": [{"name": "A", "size": 3, "model": "spike_generator",
                        "spike_times": [[1], [2], [3]]},
                       {"name": "B", "size": 4, "model": "iaf_psc_exp"}],
       "projections": [{"name": "p", "source": "A", "target": "B",
                        "connector": {"rule": "explicit", "file": "\(path)"}}]}
      """)
    let simulation = try Simulation(network: network, options: SimulationOptions(precision: .double))
    let built = try #require(simulation.synapses(of: "p"))
    // Built synapses come grouped by source; this list already is. Delays are whole steps.
    #expect(built.sources == list.sources && built.targets == list.targets)
    #expect(built.weights == list.weights)
    #expect(zip(built.delays, list.delays).allSatisfy { abs($0 - $1) < 1e-12 })
  }

  @Test func badFilesAreNamed() throws {
    let text = Self.temporary("not-hdf5.h5")
    try Data("hello".utf8).write(to: URL(fileURLWithPath: text))
    defer { try? FileManager.default.removeItem(atPath: text) }
    #expect(throws: FileError.self) { try SynapseFile.read(path: text) }
    #expect(throws: FileError.self) { try SynapseFile.read(path: "/nonexistent.h5") }

    let partial = Self.temporary("partial.h5")
    defer { try? FileManager.default.removeItem(atPath: partial) }
    try SynapseFile.write(SynapseList(sources: [0], targets: [0], weights: [1], delays: [1]), to: partial)
    // A model that references it with an unknown target index fails at validation.
    let network = try ModelFile.parse("""
      {"populations": [{"name": "A", "size": 1, "model": "iaf_psc_exp"}],
       "projections": [{"source": "A", "target": "A",
                        "connector": {"rule": "explicit", "file": "\(partial)"}}]}
      """)
    #expect(throws: Never.self) { try network.validate() }
    do {
      _ = try ModelFile.parse("""
        {"populations": [{"name": "A", "size": 1, "model": "iaf_psc_exp"}],
         "projections": [{"source": "A", "target": "A",
                          "connector": {"rule": "explicit", "file": "\(text)"}}]}
        """)
      Issue.record("a non-HDF5 file was accepted")
    } catch {
      #expect(error.field == "projections[0].connector.file")
      #expect(error.problem.contains("is not an HDF5 file"))
    }
  }

  @Test(arguments: [[-1.0], [1.5], [5e9]])
  func indicesMustBeWholeAndInRange(sources: [Double]) throws {
    let path = Self.temporary("bad-index-\(sources[0]).h5")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let file = try HDF5File(creating: path)
    try file.write("source", doubles: sources)
    try file.write("target", doubles: [0])
    try file.write("weight", doubles: [1])
    try file.write("delay", doubles: [1])
    _ = consume file
    do {
      _ = try SynapseFile.read(path: path)
      Issue.record("index \(sources[0]) was accepted")
    } catch {
      #expect(error.object == "source")
      #expect(error.problem.contains("not an index"))
    }
  }
}
