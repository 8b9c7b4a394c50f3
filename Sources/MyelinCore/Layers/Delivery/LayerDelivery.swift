// SPDX-License-Identifier: Apache-2.0

/// The trained values of one layer projection, as step-major inference needs them: weights
/// and bias, and BatchNorm in evaluation mode as a per-channel affine y = x·scale + shift.
public struct LayerWeights: Sendable, Equatable {
  /// dense: [inputs, outputs], by source; conv2d: [C_out, C_in/groups, k, k].
  public var weight: [Float]
  /// Per output (dense) or output channel (conv2d); zeros when the layer has none.
  public var bias: [Float]
  /// BatchNorm's evaluation affine per channel of the target, or nil without BatchNorm.
  public var scale: [Float]?
  public var shift: [Float]?

  public init(weight: [Float] = [], bias: [Float] = [], scale: [Float]? = nil, shift: [Float]? = nil) {
    self.weight = weight
    self.bias = bias
    self.scale = scale
    self.shift = shift
  }
}

/// One layer projection's work for one sample at one step: only non-zero inputs (spikes,
/// or the multiplicities of a residual sum) add their weights.
enum LayerDelivery: Sendable {
  case dense(inputs: Int, outputs: Int, weight: [Float], bias: [Float])
  /// Weights in ``ConvolutionTaps/transposed(_:)`` layout.
  case conv(ConvolutionTaps, weight: [Float], bias: [Float])
  case pool(PoolWindows, channels: Int)
  case copy
  case attention(heads: Int, channels: Int, tokens: Int, scale: Float)

  init(_ projection: Projection, index: Int, source: Population, target: Population, weights: LayerWeights?) throws(ModelError) {
    let field = "projections[\(index)] (\(projection.source) → \(projection.target))"
    func expect(_ name: String, _ values: [Float]?, _ count: Int) throws(ModelError) {
      guard values?.count == count else {
        throw ModelError(field: field + "." + name, problem: "has \(values?.count ?? 0) values", allowed: "\(count)")
      }
    }
    switch projection.kind {
    case .sparse:
      throw ModelError(field: field + ".kind", problem: "is sparse", allowed: "a layer kind")
    case .dense:
      try expect("weight", weights?.weight, source.size * target.size)
      try expect("bias", weights?.bias, target.size)
      self = .dense(inputs: source.size, outputs: target.size, weight: weights?.weight ?? [], bias: weights?.bias ?? [])
    case .conv2d(let g):
      let taps = ConvolutionTaps(inChannels: source.shape[0], outChannels: target.shape[0], kernel: g.kernel, stride: g.stride,
                                 padding: g.padding, groups: g.groups, height: source.shape[1], width: source.shape[2])
      try expect("weight", weights?.weight, taps.outChannels * taps.groupIn * g.kernel * g.kernel)
      try expect("bias", weights?.bias, taps.outChannels)
      self = .conv(taps, weight: taps.transposed(weights?.weight ?? []), bias: weights?.bias ?? [])
    case .pool(let g):
      self = .pool(PoolWindows(g, height: source.shape[1], width: source.shape[2]), channels: source.shape[0])
    case .identity, .flatten:
      self = .copy
    case .attention(let g):
      self = .attention(heads: g.heads, channels: source.shape[0], tokens: source.size / source.shape[0], scale: Float(g.scale))
    }
    if projection.batchNorm {
      try expect("bn.scale", weights?.scale, target.shape[0])
      try expect("bn.shift", weights?.shift, target.shape[0])
    }
  }

  /// Words of scratch space ``deliver`` needs.
  var scratch: Int {
    switch self {
    case .conv(let taps, _, _): taps.scratchCount
    case .attention(let heads, let channels, _, _): (channels / heads) * (channels / heads) + channels / heads
    case .dense, .pool, .copy: 0
    }
  }

  /// Writes the output for one sample's source values `x` (and attention's K and V).
  func deliver(_ x: UnsafePointer<Float>, extra: [UnsafePointer<Float>], scratch: UnsafeMutablePointer<Float>,
               into y: UnsafeMutablePointer<Float>, count: Int) {
    switch self {
    case .dense(let inputs, let outputs, let weight, let bias):
      weight.withUnsafeBufferPointer { w in
        bias.withUnsafeBufferPointer { b in
          y.update(from: b.baseAddress!, count: outputs)
          for i in 0..<inputs where x[i] != 0 {
            let v = x[i], row = w.baseAddress! + i * outputs
            if v == 1 {
              for o in 0..<outputs { y[o] += row[o] }
            } else {
              for o in 0..<outputs { y[o] += v * row[o] }
            }
          }
        }
      }
    case .conv(let taps, let weight, let bias):
      weight.withUnsafeBufferPointer { w in
        bias.withUnsafeBufferPointer { b in taps.deliver(x, weights: w.baseAddress!, bias: b.baseAddress!, scratch: scratch, into: y) }
      }
    case .pool(let windows, let channels):
      let plane = windows.height * windows.width, out = windows.outHeight * windows.outWidth
      for c in 0..<channels { windows.pool(x + c * plane, into: y + c * out) }
    case .copy:
      y.update(from: x, count: count)
    case .attention(let heads, let channels, let tokens, let scale):
      Self.attend(q: x, k: extra[0], v: extra[1], heads: heads, channels: channels, tokens: tokens, scale: scale,
                  scratch: scratch, into: y)
    }
  }

  /// SSA on binary Q, K, V [D, N] by counting coincidences: per head, M[c′, c] counts the
  /// tokens where K[c′] and V[c] both fire, and Y[c, t] = scale · Σ M[c′, c] over the
  /// channels c′ where Q fires at t. Every count is a small whole number, exact in Float, so
  /// the result equals (Q·Kᵀ)·V·scale however it is summed.
  static func attend(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, heads: Int, channels: Int,
                     tokens n: Int, scale: Float, scratch: UnsafeMutablePointer<Float>, into y: UnsafeMutablePointer<Float>) {
    let d = channels / heads
    let m = scratch, sum = scratch + d * d
    for h in 0..<heads {
      let o = h * d * n
      let (Q, K, V, Y) = (q + o, k + o, v + o, y + o)
      m.update(repeating: 0, count: d * d)
      for c1 in 0..<d {
        for t in 0..<n where K[c1 * n + t] != 0 {
          let row = m + c1 * d
          for c in 0..<d where V[c * n + t] != 0 { row[c] += 1 }
        }
      }
      for t in 0..<n {
        sum.update(repeating: 0, count: d)
        for c1 in 0..<d where Q[c1 * n + t] != 0 {
          let row = m + c1 * d
          for c in 0..<d { sum[c] += row[c] }
        }
        for c in 0..<d { Y[c * n + t] = sum[c] * scale }
      }
    }
  }
}
