// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore
import Testing

/// A feed-forward network driven by explicit spike trains, checked spike for spike against
/// an independent double-precision computation of NEST's iaf_psc_exp rules written here.
@Suite struct ReferenceTests {
  struct Synapse {
    let source: Int, target: Int, weight: Double, delaySteps: Int
  }

  /// The reference: a plain loop over steps with its own arrival table.
  static func reference(
    inputs: [[Int]], synapses: [Synapse], neurons: Int, p: IafPscExp, h: Double, steps: Int
  ) -> [[Int]] {
    // Arrival table: stamp step → weights per target and receptor.
    var arrivals: [Int: [(Int, Double)]] = [:]
    for (source, stamps) in inputs.enumerated() {
      for stamp in stamps {
        for s in synapses where s.source == source {
          arrivals[stamp + s.delaySteps, default: []].append((s.target, s.weight))
        }
      }
    }
    let p22 = exp(-h / p.tau_m)
    let p20 = p.tau_m / p.C_m * (1 - p22)
    func p21(_ ts: Double) -> Double {
      ts * p.tau_m / (p.C_m * (p.tau_m - ts)) * (exp(-h / p.tau_m) - exp(-h / ts))
    }
    let p21ex = p21(p.tau_syn_ex), p21in = p21(p.tau_syn_in)
    var v = [Double](repeating: p.E_L, count: neurons)
    var iEx = [Double](repeating: 0, count: neurons)
    var iIn = [Double](repeating: 0, count: neurons)
    var refractory = [Int](repeating: 0, count: neurons)
    let refractorySteps = Int((p.t_ref / h).rounded())
    var spikes = [[Int]](repeating: [], count: neurons)
    for j in 0..<steps {
      for n in 0..<neurons {
        if refractory[n] == 0 {
          v[n] = p.E_L + (v[n] - p.E_L) * p22 + iEx[n] * p21ex + iIn[n] * p21in + p.I_e * p20
        } else {
          refractory[n] -= 1
        }
        iEx[n] *= exp(-h / p.tau_syn_ex)
        iIn[n] *= exp(-h / p.tau_syn_in)
      }
      for (target, w) in arrivals[j + 1] ?? [] {
        if w >= 0 { iEx[target] += w } else { iIn[target] += w }
      }
      for n in 0..<neurons where v[n] >= p.V_th {
        spikes[n].append(j + 1)
        v[n] = p.V_reset
        refractory[n] = refractorySteps
      }
    }
    return spikes
  }

  @Test func feedForwardMatchesReferenceSpikeForSpike() throws {
    let h = 0.1
    var random = RandomSequence(philox: Philox(seed: 42), stream: 0, index: 0)
    let sources = 6, neurons = 5, steps = 3000
    var inputs: [[Int]] = []
    for _ in 0..<sources {
      var stamps = Set<Int>()
      for _ in 0..<40 { stamps.insert(1 + Int(random.nextInt(below: UInt32(steps - 100)))) }
      inputs.append(stamps.sorted())
    }
    var synapses: [Synapse] = []
    for source in 0..<sources {
      for target in 0..<neurons where random.nextUniform() < 0.7 {
        let weight = random.nextUniform() < 0.3 ? -400 * random.nextUniform() : 1500 * random.nextUniform()
        synapses.append(Synapse(source: source, target: target, weight: weight,
                                delaySteps: 1 + Int(random.nextInt(below: 30))))
      }
    }
    var p = IafPscExp()
    p.tau_syn_in = 3.5
    p.I_e = 150
    let expected = Self.reference(inputs: inputs, synapses: synapses, neurons: neurons, p: p,
                                  h: h, steps: steps)
    #expect(expected.joined().count > 50, "the test needs a network that spikes")

    var network = Network(name: "feed-forward")
    network.add(Population(name: "in", size: sources, model: .spikeGenerator(
      spikeTimes: inputs.map { $0.map { Double($0) * h } })))
    network.add(Population(name: "out", size: neurons, model: .iafPscExp(p)))
    network.connect("in", "out", .explicit(SynapseList(
      sources: synapses.map { UInt32($0.source) }, targets: synapses.map { UInt32($0.target) },
      weights: synapses.map(\.weight), delays: synapses.map { Double($0.delaySteps) * h })),
      weight: .constant(0))
    let simulation = try Fixtures.run(network, duration: Double(steps) * h, precision: .double)
    let recorded = try #require(simulation.recordedSpikes(of: "out"))
    var got = [[Int]](repeating: [], count: neurons)
    for (step, node) in zip(recorded.steps, recorded.nodes) { got[Int(node)].append(Int(step)) }
    #expect(got == expected)
  }
}
