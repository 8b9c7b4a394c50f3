// SPDX-License-Identifier: Apache-2.0
import MyelinCore

/// The Trainer's state for one layer projection: its kernel (weights, or none), and its
/// BatchNorm. Rows are T × batch; each row holds one sample's values at one step.
struct LayerKernel: Sendable {
  enum Operation: Sendable {
    case dense(DenseProjection)
    case conv(ConvProjection)
    case pool(Pooling)
    /// identity and flatten: the source's values, unchanged.
    case copy
    /// SSA: the source is Q, the extra inputs K and V.
    case attention(SpikingAttention)
  }

  var operation: Operation
  var batchNorm: BatchNorm?
  /// Whether the bias is a parameter (else it stays zero).
  let hasBias: Bool
  /// BN layout: channels × spatial = the target's size.
  let spatial: Int
  /// Dropout on the input in training (nil: none).
  let dropout: Dropout?

  init(_ projection: Projection, index: Int, source: Population, target: Population, seed: UInt64) throws(ModelError) {
    let stream = UInt32(truncatingIfNeeded: index)
    switch projection.kind {
    case .sparse:
      throw ModelError(field: "projections[\(index)].kind", problem: "is sparse", allowed: "a layer kind")
    case .dense(let bias):
      var p = DenseProjection(inputs: source.size, outputs: target.size, seed: seed, stream: stream)
      if !bias { p.bias = Array(repeating: 0, count: p.outputs) }
      operation = .dense(p)
      hasBias = bias
    case .conv2d(let g):
      var p = try ConvProjection(
        inChannels: source.shape[0], outChannels: target.shape[0], kernel: g.kernel, stride: g.stride,
        padding: g.padding, groups: g.groups, height: source.shape[1], width: source.shape[2], seed: seed, stream: stream)
      if !g.bias { p.bias = Array(repeating: 0, count: p.outChannels) }
      operation = .conv(p)
      hasBias = g.bias
    case .pool(let g):
      operation = .pool(try Pooling(g.kind == .max ? .max : .average, kernel: g.kernel, stride: g.stride, padding: g.padding,
                                    channels: source.shape[0], height: source.shape[1], width: source.shape[2]))
      hasBias = false
    case .identity, .flatten:
      operation = .copy
      hasBias = false
    case .attention(let g):
      operation = .attention(SpikingAttention(channels: source.shape[0], tokens: source.size / source.shape[0],
                                              heads: g.heads, scale: Float(g.scale)))
      hasBias = false
    }
    let channels = target.shape[0]
    spatial = target.size / channels
    batchNorm = projection.batchNorm ? BatchNorm(channels: channels) : nil
    dropout = projection.dropout > 0 ? Dropout(probability: projection.dropout, seed: seed, projection: index) : nil
  }

  /// What the backward pass needs from a training forward pass.
  struct Record: Sendable {
    var chosen: [Int] = []
    var batchNorm: BatchNorm.Record?
    /// The path a weighted projection took (nil for pool and copy, which have one path).
    var mode: ForwardMode?
    /// A dense projection's non-zero inputs, listed once for both passes.
    var active: DenseProjection.ActiveInputs?
    /// Dropout's mask [batch, source size] and the input it left, which the weight
    /// gradient needs.
    var dropoutMask: [Float]?
    var droppedInput: [Float] = []
    /// Seconds the forward pass spent on dropout (drawing and applying the mask): the same
    /// work on either path, which the Trainer books apart from the projection's.
    var dropoutSeconds = 0.0
  }

  /// The projection's output current for `x` [rows, source size]. When the source repeats
  /// the same values at every step (`repeats` = T, a directly encoded image), the kernel runs
  /// on the first step's rows only and its output is repeated: the same values, T times
  /// less work. BatchNorm still sees all rows. Dropout in training draws the mask of
  /// training step `step` for `batch` samples. `spikes`: x and `extra` come from spiking
  /// populations (only 0 and 1), which pooling and attention then need not check.
  mutating func forward(_ x: [Float], extra: [[Float]] = [], rows m: Int, repeats: Int = 1, mode: ForwardMode,
                        training: Bool, step: Int = 0, batch: Int = 1, threads: Int, nonZero: Int? = nil, spikes: Bool = false)
    -> (output: [Float], record: Record)
  {
    var record = Record()
    var y: [Float]
    var normalized = false  // BatchNorm already applied by the kernel
    let rows = m / repeats
    var xs = repeats > 1 ? Array(x[0..<(rows * (x.count / max(m, 1)))]) : x
    if training, let dropout {
      let clock = Clock()
      defer { record.dropoutSeconds = clock.seconds }
      let mask = dropout.mask(step: step, batch: batch, size: x.count / max(m, 1))
      xs = Dropout.apply(mask, to: xs)
      record.dropoutMask = mask
      record.droppedInput = xs
    }
    // The caller's count of x's non-zero values, for xs when xs is x (with repeats xs is one
    // step of x, and dropout changes the values).
    let counted = repeats == 1 && record.dropoutMask == nil ? nonZero : nil
    let binary = spikes && record.dropoutMask == nil
    switch operation {
    case .dense(let p):
      record.mode = DenseProjection.resolve(mode, input: xs, nonZero: counted)
      if record.mode == .event, training, p.needsActiveInputs { record.active = DenseProjection.ActiveInputs(xs, rows: rows, inputs: p.inputs) }
      y = p.forward(xs, rows: rows, mode: record.mode ?? .dense, threads: threads, active: record.active)
    case .conv(let p):
      record.mode = DenseProjection.resolve(mode, input: xs, nonZero: counted, threshold: p.eventThreshold)
      // Evaluation-mode BN is a per-channel affine: applied to each row as the convolution
      // writes it (the same values, and one pass less over the layer's output).
      let fused = training ? nil : batchNorm?.affine
      y = p.forward(xs, rows: rows, mode: record.mode ?? .dense, threads: threads, affine: fused)
      normalized = fused != nil
    case .pool(let p):
      (y, record.chosen) = p.forward(xs, rows: rows, threads: threads, choosing: training, spikes: binary)
    case .copy:
      y = xs
    case .attention(let a):
      let binary = binary || SpikingAttention.isBinary(xs) && extra.allSatisfy(SpikingAttention.isBinary)
      record.mode = mode == .dense || !binary ? .dense : .event
      y = a.forward(q: xs, k: extra[0], v: extra[1], rows: rows, mode: record.mode ?? .dense, threads: threads, spikes: binary)
    }
    if repeats > 1 {
      let once = y
      y = [Float](unsafeUninitializedCapacity: once.count * repeats) { buffer, count in
        once.withUnsafeBufferPointer { src in
          for k in 0..<repeats { (buffer.baseAddress! + k * once.count).initialize(from: src.baseAddress!, count: once.count) }
        }
        count = once.count * repeats
      }
    }
    if batchNorm != nil && !normalized {
      if training {
        let (out, bn) = batchNorm!.train(y, rows: m, spatial: spatial, threads: threads)
        y = out
        record.batchNorm = bn
      } else {
        y = batchNorm!.evaluate(consume y, rows: m, spatial: spatial)
      }
    }
    return (y, record)
  }

  /// Evaluation of a convolution (with its BatchNorm) and the LIF node that is its target's
  /// only input, fused sample by sample (``ConvProjection/forwardSpiking``): the spikes and
  /// their number, the values of ``forward`` then ``LIFNode/forward``; with `pool`, also
  /// the spikes max-pooled, and the unpooled ones only if `keepingSpikes`. Nil for other kinds.
  func forwardSpiking(_ x: [Float], steps T: Int, batch B: Int, repeats: Int, mode: ForwardMode, threads: Int, nonZero: Int?,
                      node: LIFNode, factor: Float, pool: Pooling? = nil, keepingSpikes: Bool = true)
    -> (spikes: [Float], count: Int, pooled: [Float], record: Record)?
  {
    guard case .conv(let p) = operation else { return nil }
    var record = Record()
    let xs = repeats > 1 ? Array(x[0..<(B * p.inputSize)]) : x
    record.mode = DenseProjection.resolve(mode, input: xs, nonZero: repeats == 1 ? nonZero : nil, threshold: p.eventThreshold)
    let (spikes, count, pooled) = p.forwardSpiking(
      xs, steps: T, batch: B, repeated: repeats > 1, mode: record.mode ?? .dense, threads: threads, affine: batchNorm?.affine,
      node: node, factor: factor, pool: pool?.windows, keepingSpikes: keepingSpikes)
    return (spikes, count, pooled, record)
  }

  /// Gradients: dL/dx (when `needInput`), and the parameter gradients in ``parameters`` order.
  /// With `repeats` > 1 (see ``forward``) the gradient is summed over the repeats first,
  /// and there is no input gradient.
  /// `dropoutSeconds` is the time spent applying dropout's mask to dL/dx (see
  /// ``Record/dropoutSeconds``).
  func backward(_ x: [Float], extra: [[Float]] = [], gradient: [Float], record: Record, rows m: Int, repeats: Int = 1,
                needInput: Bool, threads: Int) -> (input: [Float]?, extra: [[Float]], parameters: [[Float]], dropoutSeconds: Double)
  {
    var g = gradient
    var bnGradients: [[Float]] = []
    if let bn = batchNorm, let r = record.batchNorm {
      let (gx, gGamma, gBeta) = bn.backward(r, gradient: g, rows: m, spatial: spatial, threads: threads)
      g = gx
      bnGradients = [gGamma, gBeta]
    }
    var x = record.dropoutMask == nil ? x : record.droppedInput, m = m
    if repeats > 1 {
      let rows = m / repeats, width = g.count / max(m, 1)
      var sum = Array(g[0..<(rows * width)])
      g.withUnsafeBufferPointer { gb in
        sum.withUnsafeMutableBufferPointer { sb in
          for k in 1..<repeats {
            let part = gb.baseAddress! + k * rows * width
            for i in 0..<sb.count { sb[i] += part[i] }
          }
        }
      }
      g = sum
      x = Array(x[0..<(rows * (x.count / max(m, 1)))])
      m = rows
    }
    let needInput = needInput && repeats == 1
    // The dropped inputs get no gradient; the kept ones the scaled one (dropout is only
    // allowed on dense and conv2d projections).
    func undrop(_ gx: [Float]) -> (input: [Float]?, seconds: Double) {
      guard needInput else { return (nil, 0) }
      guard let mask = record.dropoutMask else { return (gx, 0) }
      let clock = Clock()
      let kept = Dropout.apply(mask, to: gx)
      return (kept, clock.seconds)
    }
    switch operation {
    case .dense(let p):
      let (gx, gw, gb) = p.backward(x, gradient: g, rows: m, mode: record.mode ?? .dense, threads: threads, active: record.active)
      let (input, seconds) = undrop(gx)
      return (input, [], (hasBias ? [gw, gb] : [gw]) + bnGradients, seconds)
    case .conv(let p):
      let (gx, gw, gb) = p.backward(x, gradient: g, rows: m, mode: record.mode ?? .dense, threads: threads, needInput: needInput)
      let (input, seconds) = undrop(gx)
      return (input, [], (hasBias ? [gw, gb] : [gw]) + bnGradients, seconds)
    case .pool(let p):
      return (needInput ? p.backward(g, chosen: record.chosen, rows: m, threads: threads) : nil, [], bnGradients, 0)
    case .copy:
      return (needInput ? g : nil, [], bnGradients, 0)
    case .attention(let a):
      let (gq, gk, gv) = a.backward(q: x, k: extra[0], v: extra[1], gradient: g, rows: m, threads: threads)
      return (needInput ? gq : nil, [gk, gv], bnGradients, 0)
    }
  }

  /// Whether `.auto` picks this kernel's path from its input's density (dense and conv2d;
  /// attention takes the event path whenever its inputs are spikes).
  var choosesPathByDensity: Bool {
    switch operation {
    case .dense, .conv: true
    case .pool, .copy, .attention: false
    }
  }

  /// Trainable tensors, in a fixed order: weight, bias (if any), BN γ and β (if any).
  var parameters: [(suffix: String, values: [Float], decays: Bool)] {
    var out: [(String, [Float], Bool)] = []
    switch operation {
    case .dense(let p):
      out.append(("weight", p.weight, true))
      if hasBias { out.append(("bias", p.bias, false)) }
    case .conv(let p):
      out.append(("weight", p.weight, true))
      if hasBias { out.append(("bias", p.bias, false)) }
    case .pool, .copy, .attention: break
    }
    if let bn = batchNorm {
      out.append(("bn.gamma", bn.gamma, false))
      out.append(("bn.beta", bn.beta, false))
    }
    return out
  }

  /// Sets the trainable tensors from values in ``parameters`` order.
  mutating func setParameters(_ values: ArraySlice<[Float]>) {
    var k = values.startIndex
    func next() -> [Float] { defer { k += 1 }; return values[k] }
    switch operation {
    case .dense(var p):
      p.weight = next()
      if hasBias { p.bias = next() }
      operation = .dense(p)
    case .conv(var p):
      p.weight = next()
      if hasBias { p.bias = next() }
      operation = .conv(p)
    case .pool, .copy, .attention: break
    }
    if batchNorm != nil {
      batchNorm!.gamma = next()
      batchNorm!.beta = next()
    }
  }

  var parameterCount: Int { parameters.reduce(0) { $0 + $1.values.count } }

  /// Multiply-accumulates per row of a dense evaluation (for energy estimates).
  var denseOperationsPerRow: Int {
    switch operation {
    case .dense(let p): p.inputs * p.outputs
    case .conv(let p): p.outputSize * p.inChannels / p.groups * p.kernel * p.kernel
    case .pool, .copy: 0
    case .attention(let a): 2 * a.tokens * a.channels * min(a.tokens, a.headSize)
    }
  }
}
