// SPDX-License-Identifier: Apache-2.0
import MyelinCore

/// Song, Miller & Abbott (2000): Poisson inputs onto one conductance-based LIF neuron
/// through additive STDP, with the parameters of Brian2's `examples/synapses/STDP.py`
/// (conductances relative to g_L = 10 nS). `examples/song2000.json` is the same network.
public enum Song2000 {
  public static let gMax = 0.1  // nS: 0.01 g_L
  /// A+ = 0.01 g_max and A− = 1.05 A+, written as the model file writes them.
  public static let aPlus = 0.001
  public static let aMinus = 0.00105
  public static let projection = "input->neuron"

  public static func network(inputs: Int = 1000, rate: Double = 15) -> Network {
    var network = Network(
      name: "song2000",
      summary: "Song, Miller & Abbott (2000): \(inputs) Poisson inputs at \(rate) Hz, additive STDP onto one neuron")
    network.add(Population(name: "inputs", size: inputs, model: .poissonGenerator(rate: rate)))
    var neuron = IafCondExp()
    neuron.C_m = 100
    neuron.g_L = 10
    neuron.E_L = -74
    neuron.E_ex = 0
    neuron.E_in = -80
    neuron.tau_syn_ex = 5
    neuron.tau_syn_in = 5
    neuron.t_ref = 0
    neuron.V_reset = -60
    neuron.V_th = -54
    neuron.I_e = 0
    network.add(Population(name: "neuron", size: 1, model: .iafCondExp(neuron), initial: [.V_m: .constant(-74)]))
    let rule = PairSTDP(tauPlus: 20, tauMinus: 20, aPlus: aPlus, aMinus: aMinus,
                        bounds: WeightBounds(wMin: 0, wMax: gMax), scheme: .allToAll)
    network.connect("inputs", "neuron", .allToAll(), weight: .uniform(min: 0, max: gMax), delay: .constant(0.1),
                    name: projection, plasticity: Plasticity(.pair(rule), dendriticDelay: 0))
    return network
  }
}
