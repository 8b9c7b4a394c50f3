// SPDX-License-Identifier: Apache-2.0
import MyelinCore

/// Small canonical networks shared by the tests.
enum Fixtures {
  /// One neuron of `model` with optional stimuli.
  static func single(_ model: NeuronModel, stimuli: [Stimulus] = []) -> Network {
    var network = Network(name: "single")
    network.add(Population(name: "n", size: 1, model: model, stimuli: stimuli))
    return network
  }

  static func run(
    _ network: Network, duration: Double, dt: Double = 0.1, seed: UInt64 = 1, threads: Int = 1,
    precision: Precision = .double
  ) throws -> Simulation {
    let simulation = try Simulation(
      network: network,
      options: SimulationOptions(dt: dt, seed: seed, threads: threads, precision: precision,
                                 recordSpikes: true))
    try simulation.run(duration: duration)
    return simulation
  }

  /// Spike stamps of population `name` in steps.
  static func steps(_ simulation: Simulation, _ name: String) -> [Int64] {
    simulation.recordedSpikes(of: name)?.steps ?? []
  }
}
