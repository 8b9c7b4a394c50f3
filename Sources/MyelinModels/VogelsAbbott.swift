// SPDX-License-Identifier: Apache-2.0
import MyelinCore

/// The CUBA and COBA networks of Vogels & Abbott (2005), J. Neurosci. 25:10786, as
/// benchmarks 1 and 2 of Brette et al. (2007) and Brian2's examples: 4000 neurons,
/// 80% excitatory, connection probability 0.02, dt 0.1 ms.
public enum VogelsAbbott {
  public static let excitatory = 3200
  public static let inhibitory = 800
  public static let probability = 0.02
  /// One step: Brian2's examples use no delay, Myelin's minimum is one step.
  public static let delay = 0.1  // ms

  /// CUBA with Brian2's `CUBA.py` parameters. Brian2 writes the synaptic variables in mV
  /// (dv/dt = (ge + gi − (v − E_L))/τ_m); with C_m = τ_m = 20 pF (g_L = 1 nS) a current of
  /// x pA in `iaf_psc_exp` is exactly Brian2's x mV. Expect about 5–6 Hz.
  public static func cuba(scale: Double = 1) -> Network {
    var neuron = IafPscExp()
    neuron.C_m = 20
    neuron.tau_m = 20
    neuron.tau_syn_ex = 5
    neuron.tau_syn_in = 10
    neuron.t_ref = 5
    neuron.E_L = -49
    neuron.V_reset = -60
    neuron.V_th = -50
    return network(
      name: "cuba", model: .iafPscExp(neuron), excitatoryWeight: 1.62,  // 60·0.27/10 mV
      inhibitoryWeight: -9,  // −20·4.5/10 mV
      scale: scale,
      initial: [.V_m: .distribution(.uniform(min: -60, max: -50))],
      summary: "Vogels & Abbott (2005) CUBA, Brian2's example parameters; expect 5-6 Hz.")
  }

  /// COBA as in Brian's `examples/COBA.py` (Brette et al. 2007, benchmark 1): Brian writes
  /// conductances in units of g_L = 10 nS and drives the network by its initial state
  /// only. Expect about 20 Hz.
  public static func coba(scale: Double = 1) -> Network {
    var neuron = IafCondExp()
    neuron.C_m = 200
    neuron.g_L = 10
    neuron.E_L = -60
    neuron.E_ex = 0
    neuron.E_in = -80
    neuron.tau_syn_ex = 5
    neuron.tau_syn_in = 10
    neuron.t_ref = 5
    neuron.V_reset = -60
    neuron.V_th = -50
    neuron.I_e = 0
    // v = E_L + (5·randn − 5) mV, ge = 1.5·randn + 4 and gi = 12·randn + 20 in units of g_L.
    let initial: [StateVariable: InitialValue] = [
      .V_m: .distribution(.normal(mean: -65, std: 5)),
      .g_ex: .distribution(.normal(mean: 40, std: 15)),
      .g_in: .distribution(.normal(mean: 200, std: 120)),
    ]
    return network(
      name: "coba", model: .iafCondExp(neuron), excitatoryWeight: 6, inhibitoryWeight: -67,
      scale: scale, initial: initial,
      summary: "Vogels & Abbott (2005) COBA, parameters of Brian's COBA example; expect about 20 Hz.")
  }

  private static func network(
    name: String, model: NeuronModel, excitatoryWeight: Double, inhibitoryWeight: Double,
    scale: Double, initial: [StateVariable: InitialValue], summary: String
  ) -> Network {
    var network = Network(name: name, summary: summary)
    let nE = max(Int((Double(excitatory) * scale).rounded()), 1)
    let nI = max(Int((Double(inhibitory) * scale).rounded()), 1)
    let p = min(probability / scale, 1)
    for (population, size) in [("E", nE), ("I", nI)] {
      network.add(
        Population(
          name: population, size: size, model: model, initial: initial))
    }
    for target in ["E", "I"] {
      network.connect("E", target, .pairwiseBernoulli(p: p), weight: .constant(excitatoryWeight),
                      delay: .constant(delay), name: "E->\(target)")
      network.connect("I", target, .pairwiseBernoulli(p: p), weight: .constant(inhibitoryWeight),
                      delay: .constant(delay), name: "I->\(target)")
    }
    return network
  }
}
