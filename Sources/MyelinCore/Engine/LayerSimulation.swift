// SPDX-License-Identifier: Apache-2.0

/// The Simulation executor for deep-SNN layer graphs (DESIGN.md §1): one sample, step-major
/// and event-driven, for inference with trained weights. Every step walks the populations in
/// topological order; for each, its incoming projections *deliver* (only non-zero inputs add
/// weights, through the kernels the Trainer uses: ``ConvolutionTaps``, ``PoolWindows``, the
/// dense rows and the coincidence-counting attention), BatchNorm applies its evaluation
/// affine, and a LIF node *integrates* and *emits* (``LIFNode/advance``); then the step is
/// *recorded*. Layer graphs have zero delays and no plasticity, so the layer-major Trainer
/// and this step-major order compute the same values: a test proves the spikes equal the
/// Trainer's evaluation forward pass in event mode, bit for bit.
public struct LayerSimulation: Sendable {
  public let network: Network
  public let order: [Int]
  public let input: Int
  public let output: Int
  let deliveries: [LayerDelivery]
  let affine: [(scale: [Float], shift: [Float])?]
  let sources: [Int]
  let extraSources: [[Int]]
  let incoming: [[Int]]
  /// k per LIF population (from τ, or PLIF's trained w).
  let factors: [Float]
  /// This step's output of every population, and LIF membrane potentials.
  public private(set) var values: [[Float]]
  var potentials: [[Float]]
  /// Work space: a population's input current, one projection's output, and the kernels'
  /// scratch (also LIF's charge).
  var accumulated: [Float]
  var delivered: [Float]
  var scratch: [Float]
  public private(set) var step = 0

  /// `weights[j]` holds projection j's trained values (nil for kinds without weights);
  /// `plif` maps a PLIF population's name to its trained w.
  public init(network: Network, weights: [LayerWeights?], plif: [String: Float] = [:]) throws(ModelError) {
    try network.validate()
    guard network.isLayerGraph else {
      throw ModelError(field: "populations", problem: "'\(network.name)' is not a deep-SNN layer graph",
                       allowed: "run it with Simulation (myelin run)")
    }
    guard weights.count == network.projections.count else {
      throw ModelError(field: "weights", problem: "has \(weights.count) entries", allowed: "one per projection (\(network.projections.count))")
    }
    let wiring = try network.layerWiring()
    self.network = network
    order = try network.layerOrder()
    (input, output, sources, extraSources, incoming) = (wiring.input, wiring.output, wiring.sources, wiring.extraSources, wiring.incoming)
    var deliveries: [LayerDelivery] = [], affine: [(scale: [Float], shift: [Float])?] = []
    for (j, projection) in network.projections.enumerated() {
      let t = wiring.targets[j]
      deliveries.append(try LayerDelivery(projection, index: j, source: network.populations[sources[j]], target: network.populations[t],
                                          weights: weights[j]))
      if projection.batchNorm, let scale = weights[j]?.scale, let shift = weights[j]?.shift {
        affine.append((scale, shift))
      } else {
        affine.append(nil)
      }
    }
    self.deliveries = deliveries
    self.affine = affine
    factors = network.populations.map { p in
      guard case .lifNode(let node) = p.model else { return 0 }
      return node.factor(plif[p.name] ?? node.initialParameter)
    }
    values = network.populations.map { [Float](repeating: 0, count: $0.size) }
    let largest = network.populations.map(\.size).max() ?? 0
    delivered = [Float](repeating: 0, count: largest)
    accumulated = delivered
    scratch = [Float](repeating: 0, count: max(deliveries.map(\.scratch).max() ?? 0, largest))
    potentials = []
    reset()
  }

  /// Starts a new sample: membrane potentials at V_reset, step 0.
  public mutating func reset() {
    potentials = network.populations.map { p in
      guard case .lifNode(let node) = p.model else { return [] }
      return [Float](repeating: node.reset ?? 0, count: p.size)
    }
    step = 0
  }

  /// Advances one step with the input population's values `x`. `record` sees every LIF
  /// population's spikes (0 or 1 per neuron) of this step.
  public mutating func advance(input x: [Float], record: (_ population: Int, _ spikes: UnsafeBufferPointer<Float>) -> Void = { _, _ in })
    throws(ModelError)
  {
    let populations = network.populations
    guard x.count == populations[input].size else {
      throw ModelError(field: "input", problem: "has \(x.count) values", allowed: "\(populations[input].size) (\(populations[input].name))")
    }
    // The work buffers are allocated once at build; taken out of `self` for the step so
    // that writing them while reading `values` is not an overlapping access.
    var current = Self.take(&accumulated), y = Self.take(&delivered), work = Self.take(&scratch)
    defer { (accumulated, delivered, scratch) = (current, y, work) }
    for p in order {
      if p == input {
        values[p] = x
        continue
      }
      let size = populations[p].size
      current.withUnsafeMutableBufferPointer { cb in
        y.withUnsafeMutableBufferPointer { yb in
          work.withUnsafeMutableBufferPointer { wb in
            let (c, d, w) = (cb.baseAddress!, yb.baseAddress!, wb.baseAddress!)
            for (n, j) in incoming[p].enumerated() {
              let target = n == 0 ? c : d
              values[sources[j]].withUnsafeBufferPointer { xb in
                withPointers(extraSources[j].map { values[$0] }) { extra in
                  deliveries[j].deliver(xb.baseAddress!, extra: extra, scratch: w, into: target, count: size)
                }
              }
              if let (scale, shift) = affine[j] {
                // BatchNorm's evaluation affine, in the Trainer's arithmetic (scale, then shift).
                let spatial = size / scale.count
                for ch in 0..<scale.count {
                  for q in (ch * spatial)..<((ch + 1) * spatial) { target[q] = target[q] * scale[ch] + shift[ch] }
                }
              }
              // Currents add in the order of the incoming projections, as in the Trainer.
              if n > 0 { for i in 0..<size { c[i] += d[i] } }
            }
            guard case .lifNode(let node) = populations[p].model else { return }
            // Integrate and emit: the current moves to `y`, the spikes replace it in `current`.
            d.update(from: c, count: size)
            potentials[p].withUnsafeMutableBufferPointer { vb in
              node.advance(0..<size, input: d, charge: w, spikes: c, potential: vb.baseAddress!, factor: factors[p])
            }
          }
        }
      }
      current.withUnsafeBufferPointer { cb in
        values[p].withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: cb.baseAddress!, count: size) }
      }
      if case .lifNode = populations[p].model { values[p].withUnsafeBufferPointer { record(p, $0) } }
    }
    step += 1
  }

  /// The array, leaving an empty one behind (so the caller holds the only reference).
  static func take(_ a: inout [Float]) -> [Float] {
    defer { a = [] }
    return a
  }

  /// Runs a sample of T steps (`inputs` [T, input size]) from a reset. Returns the output
  /// population's output averaged over time: the class scores.
  public mutating func run(_ inputs: [Float], steps T: Int,
                           record: (_ step: Int, _ population: Int, _ spikes: UnsafeBufferPointer<Float>) -> Void = { _, _, _ in })
    throws(ModelError) -> [Float]
  {
    let size = network.populations[input].size
    guard T > 0, inputs.count == T * size else {
      throw ModelError(field: "input", problem: "has \(inputs.count) values for \(T) steps", allowed: "T × \(size)")
    }
    reset()
    var sum = [Float](repeating: 0, count: network.populations[output].size)
    for t in 0..<T {
      try advance(input: Array(inputs[(t * size)..<((t + 1) * size)])) { p, spikes in record(t, p, spikes) }
      for i in sum.indices { sum[i] += values[output][i] }
    }
    return sum.map { $0 / Float(T) }
  }
}

/// Base pointers of several arrays, alive for the duration of `body`.
private func withPointers<R>(_ arrays: [[Float]], _ body: ([UnsafePointer<Float>]) -> R) -> R {
  func nest(_ k: Int, _ collected: [UnsafePointer<Float>]) -> R {
    guard k < arrays.count else { return body(collected) }
    return arrays[k].withUnsafeBufferPointer { nest(k + 1, collected + [$0.baseAddress!]) }
  }
  return nest(0, [])
}
