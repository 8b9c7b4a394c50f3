// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore
import Testing

/// Pair-based STDP on one synapse, with spike times chosen by the test: a spike generator
/// is the presynaptic neuron, and a strong driver makes the postsynaptic neuron fire at
/// chosen times. Expected weights are computed here from the definitions.
struct STDPTests {
  static let tau = 20.0, aPlus = 0.1, aMinus = 0.12, w0 = 0.5
  static let bounds = WeightBounds(wMin: 0, wMax: 10)

  struct Outcome {
    let weight: Double
    let pre: [Double]
    let post: [Double]
  }

  /// Pre spikes at `pre` ms; the post neuron fires at `post` ms (checked).
  static func run(
    pre: [Double], post: [Double], rule: STDPRule, dendriticDelay: Double? = 0, duration: Double = 300,
    modulator: [Double]? = nil, threads: Int = 1, sources: Int = 1
  ) throws -> Outcome {
    var network = Network(name: "pair")
    network.add(Population(name: "pre", size: sources, model: .spikeGenerator(spikeTimes: Array(repeating: pre, count: sources))))
    // The driver fires one step before the wanted post spike; its input arrives after one
    // step and the post neuron crosses threshold in that step.
    network.add(Population(name: "driver", size: 1, model: .spikeGenerator(spikeTimes: [post.map { $0 - 0.1 }])))
    // A threshold far above rest: only the driver, never the plastic input, fires the neuron.
    var neuron = IafPscDelta()
    neuron.t_ref = 0.1
    neuron.V_th = 1000
    network.add(Population(name: "post", size: 1, model: .iafPscDelta(neuron)))
    if let modulator {
      network.add(Population(name: "DA", size: 1, model: .spikeGenerator(spikeTimes: [modulator])))
    }
    network.connect("driver", "post", .allToAll(), weight: .constant(5000), delay: .constant(0.1))
    network.connect("pre", "post", .allToAll(), weight: .constant(w0), delay: .constant(1), name: "plastic",
                    plasticity: Plasticity(rule, dendriticDelay: dendriticDelay))
    let simulation = try Fixtures.run(network, duration: duration, threads: threads)
    let synapses = try #require(simulation.synapses(of: "plastic"))
    let ms = { (name: String) in Fixtures.steps(simulation, name).map { Double($0) * 0.1 } }
    #expect(Set(synapses.weights).count == 1, "every source has the same train, so the same weight")
    return Outcome(weight: synapses.weights[0], pre: ms("pre"), post: ms("post"))
  }

  static func pair(_ scheme: PairingScheme, aPlus: Double = aPlus, aMinus: Double = aMinus, mu: Double = 0) -> STDPRule {
    .pair(PairSTDP(tauPlus: tau, tauMinus: tau, aPlus: aPlus, aMinus: aMinus, muPlus: mu, muMinus: mu,
                   bounds: bounds, scheme: scheme))
  }

  static func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-6) -> Bool {
    abs(a - b) <= tolerance * max(abs(b), 1e-12)
  }

  /// One pair at Δt gives A+·exp(−Δt/τ+) or −A−·exp(Δt/τ−), in every scheme, for Δt on
  /// both sides and with the dendritic delay counted.
  @Test(arguments: PairingScheme.allCases)
  func stdpWindow(scheme: PairingScheme) throws {
    for (preTime, postTime, delay) in [(10.0, 30.0, 0.0), (10.0, 12.5, 0.0), (50.0, 30.0, 0.0), (40.0, 39.9, 0.0),
                                       (10.0, 30.0, 1.5), (50.0, 30.0, 1.5)] {
      let outcome = try Self.run(pre: [preTime], post: [postTime], rule: Self.pair(scheme), dendriticDelay: delay)
      #expect(outcome.pre == [preTime] && outcome.post.count == 1 && abs(outcome.post[0] - postTime) < 1e-9,
              "spikes at \(outcome.pre), \(outcome.post)")
      let dt = postTime + delay - preTime
      let change = dt > 0 ? Self.aPlus * exp(-dt / Self.tau) : -Self.aMinus * exp(dt / Self.tau)
      #expect(Self.close(outcome.weight - Self.w0, change), "\(scheme) Δt \(dt): \(outcome.weight - Self.w0) vs \(change)")
    }
  }

  /// The default dendritic delay is the projection's delay (1 ms here), as in NEST.
  @Test func defaultDendriticDelayIsTheSynapticDelay() throws {
    let outcome = try Self.run(pre: [10], post: [30], rule: Self.pair(.allToAll), dendriticDelay: nil)
    #expect(Self.close(outcome.weight - Self.w0, Self.aPlus * exp(-21 / Self.tau)))
  }

  /// Three-spike sequences, each worked out by hand for every scheme (Morrison et al. 2008).
  @Test func pairingSchemesDifferAsDefined() throws {
    let e = { (d: Double) in exp(-d / Self.tau) }
    let p = Self.aPlus, m = Self.aMinus
    // (pre, post, expected change per scheme: all, symmetric, pre-centred, restricted)
    let cases: [([Double], [Double], [PairingScheme: Double])] = [
      // Two pre spikes, then one post: all-to-all and pre-centred pair both pres with the post;
      // symmetric and restricted only the nearest.
      ([10, 20], [30], [.allToAll: p * (e(20) + e(10)), .nearestPreCentered: p * (e(20) + e(10)),
                         .nearestSymmetric: p * e(10), .nearestRestricted: p * e(10)]),
      // One pre, two posts: all-to-all and symmetric pair both posts with the pre; pre-centred
      // and restricted only the first post.
      ([10], [20, 30], [.allToAll: p * (e(10) + e(20)), .nearestSymmetric: p * (e(10) + e(20)),
                         .nearestPreCentered: p * e(10), .nearestRestricted: p * e(10)]),
      // Two posts, then one pre: only all-to-all depresses with both posts.
      ([30], [10, 20], [.allToAll: -m * (e(20) + e(10)), .nearestSymmetric: -m * e(10),
                         .nearestPreCentered: -m * e(10), .nearestRestricted: -m * e(10)]),
      // One post, then two pres: restricted lets only the first pre pair with it.
      ([20, 30], [10], [.allToAll: -m * (e(10) + e(20)), .nearestSymmetric: -m * (e(10) + e(20)),
                         .nearestPreCentered: -m * (e(10) + e(20)), .nearestRestricted: -m * e(10)]),
    ]
    for (pre, post, expected) in cases {
      for scheme in PairingScheme.allCases {
        let outcome = try Self.run(pre: pre, post: post, rule: Self.pair(scheme))
        #expect(outcome.post == post)
        let want = try #require(expected[scheme])
        #expect(Self.close(outcome.weight - Self.w0, want), "\(scheme) pre \(pre) post \(post): \(outcome.weight - Self.w0) vs \(want)")
      }
    }
  }

  /// Multiplicative dependence (μ = 1): the change scales with the distance to the bound.
  @Test func multiplicativeWeightDependence() throws {
    let up = try Self.run(pre: [10], post: [30], rule: Self.pair(.allToAll, mu: 1))
    let scale = 1 - (Self.w0 - Self.bounds.wMin) / (Self.bounds.wMax - Self.bounds.wMin)
    #expect(Self.close(up.weight - Self.w0, Self.aPlus * scale * exp(-1)))
    let down = try Self.run(pre: [50], post: [30], rule: Self.pair(.allToAll, mu: 1))
    #expect(Self.close(down.weight - Self.w0, -Self.aMinus * (Self.w0 / Self.bounds.wMax) * exp(-1)))
  }

  /// Large amplitudes on dense trains: weights reach the bounds and never leave them.
  @Test func boundsAreNeverViolated() throws {
    let pre = stride(from: 5.0, to: 290, by: 7.3).map { ($0 * 10).rounded() / 10 }
    let post = stride(from: 3.0, to: 290, by: 11.1).map { ($0 * 10).rounded() / 10 }
    for (a, b) in [(5.0, 0.1), (0.1, 5.0), (3.0, 3.0)] {
      let outcome = try Self.run(pre: pre, post: post, rule: Self.pair(.allToAll, aPlus: a, aMinus: b))
      #expect(outcome.weight >= Self.bounds.wMin && outcome.weight <= Self.bounds.wMax)
    }
    // Ending on a post spike, strong potentiation leaves the weight at the upper bound; ending
    // on a pre spike, strong depression leaves it at the lower one.
    let high = try Self.run(pre: pre, post: post + [295], rule: Self.pair(.allToAll, aPlus: 5, aMinus: 0.1))
    #expect(high.weight == Self.bounds.wMax)
    let low = try Self.run(pre: pre + [295], post: post, rule: Self.pair(.allToAll, aPlus: 0.1, aMinus: 5))
    #expect(low.weight == Self.bounds.wMin)
  }

  /// No plasticity, or plasticity with zero amplitudes: weights keep every bit.
  @Test func weightsAreBitUnchangedWithoutLearning() throws {
    var network = Network(name: "static")
    network.add(Population(name: "in", size: 50, model: .poissonGenerator(rate: 40)))
    network.add(Population(name: "out", size: 20, model: .iafPscDelta(IafPscDelta())))
    network.connect("in", "out", .allToAll(), weight: .uniform(min: 0, max: 5), delay: .constant(1), name: "fixed")
    network.connect("in", "out", .allToAll(), weight: .uniform(min: 0, max: 5), delay: .constant(1), name: "still",
                    plasticity: Plasticity(Self.pair(.allToAll, aPlus: 0, aMinus: 0)))
    let simulation = try Fixtures.run(network, duration: 500, precision: .float)
    let fixed = try #require(simulation.synapses(of: "fixed")), still = try #require(simulation.synapses(of: "still"))
    #expect(simulation.spikeCounts[1] > 0)
    // Both projections drew their weights from their own streams; compare each with a fresh build.
    let fresh = try Simulation(network: network, options: SimulationOptions(precision: .float))
    #expect(fresh.synapses(of: "fixed")?.weights.map(\.bitPattern) == fixed.weights.map(\.bitPattern))
    #expect(fresh.synapses(of: "still")?.weights.map(\.bitPattern) == still.weights.map(\.bitPattern))
  }

  /// A spike is transmitted with the weight its own update left (NEST's order): after a
  /// post spike at 10 ms, a pre spike at 20 ms arrives with w0 − A−·e^{−10/τ}.
  @Test func spikeCarriesTheWeightAfterItsOwnUpdate() throws {
    var network = Network(name: "order")
    network.add(Population(name: "pre", size: 1, model: .spikeGenerator(spikeTimes: [[20]])))
    network.add(Population(name: "driver", size: 1, model: .spikeGenerator(spikeTimes: [[9.9]])))
    var neuron = IafPscDelta()
    neuron.E_L = 0
    neuron.V_reset = 0
    neuron.V_th = 1000
    neuron.t_ref = 0.1
    neuron.tau_m = 1e12  // no leak: V keeps every input
    network.add(Population(name: "post", size: 1, model: .iafPscDelta(neuron)))
    network.connect("driver", "post", .allToAll(), weight: .constant(5000), delay: .constant(0.1))
    network.connect("pre", "post", .allToAll(), weight: .constant(Self.w0), delay: .constant(1), name: "plastic",
                    plasticity: Plasticity(Self.pair(.allToAll), dendriticDelay: 0))
    let simulation = try Fixtures.run(network, duration: 40)
    #expect(Fixtures.steps(simulation, "post") == [100])
    let v = try #require(simulation.values(.V_m, of: "post")?.first)
    let transmitted = Self.w0 - Self.aMinus * exp(-10 / Self.tau)
    #expect(Self.close(v, transmitted), "V \(v), expected \(transmitted)")
  }
}
