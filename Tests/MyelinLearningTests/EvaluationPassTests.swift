// SPDX-License-Identifier: Apache-2.0
import MyelinCore
@testable import MyelinLearning
import MyelinModels
import Testing

/// What evaluation does differently from a training forward pass, and must not change any
/// value by: a convolution applies its BatchNorm as it writes each row (the values must be
/// exactly those of the convolution followed by ``BatchNorm/evaluate(_:rows:spatial:)``, since
/// the Simulation executor applies the affine apart and must keep seeing the same spikes), and
/// outputs are freed once read.
struct EvaluationPassTests {
  /// 20 output channels over 6 × 6: whole 16 × 16 tiles of the channel transpose and edge tiles.
  static func kernel() throws -> LayerKernel {
    let source = Population(name: "a", shape: [3, 6, 6], model: .input)
    let target = Population(name: "b", shape: [20, 6, 6], model: .sum)
    var kernel = try LayerKernel(
      Projection(source: "a", target: "b", kind: .conv2d(Conv2dGeometry(kernel: 3, padding: 1)), batchNorm: true),
      index: 1, source: source, target: target, seed: 5)
    kernel.batchNorm!.gamma = (0..<20).map { 0.5 + Float($0) * 0.1 }
    kernel.batchNorm!.beta = (0..<20).map { Float($0 % 7) * 0.2 - 0.6 }
    kernel.batchNorm!.runningMean = (0..<20).map { Float($0 % 5) * 0.3 - 0.5 }
    kernel.batchNorm!.runningVariance = (0..<20).map { 0.2 + Float($0 % 3) }
    return kernel
  }

  static func separate(_ kernel: LayerKernel, _ x: [Float], rows m: Int, mode: ForwardMode) -> [Float] {
    guard case .conv(let conv) = kernel.operation else { return [] }
    return kernel.batchNorm!.evaluate(conv.forward(x, rows: m, mode: mode), rows: m, spatial: 36)
  }

  @Test(arguments: [ForwardMode.event, .dense], [1, 2])
  func spikesGiveTheSeparatePassesValues(mode: ForwardMode, threads: Int) throws {
    var kernel = try Self.kernel()
    let m = 2 * 3
    let x = TrainerTests.spikes(m * 3 * 36, density: 0.2, seed: 8)
    let fused = kernel.forward(x, rows: m, mode: mode, training: false, threads: threads).output
    #expect(fused == Self.separate(kernel, x, rows: m, mode: mode))
    // Training normalises with the batch's statistics instead: a different result.
    #expect(kernel.forward(x, rows: m, mode: mode, training: true, threads: threads).output != fused)
  }

  /// A directly encoded image: the convolution runs on one step and its normalised output is
  /// repeated, which equals normalising every step.
  @Test func repeatedAnalogInputGivesTheSeparatePassesValues() throws {
    var kernel = try Self.kernel()
    var random = RandomSequence(philox: Philox(seed: 3), stream: 0, index: 0)
    let step = (0..<2 * 3 * 36).map { _ in Float(random.nextNormal()) }
    let x = step + step + step
    let fused = kernel.forward(x, rows: 6, repeats: 3, mode: .dense, training: false, threads: 1).output
    #expect(fused == Self.separate(kernel, x, rows: 6, mode: .dense))
  }

  /// The test kernel's convolution, with weights scaled so that a fair share of the neurons
  /// fire, and its BatchNorm as an affine.
  static func excitedConvolution() throws -> (ConvProjection, (scale: [Float], shift: [Float]))? {
    let kernel = try Self.kernel()
    guard case .conv(var conv) = kernel.operation, let affine = kernel.batchNorm?.affine else {
      Issue.record("the test kernel is not a convolution with BatchNorm")
      return nil
    }
    conv.weight = conv.weight.map { $0 * 4 }
    return (conv, affine)
  }

  /// A convolution fused with the LIF node it feeds, sample by sample, gives the spikes (and
  /// their count) of the convolution with its BatchNorm over all rows, then the node: for
  /// spikes and for a directly encoded analog image (convolved once per sample), on both
  /// paths and threads; with an odd batch, so the two threads' halves differ in size.
  @Test(arguments: [ForwardMode.event, .dense], [1, 2])
  func convolutionFusedWithItsNodeGivesTheSeparatePassesSpikes(mode: ForwardMode, threads: Int) throws {
    guard let (conv, affine) = try Self.excitedConvolution() else { return }
    let node = LIFNode(kind: .lif(tau: 2))
    let (T, B) = (3, 5)
    var random = RandomSequence(philox: Philox(seed: 12), stream: 0, index: 0)
    let image = (0..<B * 3 * 36).map { _ in Float(random.nextNormal()) }
    for repeated in [false, true] {
      let x = repeated ? image : TrainerTests.spikes(T * B * 3 * 36, density: 0.2, seed: 9)
      let rows = repeated ? Array((0..<T).map { _ in image }.joined()) : x
      let current = conv.forward(rows, rows: T * B, mode: mode, threads: threads, affine: affine)
      let separate = node.forward(current, steps: T, threads: threads, keepingCharge: false)
      let fused = conv.forwardSpiking(x, steps: T, batch: B, repeated: repeated, mode: mode, threads: threads, affine: affine,
                                      node: node, factor: node.factor(0))
      #expect(fused.spikes == separate.spikes && fused.count == separate.spikeCount, "repeated: \(repeated)")
      #expect(separate.spikeCount > fused.spikes.count / 20 && separate.spikeCount < fused.spikes.count / 2,
              "\(separate.spikeCount) of \(fused.spikes.count): too few or too many spikes to compare")
    }
  }

  /// Max pooling fused into that pass (Spikformer's SPS stages) gives ``Pooling/forward``'s
  /// values of the separate passes' spikes, with the unpooled spikes kept or, on the
  /// gathering path, left out; for spikes and for a repeated analog image. Windows of 3 with
  /// stride 2 and padding 1 on the 6 × 6 output include clipped ones; 20 channels include a
  /// tail beyond sixteen.
  @Test(arguments: [ForwardMode.event, .dense], [1, 2])
  func poolingFusedWithTheNodeGivesTheSeparatePassesValues(mode: ForwardMode, threads: Int) throws {
    guard let (conv, affine) = try Self.excitedConvolution() else { return }
    let node = LIFNode(kind: .lif(tau: 2))
    let (T, B) = (3, 5)
    let pooling = try Pooling(.max, kernel: 3, stride: 2, padding: 1, channels: 20, height: 6, width: 6)
    var random = RandomSequence(philox: Philox(seed: 13), stream: 0, index: 0)
    let image = (0..<B * 3 * 36).map { _ in Float(random.nextNormal()) }
    for repeated in [false, true] {
      let x = repeated ? image : TrainerTests.spikes(T * B * 3 * 36, density: 0.2, seed: 10)
      let rows = repeated ? Array((0..<T).map { _ in image }.joined()) : x
      let separate = node.forward(conv.forward(rows, rows: T * B, mode: mode, threads: threads, affine: affine), steps: T,
                                  threads: threads, keepingCharge: false)
      let expected = pooling.forward(separate.spikes, rows: T * B, choosing: false).output
      for keeping in [true, false] {
        let fused = conv.forwardSpiking(x, steps: T, batch: B, repeated: repeated, mode: mode, threads: threads, affine: affine,
                                        node: node, factor: node.factor(0), pool: pooling.windows, keepingSpikes: keeping)
        #expect(fused.pooled == expected && fused.count == separate.spikeCount, "repeated: \(repeated), keeping: \(keeping)")
        // Only the gathering (event) path can leave the unpooled spikes out.
        #expect(fused.spikes == (keeping || mode == .dense ? separate.spikes : []), "repeated: \(repeated), keeping: \(keeping)")
      }
      let pooledSpikes = expected.reduce(0, +)
      #expect(pooledSpikes > Float(expected.count / 10) && pooledSpikes < Float(expected.count * 9 / 10),
              "\(pooledSpikes) of \(expected.count) pooled outputs fire: too few or too many to compare")
    }
  }

  /// Freeing every population's output after its last reader keeps the network's output and
  /// every population's count of non-zero values (firing rates, synaptic operations).
  /// (In `auto` mode the forward pass counts most sources to choose paths; in `dense` mode
  /// it counts none, so the counts must be taken before freeing.)
  @Test(arguments: [ForwardMode.auto, .dense])
  func freedOutputsKeepTheResultAndTheCounts(mode: ForwardMode) throws {
    var config = SpikformerTests.tiny
    config.attentionScale = 1  // so that the tiny attention fires
    var trainer = try Trainer(network: Spikformer.network(config), seed: 4)
    trainer.mode = mode
    let (T, B) = (3, 4)
    let image: [Float] = (0..<(B * 64)).map { (i: Int) -> Float in Float((i * 37) % 17) / 4 - 1 }
    let x = Array((0..<T).map { _ in image }.joined())
    var kept = trainer.forward(x, steps: T, batch: B, training: false)
    var freed = trainer.forward(x, steps: T, batch: B, training: false, keepingOutputs: false)
    #expect(freed.outputs[trainer.output] == kept.outputs[trainer.output])
    var spikes = 0
    for p in trainer.network.populations.indices {
      #expect(freed.nonZeroCount(p) == kept.nonZeroCount(p), "\(trainer.network.populations[p].name)")
      if case .lifNode = trainer.network.populations[p].model { spikes += kept.nonZeroCount(p) }
      if p != trainer.output { #expect(freed.outputs[p].isEmpty, "\(trainer.network.populations[p].name) kept") }
    }
    #expect(spikes > 100)
  }
}
