// SPDX-License-Identifier: Apache-2.0
// The STDP window from the public Swift API: one presynaptic and one postsynaptic neuron
// fire once each, Δt apart, and the weight change is printed beside A±·exp(−|Δt|/τ).
// Run: swift run -c release stdp-api
import Foundation
import MyelinCore

let rule = PairSTDP(tauPlus: 20, tauMinus: 20, aPlus: 0.1, aMinus: 0.12, bounds: WeightBounds(wMin: 0, wMax: 10))
print("   Δt (ms)   Δw        A±·exp(−|Δt|/τ)")
for deltaT in [-40.0, -20, -10, -5, -1, 1, 5, 10, 20, 40] {
  var network = Network(name: "window")
  let pre = 100.0, post = 100.0 + deltaT
  network.add(Population(name: "pre", size: 1, model: .spikeGenerator(spikeTimes: [[pre]])))
  // A strong driver makes the postsynaptic neuron fire at `post`; its high threshold keeps
  // the plastic input from firing it.
  network.add(Population(name: "driver", size: 1, model: .spikeGenerator(spikeTimes: [[post - 0.1]])))
  var neuron = IafPscDelta()
  neuron.V_th = 1000
  neuron.t_ref = 0.1
  network.add(Population(name: "post", size: 1, model: .iafPscDelta(neuron)))
  network.connect("driver", "post", .allToAll(), weight: .constant(5000), delay: .constant(0.1))
  network.connect("pre", "post", .allToAll(), weight: .constant(5), delay: .constant(1), name: "plastic",
                  plasticity: Plasticity(.pair(rule), dendriticDelay: 0))
  do {
    let simulation = try Simulation(network: network, options: SimulationOptions(precision: .double))
    try simulation.run(duration: 200)
    let change = (simulation.synapses(of: "plastic")?.weights.first ?? 5) - 5
    let expected = deltaT > 0 ? rule.aPlus * exp(-deltaT / rule.tauPlus) : -rule.aMinus * exp(deltaT / rule.tauMinus)
    print(String(format: "%10.1f  %+.6f  %+.6f", deltaT, change, expected))
  } catch {
    print("error: \(error)")
  }
}
