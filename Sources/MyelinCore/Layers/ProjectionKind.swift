// SPDX-License-Identifier: Apache-2.0

/// What a projection's connectivity is (DESIGN.md §1). `sparse` is the simulation kernel's
/// synapse matrix, built by the projection's ``Connector``; the other kinds are the
/// layers of deep SNNs, which the Trainer runs over [T × batch] rows. For those the
/// connector, weight and delay fields are unused: weights are parameters of the trained
/// model, and delays are zero (the Trainer's layer-major order needs a feed-forward graph).
public enum ProjectionKind: Sendable, Equatable {
  case sparse
  /// A linear layer over the source's values, read flat: target size outputs.
  case dense(bias: Bool)
  /// 2-d convolution from a [C, H, W] source to a [C_out, H_out, W_out] target.
  case conv2d(Conv2dGeometry)
  /// Max pooling (an OR on spikes) or average pooling, channel by channel.
  case pool(PoolGeometry)
  /// One-to-one with weight 1, between equal shapes: a residual stream. Several identity
  /// projections into one `sum` node add their sources (spikes become small integers),
  /// and every consumer of the sum reads it with one weight set, since W(x + y) = Wx + Wy.
  case identity
  /// One-to-one with weight 1 between equal sizes of any shapes (a reshape).
  case flatten
  /// Spiking self-attention: the source is Q; K and V are the populations the geometry
  /// names. Per head, the current (Q·Kᵀ)·V·scale, without softmax, over [D, tokens] maps.
  case attention(AttentionGeometry)

  public var name: String {
    switch self {
    case .sparse: "sparse"
    case .dense: "dense"
    case .conv2d: "conv2d"
    case .pool(let p): p.kind == .max ? "max_pool" : "avg_pool"
    case .identity: "identity"
    case .flatten: "flatten"
    case .attention: "attention"
    }
  }

  /// Whether the kind has trainable weights (and so may carry a BatchNorm).
  public var hasWeights: Bool {
    switch self {
    case .dense, .conv2d: true
    case .sparse, .pool, .identity, .flatten, .attention: false
    }
  }

  /// Populations besides the source that the projection reads (attention's K and V).
  public var extraSources: [String] {
    if case .attention(let g) = self { return [g.key, g.value] }
    return []
  }
}

/// Spikformer's SSA on [D, tokens…] populations: D channels in `heads` groups of D/heads.
public struct AttentionGeometry: Sendable, Equatable {
  public var heads: Int
  public var scale: Double
  /// The populations holding K and V (the projection's source holds Q).
  public var key: String
  public var value: String

  public init(heads: Int, scale: Double = 0.125, key: String, value: String) {
    self.heads = heads
    self.scale = scale
    self.key = key
    self.value = value
  }
}

public struct Conv2dGeometry: Sendable, Equatable {
  public var kernel: Int
  public var stride: Int
  public var padding: Int
  /// Channel groups; groups = input channels is a depthwise convolution.
  public var groups: Int
  public var bias: Bool

  public init(kernel: Int, stride: Int = 1, padding: Int = 0, groups: Int = 1, bias: Bool = true) {
    self.kernel = kernel
    self.stride = stride
    self.padding = padding
    self.groups = groups
    self.bias = bias
  }

  /// Output height or width for an input extent.
  public func output(_ extent: Int) -> Int { (extent + 2 * padding - kernel) / stride + 1 }
}

/// Pooling windows with PyTorch's implicit padding (at most half the kernel): max pooling
/// never picks a padded position; average pooling counts them as zeros.
public struct PoolGeometry: Sendable, Equatable {
  public enum Kind: String, Sendable, Equatable { case max, average }
  public var kind: Kind
  public var kernel: Int
  public var stride: Int
  public var padding: Int

  public init(_ kind: Kind, kernel: Int, stride: Int? = nil, padding: Int = 0) {
    self.kind = kind
    self.kernel = kernel
    self.stride = stride ?? kernel
    self.padding = padding
  }

  public func output(_ extent: Int) -> Int { (extent + 2 * padding - kernel) / stride + 1 }
}
