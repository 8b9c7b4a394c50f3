// SPDX-License-Identifier: Apache-2.0
// Builds and runs the Brunel (2000) network from the public Swift API.
// Run: swift run -c release brunel-api [scale]   (scale 1 is the paper's 12 500 neurons;
// smaller scales shrink populations and in-degrees, which changes the regime)
import MyelinCore
import MyelinModels

let scale = CommandLine.arguments.dropFirst().first.flatMap(Double.init) ?? 0.2
let network = Brunel.network(.g5eta2, scale: scale)
do {
  let simulation = try Simulation(network: network, options: SimulationOptions(seed: 7, threads: 2))
  try simulation.run(duration: 200)
  for (population, spikes) in zip(network.populations, simulation.spikeCounts) {
    let rate = Double(spikes) / Double(population.size) / 0.2
    let hertz = (rate * 100).rounded() / 100
    print("\(population.name): \(population.size) neurons, \(spikes) spikes, \(hertz) Hz")
  }
  print("synapses: \(simulation.synapseCount), events: \(simulation.eventsDelivered)")
} catch {
  print("error: \(error)")
}
