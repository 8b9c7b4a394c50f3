// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore
import MyelinTraces
import Testing

/// `plasticity` blocks and `record.weights` in model files, and weights in trace files.
struct PlasticityFileTests {
  static func model(_ plasticity: String, record: String = "", weight: String = "0.5") -> String {
    """
    {"name": "p", "populations": [
       {"name": "in", "size": 20, "model": "poisson_generator", "rate": 50},
       {"name": "DA", "size": 1, "model": "poisson_generator", "rate": 5},
       {"name": "out", "size": 4, "model": "iaf_psc_delta"}],
     "projections": [{"name": "learn", "source": "in", "target": "out", "connector": {"rule": "all_to_all"},
        "weight": \(weight), "delay": 1.5, "plasticity": \(plasticity)}]\(record)}
    """
  }

  @Test func blocksParseIntoRules() throws {
    let pair = try ModelFile.parse(Self.model("""
      {"rule": "stdp", "scheme": "nearest_restricted", "tau_plus": "15 ms", "lambda": 0.01, "alpha": 1.2,
       "mu_plus": 1, "w_max": 2, "dendritic_delay": 0.5}
      """))
    #expect(pair.projections[0].plasticity == Plasticity(
      .pair(PairSTDP(tauPlus: 15, tauMinus: 20, aPlus: 0.02, aMinus: 0.024, muPlus: 1, muMinus: 0,
                     bounds: WeightBounds(wMin: 0, wMax: 2), scheme: .nearestRestricted)), dendriticDelay: 0.5))
    let triplet = try ModelFile.parse(Self.model("{\"rule\": \"stdp_triplet\", \"w_max\": 1, \"A3_plus\": 0.1}"))
    var t = TripletSTDP(bounds: WeightBounds(wMax: 1))
    t.aPlus3 = 0.1
    #expect(triplet.projections[0].plasticity == Plasticity(.triplet(t)))
    let nest = try ModelFile.parse(Self.model("{\"rule\": \"stdp_triplet\", \"w_max\": 1, \"Aplus_triplet\": 0.1}"))
    #expect(nest.projections[0].plasticity == Plasticity(.triplet(t)))
    #expect(ModelFileTests.error(Self.model("{\"rule\": \"stdp_triplet\", \"w_max\": 1, \"Aplus\": 0.1, \"A2_plus\": 0.1}"))?
      .problem.contains("also given as A2_plus") == true)
    let reward = try ModelFile.parse(Self.model("{\"rule\": \"stdp_dopamine\", \"w_max\": 1, \"modulator\": \"DA\", \"tau_c\": 500}"))
    var r = RewardSTDP(modulator: "DA", bounds: WeightBounds(wMax: 1))
    r.tauC = 500
    #expect(reward.projections[0].plasticity == Plasticity(.rewardModulated(r)))
  }

  @Test(arguments: [
    ("{\"rule\": \"bcm\", \"w_max\": 1}", "projections[0].plasticity.rule", "unknown plasticity rule"),
    ("{\"rule\": \"stdp\", \"A_plus\": 0.1, \"A_minus\": 0.1}", "projections[0].plasticity.w_max", "is missing"),
    ("{\"rule\": \"stdp\", \"A_plus\": 0.1, \"A_minus\": 0.1, \"w_max\": 1, \"w_min\": 2}", "projections[0].plasticity.w_max", "below w_min"),
    ("{\"rule\": \"stdp\", \"A_plus\": 0.1, \"lambda\": 0.1, \"w_max\": 1}", "projections[0].plasticity.A_plus", "conflicts with lambda"),
    ("{\"rule\": \"stdp\", \"A_plus\": 0.1, \"A_minus\": 0.1, \"w_max\": 1, \"scheme\": \"nearest\"}", "projections[0].plasticity.scheme", "unknown pairing scheme"),
    ("{\"rule\": \"stdp\", \"A_plus\": -0.1, \"A_minus\": 0.1, \"w_max\": 1}", "projections[0].plasticity.A_plus", "must not be negative"),
    ("{\"rule\": \"stdp\", \"A_plus\": 0.1, \"A_minus\": 0.1, \"w_max\": 1, \"tau_plus\": 0}", "projections[0].plasticity.tau_plus", "must be positive"),
    ("{\"rule\": \"stdp\", \"A_plus\": 0.1, \"A_minus\": 0.1, \"w_max\": 0.2}", "projections[0].weight", "outside the plasticity bounds"),
    ("{\"rule\": \"stdp_dopamine\", \"w_max\": 1, \"modulator\": \"VTA\"}", "projections[0].plasticity.modulator", "unknown population"),
    ("{\"rule\": \"stdp_triplet\", \"w_max\": 1, \"A_plus\": 1}", "projections[0].plasticity.A_plus", "unknown field"),
  ])
  func badBlocksNameTheField(block: String, field: String, problem: String) {
    let error = ModelFileTests.error(Self.model(block))
    #expect(error?.field == field, "\(String(describing: error))")
    #expect(error?.problem.contains(problem) == true, "\(String(describing: error))")
  }

  /// Weights at the bounds are inside them, although Float(0.1) lies above 0.1.
  @Test func weightsAtTheBoundsAreAccepted() {
    let text = Self.model("{\"rule\": \"stdp\", \"A_plus\": 0.01, \"A_minus\": 0.01, \"w_max\": 0.1, \"w_min\": 0.1}",
                          weight: "0.1")
    #expect(ModelFileTests.error(text) == nil)
  }

  @Test func hugeDendriticDelayIsAnError() {
    let error = ModelFileTests.error(Self.model("{\"rule\": \"stdp\", \"A_plus\": 0.1, \"A_minus\": 0.1, \"w_max\": 1, \"dendritic_delay\": 1e20}"))
    #expect(error?.field == "projections[0].plasticity.dendritic_delay", "\(String(describing: error))")
  }

  @Test func snapshotSynapsesNeedAnInterval() {
    let error = ModelFileTests.error(Self.model(
      "{\"rule\": \"stdp\", \"A_plus\": 0.1, \"A_minus\": 0.1, \"w_max\": 1}",
      record: ", \"record\": {\"weights\": [{\"projection\": \"learn\", \"synapses\": 5}]}"))
    #expect(error?.field == "record.weights[0].synapses", "\(String(describing: error))")
  }

  @Test func varyingDelaysNeedADendriticDelay() {
    let text = Self.model("{\"rule\": \"stdp\", \"A_plus\": 0.1, \"A_minus\": 0.1, \"w_max\": 1}")
      .replacingOccurrences(of: "\"delay\": 1.5", with: "\"delay\": {\"uniform\": [1, 2]}")
    let error = ModelFileTests.error(text)
    #expect(error?.field == "projections[0].plasticity.dendritic_delay")
  }

  /// Writing weights and snapshots, then reading them back, gives the same values.
  @Test func weightsRoundTrip() throws {
    let path = TraceFileTests.temporary("weights.h5")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let spec = WeightSpec(projection: "in->out", sources: [0, 0, 1], targets: [0, 1, 1], snapshotIDs: [0, 2],
                          units: "mV", rule: "stdp", bounds: (0, 2))
    let writer = try TraceWriter(
      path: path, overwrite: true,
      metadata: TraceMetadata(modelName: "m", modelText: "{}", command: "test", dt: 0.1, seed: 1,
                              populations: [.init(name: "in", size: 2, model: "poisson_generator")],
                              simulator: "test"),
      spikes: [], weights: [spec])
    try writer.appendWeightSnapshot(0, step: 0, weights: [0.5, 0.6, 0.7])
    try writer.appendWeightSnapshot(0, step: 100, weights: [0.25, 0.6, 1.75])
    try writer.writeFinalWeights(0, [0.125, 0.5, 2])
    try writer.finish(timeReached: 10, wallTime: 0)
    let trace = try TraceFile(path: path)
    #expect(trace.weightProjections == ["in->out"])
    let weights = try #require(try trace.weights(of: "in->out"))
    #expect(weights.sources == [0, 0, 1] && weights.targets == [0, 1, 1])
    #expect(weights.final == [0.125, 0.5, 2] && weights.units == "mV" && weights.rule == "stdp")
    #expect(weights.bounds?.min == 0 && weights.bounds?.max == 2)
    let snapshots = try #require(try trace.weightSnapshots(of: "in->out"))
    #expect(snapshots.ids == [0, 2] && snapshots.times == [0, 10])
    #expect(snapshots.values == [0.5, 0.7, 0.25, 1.75])
    #expect(try trace.weights(of: "other") == nil)
  }
}
