// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore
import Testing

/// iaf_cond_exp's RK4 step against a reference that integrates the same equations with
/// 1000 substeps per step (written here, independently). The measured errors are quoted in
/// docs/concepts.md.
@Suite struct CondExpAccuracyTests {
  /// Subthreshold V(t) of one neuron under excitatory and inhibitory input spikes and DC.
  static func reference(
    _ p: IafCondExp, inputs: [(stamp: Int, gEx: Double, gIn: Double)], current: Double,
    h: Double, steps: Int
  ) -> [Double] {
    var v = p.E_L, ge = 0.0, gi = 0.0
    var trace: [Double] = []
    let sub = 1000
    let dt = h / Double(sub)
    func dv(_ v: Double, _ ge: Double, _ gi: Double) -> Double {
      (current - p.g_L * (v - p.E_L) - ge * (v - p.E_ex) - gi * (v - p.E_in)) / p.C_m
    }
    for j in 0..<steps {
      for _ in 0..<sub {
        // Midpoint rule on V with exact conductance decay, at a tiny substep.
        let geMid = ge * exp(-dt / 2 / p.tau_syn_ex), giMid = gi * exp(-dt / 2 / p.tau_syn_in)
        let vMid = v + dt / 2 * dv(v, ge, gi)
        v += dt * dv(vMid, geMid, giMid)
        ge *= exp(-dt / p.tau_syn_ex)
        gi *= exp(-dt / p.tau_syn_in)
      }
      for input in inputs where input.stamp == j + 1 {
        ge += input.gEx
        gi += input.gIn
      }
      trace.append(v)
    }
    return trace
  }

  /// Largest |V − V_ref| in mV over 100 ms for the given synaptic time constants.
  static func maximumError(
    tauEx: Double, tauIn: Double, weightEx: Double = 8, weightIn: Double = 20
  ) throws -> Double {
    var p = IafCondExp()
    p.V_th = 1000
    p.tau_syn_ex = tauEx
    p.tau_syn_in = tauIn
    let current = 150.0
    let stampsEx = [50, 120, 121, 300, 480, 700]
    let stampsIn = [90, 310, 600]
    var network = Network(name: "cond")
    network.add(Population(name: "ex", size: 1, model: .spikeGenerator(
      spikeTimes: [stampsEx.map { Double($0) * 0.1 }])))
    network.add(Population(name: "in", size: 1, model: .spikeGenerator(
      spikeTimes: [stampsIn.map { Double($0) * 0.1 }])))
    network.add(Population(name: "n", size: 1, model: .iafCondExp(p), stimuli: [.dc(amplitude: current)]))
    network.connect("ex", "n", .allToAll(), weight: .constant(weightEx), delay: .constant(0.1))
    network.connect("in", "n", .allToAll(), weight: .constant(-weightIn), delay: .constant(0.1))
    let simulation = try Simulation(network: network, options: SimulationOptions(precision: .double))
    // Inputs stamped s with delay one step add to g at the end of the step ending at s + dt.
    let inputs = stampsEx.map { (stamp: $0 + 1, gEx: weightEx, gIn: 0.0) }
      + stampsIn.map { (stamp: $0 + 1, gEx: 0.0, gIn: weightIn) }
    let expected = reference(p, inputs: inputs, current: current, h: 0.1, steps: 1000)
    var worst = 0.0
    for j in 0..<1000 {
      simulation.run(steps: 1)
      let v = try #require(simulation.values(.V_m, of: "n")?.first)
      worst = max(worst, abs(v - expected[j]))
    }
    return worst
  }

  @Test func defaultTimeConstants() throws {
    // NEST's defaults: tau_syn_ex = 0.2 ms, two steps: the stiffest common case.
    let error = try Self.maximumError(tauEx: 0.2, tauIn: 2)
    #expect(error < 1e-4, "max |ΔV| = \(error) mV")
  }

  @Test func vogelsAbbottTimeConstants() throws {
    let error = try Self.maximumError(tauEx: 5, tauIn: 10)
    #expect(error < 1e-7, "max |ΔV| = \(error) mV")
  }

  /// Conductances of tens of µS make a single RK4 step unstable (it would fire the neuron);
  /// stiff neurons take substeps and stay close to the reference.
  @Test func stiffConductancesTakeSubsteps() throws {
    let error = try Self.maximumError(tauEx: 5, tauIn: 10, weightEx: 8, weightIn: 20_000)
    #expect(error < 0.01, "max |ΔV| = \(error) mV")
  }
}
