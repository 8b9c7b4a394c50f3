// SPDX-License-Identifier: Apache-2.0
import MyelinCore
import Testing

@Suite struct StateMonitorTests {
  /// Frames hold exactly the state that `values` reads at the sampled steps, with 1 or 2
  /// threads alike.
  @Test(arguments: [1, 2])
  func framesMatchTheStateAtEachSample(threads: Int) throws {
    let network = DeterminismTests.network()
    var options = SimulationOptions(seed: 4, threads: threads)
    options.stateRecording = [
      "E": StateRecording(variables: [.V_m], neurons: [0, 150, 300, 7], interval: 0.3),
      "C": StateRecording(variables: [.V_m, .g_ex, .g_in], neurons: [1, 96], interval: 0.1),
    ]
    let simulation = try Simulation(network: network, options: options)
    let tracks = simulation.stateTracks
    #expect(tracks.map(\.population) == ["E", "C", "C", "C"])
    #expect(tracks[0].neurons == [0, 7, 150, 300] && tracks[0].interval == 3)
    var expected = [[Float]](repeating: [], count: tracks.count)
    for step in 1...90 {
      simulation.run(steps: 1)
      for (k, track) in tracks.enumerated() where step % track.interval == 0 {
        let values = try #require(simulation.values(track.variable, of: track.population))
        expected[k] += track.neurons.map { Float(values[$0]) }
      }
    }
    for k in tracks.indices {
      #expect(simulation.takeStateFrames(track: k) == expected[k], "track \(k)")
      #expect(simulation.takeStateFrames(track: k).isEmpty, "frames are handed over once")
    }
  }

  @Test func unknownVariablesAndNeuronsAreRejected() throws {
    let network = DeterminismTests.network()
    var options = SimulationOptions()
    options.stateRecording = ["E": StateRecording(variables: [.g_ex], neurons: [0], interval: 1)]
    #expect(throws: ModelError.self) { _ = try Simulation(network: network, options: options) }
    options.stateRecording = ["E": StateRecording(variables: [.V_m], neurons: [5000], interval: 1)]
    #expect(throws: ModelError.self) { _ = try Simulation(network: network, options: options) }
    options.stateRecording = ["Z": StateRecording(variables: [.V_m], neurons: [0], interval: 1)]
    #expect(throws: ModelError.self) { _ = try Simulation(network: network, options: options) }
  }
}
