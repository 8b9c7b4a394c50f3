// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore
import Testing

/// Closed-form solutions of the LIF membrane equation, in both precisions.
@Suite struct LIFAnalyticTests {
  /// V(t) = E_L + I·τ/C·(1 − e^{−t/τ}) for a current step switched on at t = 0.
  @Test(arguments: [Precision.float, .double])
  func subthresholdStepResponse(precision: Precision) throws {
    var p = IafPscExp()
    p.V_th = 1000  // never fires
    let current = 200.0  // pA; steady state 8 mV above rest
    let network = Fixtures.single(.iafPscExp(p), stimuli: [.dc(amplitude: current)])
    let simulation = try Simulation(
      network: network, options: SimulationOptions(dt: 0.1, precision: precision))
    for checkpoint in [1, 10, 57, 200, 1000] {
      simulation.run(steps: checkpoint - Int(simulation.step))
      let t = simulation.time
      let expected = p.E_L + current * p.tau_m / p.C_m * (1 - exp(-t / p.tau_m))
      let v = try #require(simulation.values(.V_m, of: "n")?.first)
      #expect(abs(v - expected) / abs(expected) < 1e-5, "t = \(t) ms: \(v) vs \(expected)")
    }
  }

  /// Under a constant suprathreshold current the ISI is t_ref + τ·ln(IR / (IR − θ)),
  /// sampled on the grid: each spike lands within one step after the analytic time.
  @Test(arguments: [IafPscExp.self as Any.Type, IafPscDelta.self as Any.Type])
  func interspikeIntervalUnderConstantCurrent(model: Any.Type) throws {
    let current = 500.0, tauM = 10.0, capacitance = 250.0, tRef = 2.0
    let neuron: NeuronModel
    if model == IafPscExp.self {
      var p = IafPscExp()
      p.I_e = current
      neuron = .iafPscExp(p)
    } else {
      var p = IafPscDelta()
      p.I_e = current
      neuron = .iafPscDelta(p)
    }
    let simulation = try Fixtures.run(Fixtures.single(neuron), duration: 200)
    let times = Fixtures.steps(simulation, "n").map { Double($0) * 0.1 }
    let drive = current * tauM / capacitance  // 20 mV
    let toThreshold = tauM * log(drive / (drive - 15))
    #expect(times.count > 5)
    #expect(times[0] >= toThreshold - 1e-9 && times[0] < toThreshold + 0.1)
    for (later, earlier) in zip(times.dropFirst(), times) {
      let isi = later - earlier
      #expect(isi >= tRef + toThreshold - 1e-9 && isi < tRef + toThreshold + 0.1, "ISI \(isi)")
    }
  }

  /// With a huge current the neuron fires as soon as it may: every t_ref + dt exactly.
  @Test(arguments: [0.0, 0.5, 2.0, 3.3])
  func refractoryPeriodIsExact(tRef: Double) throws {
    var p = IafPscExp()
    p.I_e = 1e6
    p.t_ref = tRef
    let simulation = try Fixtures.run(Fixtures.single(.iafPscExp(p)), duration: 50)
    let steps = Fixtures.steps(simulation, "n")
    let expected = Int64((tRef / 0.1).rounded()) + 1
    #expect(steps.count > 5)
    for (later, earlier) in zip(steps.dropFirst(), steps) { #expect(later - earlier == expected) }
  }

  /// During the refractory period V stays at V_reset while the synaptic current keeps
  /// decaying; the next spike comes exactly t_ref + dt later.
  @Test func potentialIsClampedWhileRefractory() throws {
    var network = Network(name: "clamp")
    network.add(Population(name: "in", size: 1, model: .spikeGenerator(spikeTimes: [[1.0]])))
    var p = IafPscExp()
    p.t_ref = 2
    network.add(Population(name: "n", size: 1, model: .iafPscExp(p)))
    network.connect("in", "n", .allToAll(), weight: .constant(1e6), delay: .constant(0.1))
    let simulation = try Simulation(
      network: network, options: SimulationOptions(precision: .double, recordSpikes: true))
    // The input stamped 1.0 ms enters the current at 1.1 ms and moves V in the step to
    // 1.2 ms, where the neuron fires (step 12).
    simulation.run(steps: 13)
    #expect(Fixtures.steps(simulation, "n") == [12])
    var current = try #require(simulation.values(.I_syn_ex, of: "n")?.first)
    for _ in 0..<19 {
      simulation.run(steps: 1)
      #expect(simulation.values(.V_m, of: "n")?.first == p.V_reset)
      let next = try #require(simulation.values(.I_syn_ex, of: "n")?.first)
      #expect(abs(next - current * exp(-0.1 / p.tau_syn_ex)) < 1e-9 * current)
      current = next
    }
    simulation.run(steps: 1)
    #expect(Fixtures.steps(simulation, "n") == [12, 33])
  }
}
