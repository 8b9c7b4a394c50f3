// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore
import MyelinLearning
import MyelinModels
import Testing

/// Step-major inference (the Simulation executor's LayerSimulation) against the Trainer's
/// evaluation forward pass in event mode: the same spikes, bit for bit.
struct LayerSimulationTests {
  /// A graph with what the named models leave out: a conv with bias into PLIF, a grouped
  /// conv, average pooling, a flatten, a dense layer with bias into a soft-reset IF node, a
  /// LIF without decay_input, and a non-spiking readout with three real-valued inputs (one
  /// behind BatchNorm), whose output shows any difference in the last bit.
  static var mixed: Network {
    var n = Network(name: "mixed")
    n.add(Population(name: "image", shape: [1, 6, 6], model: .input))
    n.add(Population(name: "conv", shape: [4, 6, 6], model: .lifNode(LIFNode(kind: .plif(initialTau: 2)))))
    n.add(Population(name: "grouped", shape: [4, 6, 6], model: .lifNode(LIFNode(kind: .lif(tau: 3)))))
    n.add(Population(name: "pool", shape: [4, 3, 3], model: .sum))
    n.add(Population(name: "flat", shape: [36], model: .sum))
    n.add(Population(name: "hidden", shape: [12], model: .lifNode(LIFNode(kind: .integrateAndFire, threshold: 0.5, reset: nil))))
    n.add(Population(name: "hidden2", shape: [6], model: .lifNode(LIFNode(kind: .lif(tau: 2), decayInput: false))))
    n.add(Population(name: "out", shape: [3], model: .readout))
    n.projections = [
      Projection(source: "image", target: "conv", kind: .conv2d(Conv2dGeometry(kernel: 3, padding: 1, bias: true)), batchNorm: true),
      Projection(source: "conv", target: "grouped", kind: .conv2d(Conv2dGeometry(kernel: 3, padding: 1, groups: 2, bias: false))),
      Projection(source: "grouped", target: "pool", kind: .pool(PoolGeometry(.average, kernel: 2))),
      Projection(source: "pool", target: "flat", kind: .flatten),
      Projection(source: "flat", target: "hidden", kind: .dense(bias: true)),
      Projection(source: "hidden", target: "hidden2", kind: .dense(bias: false)),
      Projection(source: "hidden2", target: "out", kind: .dense(bias: false), batchNorm: true),
      Projection(source: "hidden", target: "out", kind: .dense(bias: true)),
      Projection(source: "flat", target: "out", kind: .dense(bias: false)),
    ]
    return n
  }

  /// Random weights barely move a LIF to threshold: scaled up by `gain` (and BN's γ and β
  /// set high), every layer fires, so that comparisons are not between silent networks.
  static func excite(_ trainer: inout Trainer, gain: Float) {
    trainer.setParameters(zip(trainer.parameterNames, trainer.parameters).map { name, tensor in
      if name.hasSuffix("bn.gamma") { return tensor.values.map { _ in 2.5 } }
      if name.hasSuffix("bn.beta") { return tensor.values.map { _ in 0.8 } }
      if name.hasSuffix("weight") { return tensor.values.map { $0 * gain } }
      if name.hasSuffix("plif_w") { return [0.7] }  // k = σ(0.7), not the initial 1/2
      return tensor.values
    })
  }

  /// Runs `batch` samples through both executors and checks every LIF population's spikes
  /// at every step, and the class scores. Returns how many spikes the samples produced.
  static func compare(_ network: Network, images x: [Float], steps T: Int, batch B: Int, gain: Float = 6) throws -> Int {
    var trainer = try Trainer(network: network, seed: 5)
    excite(&trainer, gain: gain)
    // Two training passes move BN's running statistics off their defaults.
    for _ in 0..<2 { _ = trainer.forward(x, steps: T, batch: B, training: true) }
    trainer.mode = .event
    let record = trainer.forward(x, steps: T, batch: B, training: false)
    let scores = Loss.timeAverage(record.outputs[trainer.output], steps: T)
    var simulation = try trainer.layerSimulation()
    let size = network.populations[trainer.input].size, classes = network.populations[trainer.output].size
    var spikes = 0
    for b in 0..<B {
      var sample: [Float] = []
      for t in 0..<T { sample += x[((t * B + b) * size)..<((t * B + b + 1) * size)] }
      var mismatches: [String] = []
      let simulated = try simulation.run(sample, steps: T) { t, p, s in
        let n = network.populations[p].size
        let expected = record.outputs[p][((t * B + b) * n)..<((t * B + b + 1) * n)]
        if !expected.elementsEqual(s) { mismatches.append("\(network.populations[p].name) at step \(t)") }
        spikes += s.reduce(0) { $0 + Int($1) }
      }
      #expect(mismatches.isEmpty, "sample \(b): \(mismatches)")
      #expect(silent(record.outputs, trainer).isEmpty, "populations that never fire: \(silent(record.outputs, trainer))")
      #expect(simulated == Array(scores[(b * classes)..<((b + 1) * classes)]), "sample \(b) scores")
    }
    return spikes
  }

  /// LIF populations without a single spike in the Trainer's record.
  static func silent(_ outputs: [[Float]], _ trainer: Trainer) -> [String] {
    trainer.network.populations.indices.compactMap { p in
      guard case .lifNode = trainer.network.populations[p].model, !outputs[p].contains(1) else { return nil }
      return trainer.network.populations[p].name
    }
  }

  @Test func tinySpikformerSpikesEqualTheTrainersEventForward() throws {
    var config = SpikformerTests.tiny
    config.attentionScale = 1  // so that the tiny attention fires
    let network = Spikformer.network(config)
    let (T, B) = (3, 4)
    // Directly encoded analog images: the same at every step.
    let image: [Float] = (0..<(B * 64)).map { (i: Int) -> Float in Float((i * 37) % 17) / 4 - 1 }
    let x = Array((0..<T).map { _ in image }.joined())
    let spikes = try Self.compare(network, images: x, steps: T, batch: B)
    #expect(spikes > 500)
  }

  @Test func mixedGraphWithPoissonInputMatches() throws {
    let (T, B) = (4, 3)
    // Binary inputs that change every step (rate coding).
    var random = RandomSequence(philox: Philox(seed: 9), stream: 1, index: 0)
    let x: [Float] = (0..<(T * B * 36)).map { _ in random.nextUniform() < 0.4 ? 1 : 0 }
    let spikes = try Self.compare(Self.mixed, images: x, steps: T, batch: B)
    #expect(spikes > 50)
  }

  @Test func convSNNMatches() throws {
    var config = ConvSNN.Configuration()
    (config.channels, config.height, config.width, config.classes) = (4, 8, 8, 10)
    let B = 2
    let image: [Float] = (0..<(B * 64)).map { (i: Int) -> Float in Float((i * 13) % 11) / 5 }
    let x = Array((0..<4).map { _ in image }.joined())
    let spikes = try Self.compare(ConvSNN.network(config), images: x, steps: 4, batch: B, gain: 20)
    #expect(spikes > 50)
  }

  @Test func attentionNeedsSpikingInputs() throws {
    var n = Network(name: "analog-attention")
    n.add(Population(name: "x", shape: [4, 3], model: .input))
    n.add(Population(name: "s", shape: [4, 3], model: .sum))
    n.add(Population(name: "k", shape: [4, 3], model: .lifNode(LIFNode())))
    n.add(Population(name: "a", shape: [4, 3], model: .lifNode(LIFNode())))
    n.projections = [
      Projection(source: "x", target: "s", kind: .identity),
      Projection(source: "x", target: "k", kind: .identity),
      Projection(source: "s", target: "a", kind: .attention(AttentionGeometry(heads: 2, scale: 0.125, key: "k", value: "k"))),
    ]
    #expect(throws: ModelError.self) { try n.validate() }
    do { try n.validate() } catch { #expect(error.description.contains("spiking node")) }
    n.projections[2] = Projection(source: "k", target: "a", kind: .attention(AttentionGeometry(heads: 2, scale: 0.125, key: "s", value: "k")))
    #expect(throws: ModelError.self) { try n.validate() }
    do { try n.validate() } catch { #expect(error.description.contains("attention.key")) }
    // Q, K and V all spiking: accepted.
    n.projections = [
      Projection(source: "x", target: "k", kind: .identity),
      Projection(source: "k", target: "a", kind: .attention(AttentionGeometry(heads: 2, scale: 0.125, key: "k", value: "k"))),
    ]
    n.populations.remove(at: 1)
    try n.validate()
  }

  @Test func wrongWeightsAreRejectedWithTheProjectionNamed() throws {
    let trainer = try Trainer(network: Self.mixed, seed: 1)
    var weights = trainer.layerWeights
    weights[4]?.bias.removeLast()
    #expect(throws: ModelError.self) { try LayerSimulation(network: Self.mixed, weights: weights) }
    do {
      _ = try LayerSimulation(network: Self.mixed, weights: weights)
    } catch {
      #expect(error.description.contains("flat → hidden") && error.description.contains("bias"))
    }
    var simulation = try trainer.layerSimulation()
    #expect(throws: ModelError.self) { _ = try simulation.run([0, 1], steps: 1) }
  }
}
