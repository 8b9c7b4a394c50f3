// SPDX-License-Identifier: Apache-2.0
import MyelinCore

/// Brunel (2000), "Dynamics of sparsely connected networks of excitatory and inhibitory
/// spiking neurons", J. Comput. Neurosci. 8:183, model A: identical excitatory and
/// inhibitory `iaf_psc_delta` neurons with fixed in-degree, as in NEST's
/// `brunel_delta_nest.py`.
public enum Brunel {
  /// A point of the paper's Fig. 8 phase diagram.
  public struct Point: Sendable, Equatable {
    /// Relative strength of inhibition.
    public var g: Double
    /// External rate relative to the threshold rate ν_th.
    public var eta: Double
    public var label: String

    /// g = 5, η = 2: the point of NEST's `brunel_delta_nest.py` and of the benchmarks,
    /// about 37 Hz. The paper's Fig. 8C shows it as asynchronous irregular.
    public static let g5eta2 = Point(g: 5, eta: 2, label: "Fig. 8C")
    /// g = 6, η = 4: the paper's Fig. 8B, synchronous irregular with fast oscillations.
    public static let g6eta4 = Point(g: 6, eta: 4, label: "Fig. 8B")
  }

  public static let excitatory = 10_000
  public static let inhibitory = 2_500
  public static let tauM = 20.0  // ms
  public static let theta = 20.0  // mV
  public static let J = 0.1  // mV
  public static let delay = 1.5  // ms

  /// The network at `point`; `scale` multiplies population sizes and in-degrees (tests use
  /// small scales; the paper's values are scale 1).
  public static func network(_ point: Point, scale: Double = 1) -> Network {
    let nE = max(Int((Double(excitatory) * scale).rounded()), 1)
    let nI = max(Int((Double(inhibitory) * scale).rounded()), 1)
    let cE = max(nE / 10, 1)
    let cI = max(nI / 10, 1)
    var neuron = IafPscDelta()
    neuron.C_m = 1
    neuron.tau_m = tauM
    neuron.t_ref = 2
    neuron.E_L = 0
    neuron.V_reset = 10
    neuron.V_th = theta
    // ν_th = θ / (J·C_E·τ_m) per external synapse; each neuron gets C_E of them at η·ν_th,
    // so the total is η·θ / (J·τ_m), independent of C_E (20 kHz at η = 2).
    let externalRate = point.eta * theta / (J * tauM) * 1000  // Hz
    // −g·J rounded to the decimal a model file would write (6·0.1 is not 0.6 in binary).
    let inhibitory = (-point.g * J * 1e9).rounded() / 1e9
    var network = Network(
      name: "brunel",
      summary: """
        Brunel (2000) model A, g = \(point.g), eta = \(point.eta) (\(point.label)); \
        N_E = \(nE), N_I = \(nI), C_E = \(cE), C_I = \(cI), J = \(J) mV, D = \(delay) ms.
        """)
    for (name, size) in [("E", nE), ("I", nI)] {
      network.add(
        Population(
          name: name, size: size, model: .iafPscDelta(neuron),
          stimuli: [.poisson(rate: externalRate, weight: J)]))
    }
    for target in ["E", "I"] {
      network.connect("E", target, .fixedIndegree(cE), weight: .constant(J),
                      delay: .constant(delay), name: "E->\(target)")
      network.connect("I", target, .fixedIndegree(cI), weight: .constant(inhibitory),
                      delay: .constant(delay), name: "I->\(target)")
    }
    return network
  }

  /// The network at `point` with additive all-to-all STDP on E→E (the benchmark of
  /// docs/benchmarks.md, also run by Tests/peers/*_brunel_stdp.py): w_max = 2J, A+ = 0.01 w_max / 2,
  /// A− = 1.05 A+, τ± = 20 ms, NEST's dendritic-delay convention (1.5 ms).
  public static func withSTDP(_ point: Point, scale: Double = 1) -> Network {
    var network = network(point, scale: scale)
    guard let k = network.projections.firstIndex(where: { $0.name == "E->E" }) else { return network }
    let rule = PairSTDP(tauPlus: 20, tauMinus: 20, aPlus: 0.001, aMinus: 0.00105,
                        bounds: WeightBounds(wMin: 0, wMax: 2 * J), scheme: .allToAll)
    network.projections[k].plasticity = Plasticity(.pair(rule))
    network.name = "brunel-stdp"
    return network
  }
}
