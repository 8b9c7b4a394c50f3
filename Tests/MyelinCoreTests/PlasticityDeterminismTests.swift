// SPDX-License-Identifier: Apache-2.0
import MyelinCore
import Testing

/// Plastic networks give bit-identical spikes and weights on 1 or 2 threads, and when a
/// run is split in two.
struct PlasticityDeterminismTests {
  static let rules: [STDPRule] = [
    .pair(PairSTDP(aPlus: 0.05, aMinus: 0.06, bounds: WeightBounds(wMin: 0, wMax: 2), scheme: .allToAll)),
    .pair(PairSTDP(aPlus: 0.05, aMinus: 0.06, muPlus: 1, muMinus: 1, bounds: WeightBounds(wMin: 0, wMax: 2),
                   scheme: .nearestPreCentered)),
    .pair(PairSTDP(aPlus: 0.05, aMinus: 0.06, bounds: WeightBounds(wMin: 0, wMax: 2), scheme: .nearestRestricted)),
    .triplet({ var r = TripletSTDP(bounds: WeightBounds(wMin: 0, wMax: 2)); r.aPlus2 = 0.02; return r }()),
    .rewardModulated({ var r = RewardSTDP(modulator: "DA", bounds: WeightBounds(wMin: 0, wMax: 2)); r.aPlus = 0.05; return r }()),
  ]

  static func network(_ rule: STDPRule) -> Network {
    var network = Network(name: "plastic")
    network.add(Population(name: "in", size: 300, model: .poissonGenerator(rate: 20)))
    network.add(Population(name: "DA", size: 1, model: .poissonGenerator(rate: 50)))
    var neuron = IafPscDelta()
    neuron.V_th = -60
    network.add(Population(name: "out", size: 90, model: .iafPscDelta(neuron)))
    network.connect("in", "out", .fixedIndegree(60), weight: .uniform(min: 0.5, max: 1.5),
                    delay: .uniform(min: 0.5, max: 2), name: "learning",
                    plasticity: Plasticity(rule, dendriticDelay: 1))
    network.connect("out", "out", .fixedIndegree(10), weight: .constant(0.5), delay: .constant(1.5), name: "recurrent",
                    plasticity: Plasticity(rule))
    return network
  }

  static func outcome(_ rule: STDPRule, threads: Int, split: Bool) throws -> ([Int64], [UInt32], [UInt64]) {
    let simulation = try Simulation(
      network: network(rule), options: SimulationOptions(seed: 7, threads: threads, recordSpikes: true))
    if split {
      try simulation.run(duration: 137.3)
      try simulation.run(duration: 262.7)
    } else {
      try simulation.run(duration: 400)
    }
    let spikes = try #require(simulation.recordedSpikes(of: "out"))
    let weights = (simulation.synapses(of: "learning")?.weights ?? []) + (simulation.synapses(of: "recurrent")?.weights ?? [])
    return (spikes.steps, spikes.nodes, weights.map(\.bitPattern))
  }

  @Test(arguments: rules.indices)
  func sameOnOneOrTwoThreadsAndSplitRuns(rule: Int) throws {
    let reference = try Self.outcome(Self.rules[rule], threads: 1, split: false)
    #expect(reference.0.count > 100, "the network fires")
    let initial = try Simulation(network: Self.network(Self.rules[rule]), options: SimulationOptions(seed: 7))
    let before = ((initial.synapses(of: "learning")?.weights ?? []) + (initial.synapses(of: "recurrent")?.weights ?? []))
    let changed = zip(before.map(\.bitPattern), reference.2).filter { $0 != $1 }.count
    #expect(changed > before.count / 10, "weights changed: \(changed) of \(before.count)")
    for (threads, split) in [(2, false), (1, true), (2, true)] {
      let other = try Self.outcome(Self.rules[rule], threads: threads, split: split)
      let sameSpikes = other.0 == reference.0 && other.1 == reference.1, sameWeights = other.2 == reference.2
      #expect(sameSpikes, "spikes differ: threads \(threads) split \(split)")
      #expect(sameWeights, "weights differ: threads \(threads) split \(split)")
    }
  }
}
