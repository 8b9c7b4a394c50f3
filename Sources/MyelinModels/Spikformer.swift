// SPDX-License-Identifier: Apache-2.0
import MyelinCore

/// Spikformer (Zhou et al., ICLR 2023) as a graph of populations and projections, as its
/// official code builds it (docs/training.md, `../shared/reference/spikformer.md`):
///
/// - SPS: four Conv3×3 → BN → LIF stages with D/8, D/4, D/2, D channels, max-pooling the
///   spikes (kernel 3, stride 2, padding 1) after the stages the configuration names; then
///   the relative position embedding x + LIF(BN(Conv3×3(x))).
/// - Blocks: x + SSA(x), then x + MLP(x). SSA: Q, K, V = LIF(BN(Linear(x))), the attention
///   projection (Q·Kᵀ)·V·0.125 into a LIF with threshold 0.5, then LIF(BN(Linear(·))). MLP:
///   D → 4D → D, each Linear → BN → LIF. A Linear over tokens is a 1×1 convolution on the
///   [D, H, W] token map, and BN1d over D is BN2d over that map.
/// - Residuals add spikes: a `sum` node fed by identity projections (docs/training.md).
/// - Read-out: the average over tokens (an average pool over the whole map), a linear head
///   into a `readout` node, averaged over time by the loss.
public enum Spikformer {
  public struct Configuration: Sendable, Equatable {
    public var name: String
    public var depth: Int
    public var dim: Int
    public var heads: Int
    public var timeSteps = 4
    public var imageSize: Int
    public var inputChannels: Int
    public var classes: Int
    /// SPS stages (0…3) followed by max pooling.
    public var poolAfter: Set<Int>
    /// Bias of the Q, K, V linear layers (the CIFAR code's nn.Linear has one; ImageNet's Conv1d does not).
    public var qkvBias = true
    /// The attention's scale: 0.125 for CIFAR and ImageNet (the CIFAR10-DVS code uses 0.25).
    public var attentionScale = 0.125
    public var neuron = LIFNode(kind: .lif(tau: 2), surrogate: .sigmoid(alpha: 4))

    public init(name: String, depth: Int, dim: Int, heads: Int, imageSize: Int, inputChannels: Int, classes: Int,
                poolAfter: Set<Int>, qkvBias: Bool = true) {
      self.name = name
      self.depth = depth
      self.dim = dim
      self.heads = heads
      self.imageSize = imageSize
      self.inputChannels = inputChannels
      self.classes = classes
      self.poolAfter = poolAfter
      self.qkvBias = qkvBias
    }

    /// CIFAR-10: 4 blocks, D = 384, 12 heads, 32×32, pooling after stages 3 and 4 (9.32 M parameters published).
    public static let cifar10 = Configuration(name: "spikformer-4-384", depth: 4, dim: 384, heads: 12, imageSize: 32,
                                              inputChannels: 3, classes: 10, poolAfter: [2, 3])
    /// ImageNet: 8 blocks, D = 512, 8 heads, 224×224, pooling after every stage (29.68 M published).
    public static let imagenet = Configuration(name: "spikformer-8-512", depth: 8, dim: 512, heads: 8, imageSize: 224,
                                               inputChannels: 3, classes: 1000, poolAfter: [0, 1, 2, 3], qkvBias: false)
    /// Fashion-MNIST: 2 blocks, D = 128, 8 heads, 28×28×1, pooling after stages 3 and 4 (7×7 tokens).
    public static let fashionMNIST = Configuration(name: "spikformer-2-128", depth: 2, dim: 128, heads: 8, imageSize: 28,
                                                   inputChannels: 1, classes: 10, poolAfter: [2, 3])
    public static let named = [fashionMNIST, cifar10, imagenet]
  }

  public static func network(_ c: Configuration) -> Network {
    var n = Network(name: c.name, summary: "Spikformer-\(c.depth)-\(c.dim): \(c.heads) heads, \(c.imageSize)×\(c.imageSize)×\(c.inputChannels), \(c.classes) classes, T = \(c.timeSteps)")
    let lif = NeuronModel.lifNode(c.neuron)
    var attentionNeuron = c.neuron
    attentionNeuron.threshold = 0.5
    func conv(_ k: Int, bias: Bool) -> ProjectionKind { .conv2d(Conv2dGeometry(kernel: k, padding: k / 2, bias: bias)) }
    func add(_ name: String, _ shape: [Int], _ model: NeuronModel) { n.add(Population(name: name, shape: shape, model: model)) }
    func link(_ source: String, _ target: String, _ kind: ProjectionKind, bn: Bool = false) {
      n.projections.append(Projection(name: "\(source)->\(target)", source: source, target: target, kind: kind, batchNorm: bn))
    }

    add("image", [c.inputChannels, c.imageSize, c.imageSize], .input)
    // SPS: four conv stages, spikes max-pooled after the configured ones.
    var previous = "image", side = c.imageSize
    for (stage, channels) in [c.dim / 8, c.dim / 4, c.dim / 2, c.dim].enumerated() {
      let name = "sps\(stage + 1)"
      add(name, [channels, side, side], lif)
      link(previous, name, conv(3, bias: false), bn: true)
      previous = name
      if c.poolAfter.contains(stage) {
        let pooled = PoolGeometry(.max, kernel: 3, stride: 2, padding: 1)
        side = pooled.output(side)
        add(name + ".pool", [channels, side, side], .sum)
        link(name, name + ".pool", .pool(pooled))
        previous = name + ".pool"
      }
    }
    let tokens = [c.dim, side, side]
    add("rpe", tokens, lif)
    link(previous, "rpe", conv(3, bias: false), bn: true)
    add("embedding", tokens, .sum)
    link(previous, "embedding", .identity)
    link("rpe", "embedding", .identity)

    var x = "embedding"
    for b in stride(from: 1, through: c.depth, by: 1) {
      let p = "block\(b)."
      for part in ["q", "k", "v"] {
        add(p + part, tokens, lif)
        link(x, p + part, conv(1, bias: c.qkvBias), bn: true)
      }
      add(p + "attention", tokens, .lifNode(attentionNeuron))
      link(p + "q", p + "attention", .attention(AttentionGeometry(heads: c.heads, scale: c.attentionScale, key: p + "k", value: p + "v")))
      add(p + "proj", tokens, lif)
      link(p + "attention", p + "proj", conv(1, bias: true), bn: true)
      add(p + "ssa", tokens, .sum)
      link(x, p + "ssa", .identity)
      link(p + "proj", p + "ssa", .identity)
      add(p + "mlp1", [4 * c.dim, side, side], lif)
      link(p + "ssa", p + "mlp1", conv(1, bias: true), bn: true)
      add(p + "mlp2", tokens, lif)
      link(p + "mlp1", p + "mlp2", conv(1, bias: true), bn: true)
      add(p + "out", tokens, .sum)
      link(p + "ssa", p + "out", .identity)
      link(p + "mlp2", p + "out", .identity)
      x = p + "out"
    }
    add("features", [c.dim, 1, 1], .sum)
    link(x, "features", .pool(PoolGeometry(.average, kernel: side)))
    add("head", [c.classes], .readout)
    link("features", "head", .dense(bias: true))
    return n
  }
}
