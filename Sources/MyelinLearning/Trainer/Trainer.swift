// SPDX-License-Identifier: Apache-2.0
import Dispatch
import MyelinCore

/// The Trainer executor (DESIGN.md §1): runs a deep-SNN ``Network`` layer-major over a
/// batch and all T steps at once, keeps what backpropagation through time needs, and runs
/// the backward pass in reverse topological order with surrogate gradients.
///
/// Values are [T, batch, size] row-major: row t·batch + b holds sample b at step t, so a
/// projection sees T × batch rows and a LIF node sees T steps of batch × size neurons.
public struct Trainer: Sendable {
  public let network: Network
  /// Topological order of the populations.
  public let order: [Int]
  public let input: Int
  public let output: Int
  var kernels: [LayerKernel]
  /// Per projection, the index of its source population, and the populations it reads
  /// besides (attention's K and V); per population, its incoming projections. Resolved once
  /// from the names, not on every pass.
  public let sources: [Int]
  let extraSources: [[Int]]
  /// Per projection: whether all it reads comes from spiking populations (only 0 and 1).
  let readsSpikes: [Bool]
  let incoming: [[Int]]
  /// Per position in ``order``: the populations whose last reader is the population at that
  /// position. Evaluation can free their outputs there.
  let lastRead: [[Int]]
  /// Per population: the max pooling that is its only reader, when that pooling is its
  /// target's only input and the target only sums (Spikformer's SPS stages). Evaluation
  /// pools such a conv → LIF population's spikes as it makes them.
  let pooledBy: [(target: Int, pooling: Pooling)?]
  /// PLIF's w per population (0 for other nodes).
  var plif: [Float]
  /// Event or dense path for every projection (`auto` picks by measured input density).
  public var mode: ForwardMode = .auto
  /// Threads for the kernels that split work (results do not depend on it).
  public var threads = 1
  /// Seconds spent per projection (forward, backward) and per population (node dynamics,
  /// both passes), accumulated over every call: where the time goes, layer by layer.
  public var projectionSeconds: [(forward: Double, backward: Double)]
  public var populationSeconds: [Double]
  /// Seconds per projection spent on dropout of its input (both passes), which is not in
  /// ``projectionSeconds``: it is the same work on the event and the dense path.
  public var dropoutSeconds: [Double]

  /// Builds the executor with weights drawn from Philox keyed by `seed` and the projection's index.
  public init(network: Network, seed: UInt64) throws(ModelError) {
    Self.keepFreedMemory()
    try network.validate()
    guard network.isLayerGraph else {
      throw ModelError(field: "populations", problem: "'\(network.name)' is not a deep-SNN layer graph",
                       allowed: "lif_node, readout, sum and input nodes with layer projections")
    }
    let wiring = try network.layerWiring()
    self.network = network
    order = try network.layerOrder()
    (input, output, sources, extraSources, incoming) = (wiring.input, wiring.output, wiring.sources, wiring.extraSources, wiring.incoming)
    var kernels: [LayerKernel] = []
    for (j, projection) in network.projections.enumerated() {
      let t = wiring.targets[j]
      kernels.append(try LayerKernel(projection, index: j, source: network.populations[sources[j]], target: network.populations[t], seed: seed))
    }
    self.kernels = kernels
    readsSpikes = network.projections.indices.map { j in
      ([wiring.sources[j]] + wiring.extraSources[j]).allSatisfy { s in
        if case .lifNode = network.populations[s].model { true } else { false }
      }
    }
    var reader = Array(repeating: -1, count: network.populations.count)
    for (position, p) in order.enumerated() {
      for j in wiring.incoming[p] { for s in [wiring.sources[j]] + wiring.extraSources[j] { reader[s] = position } }
    }
    var lastRead = Array(repeating: [Int](), count: order.count)
    for (p, position) in reader.enumerated() where position >= 0 && p != wiring.output { lastRead[position].append(p) }
    self.lastRead = lastRead
    pooledBy = network.populations.indices.map { p in
      let readers = network.projections.indices.filter { j in wiring.sources[j] == p || wiring.extraSources[j].contains(p) }
      guard readers.count == 1, let j = readers.first, case .pool(let pooling) = kernels[j].operation, pooling.kind == .max,
        kernels[j].batchNorm == nil, kernels[j].dropout == nil, wiring.incoming[wiring.targets[j]] == [j],
        network.populations[wiring.targets[j]].model == .sum
      else { return nil }
      return (wiring.targets[j], pooling)
    }
    projectionSeconds = Array(repeating: (0, 0), count: kernels.count)
    populationSeconds = Array(repeating: 0, count: network.populations.count)
    dropoutSeconds = Array(repeating: 0, count: kernels.count)
    plif = network.populations.map { p in
      if case .lifNode(let node) = p.model { return node.initialParameter }
      return 0
    }
  }

  /// Everything a forward pass produced: every population's output, and what BPTT needs.
  public struct Record: Sendable {
    public var steps: Int
    public var batch: Int
    /// Output of every population, [T, batch, size].
    public var outputs: [[Float]]
    /// Input current of every PLIF node, and every LIF node's state.
    var currents: [[Float]]
    var neurons: [LIFNode.Record?]
    var layers: [LayerKernel.Record]
    /// T when the input was the same at every step, else 1.
    var inputRepeats = 1
    /// Non-zero values of each population's output, once counted: a source read by several
    /// projections (Spikformer's q, k and v) and evaluation's firing rates share one count.
    var nonZeroCounts: [Int?] = []

    /// The number of non-zero values in population p's output (its spikes, for a LIF node).
    public mutating func nonZeroCount(_ p: Int) -> Int {
      if let n = nonZeroCounts[p] { return n }
      let n = DenseProjection.nonZeroCount(outputs[p])
      nonZeroCounts[p] = n
      return n
    }
    /// The event or dense path each projection took (nil for pool and copy kinds).
    public var modes: [ForwardMode?] { layers.map(\.mode) }
  }

  /// Runs the graph over `inputs` ([T, batch, input size]). `training` uses batch statistics
  /// in BatchNorm (and updates the running ones), draws dropout masks keyed by `step` (the
  /// training step), and keeps the records for ``backward(_:outputGradient:)``.
  ///
  /// In evaluation, `keepingOutputs: false` frees each population's output once its last
  /// reader has run, keeping only the output population's and every non-zero count: a
  /// smaller footprint, whose pages stay in cache and need no first touch. A population
  /// whose spikes are pooled as they are made (``pooledBy``) then never has its output laid
  /// out at all.
  public mutating func forward(_ inputs: [Float], steps T: Int, batch B: Int, training: Bool, step: Int = 0,
                               keepingOutputs: Bool = true) -> Record {
    let populations = network.populations
    precondition(inputs.count == T * B * populations[input].size, "Trainer.forward: input has \(inputs.count) values, not T × batch × \(populations[input].size)")
    let m = T * B
    var record = Record(
      steps: T, batch: B, outputs: Array(repeating: [], count: populations.count),
      currents: Array(repeating: [], count: populations.count), neurons: Array(repeating: nil, count: populations.count),
      layers: Array(repeating: LayerKernel.Record(), count: kernels.count))
    record.nonZeroCounts = Array(repeating: nil, count: populations.count)
    // A directly encoded image is the same at every step: projections from it run once.
    let size = populations[input].size
    let repeats = T > 1 && (1..<T).allSatisfy { t in inputs[(t * B * size)..<((t + 1) * B * size)].elementsEqual(inputs[0..<(B * size)]) } ? T : 1
    record.inputRepeats = repeats
    var pooledAhead: [Int: [Float]] = [:]  // outputs of pool targets, computed with their source
    for (position, p) in order.enumerated() {
      defer {
        if !training && !keepingOutputs {
          for q in lastRead[position] {
            _ = record.nonZeroCount(q)
            record.outputs[q] = []
          }
        }
      }
      if p == input {
        record.outputs[p] = inputs
        continue
      }
      if let pooled = pooledAhead.removeValue(forKey: p) {
        record.outputs[p] = pooled
        continue
      }
      // In evaluation a convolution that is a LIF node's only input runs fused with it (and
      // with the max pooling of its spikes, when that is their only reader).
      if !training, incoming[p].count == 1, case .lifNode(let node) = populations[p].model {
        let j = incoming[p][0], s = sources[j], clock = Clock()
        let nonZero = mode == .auto && kernels[j].choosesPathByDensity ? record.nonZeroCount(s) : nil
        let pooling = pooledBy[p]
        if let (spikes, count, pooled, r) = kernels[j].forwardSpiking(
          record.outputs[s], steps: T, batch: B, repeats: s == input ? repeats : 1, mode: mode, threads: threads, nonZero: nonZero,
          node: node, factor: node.factor(plif[p]), pool: pooling?.pooling, keepingSpikes: keepingOutputs || pooling == nil)
        {
          // Booked as the projection's time: the node's and the pooling's shares are not apart.
          projectionSeconds[j].forward += clock.seconds
          record.layers[j] = r
          record.outputs[p] = spikes
          record.nonZeroCounts[p] = count
          if let pooling { pooledAhead[pooling.target] = pooled }
          continue
        }
      }
      var current: [Float] = []
      for j in incoming[p] {
        let s = sources[j]
        let clock = Clock()
        let extra = extraSources[j].map { record.outputs[$0] }
        let nonZero = mode == .auto && kernels[j].choosesPathByDensity ? record.nonZeroCount(s) : nil
        let (y, r) = kernels[j].forward(record.outputs[s], extra: extra, rows: m, repeats: s == input ? repeats : 1,
                                        mode: mode, training: training, step: step, batch: B, threads: threads,
                                        nonZero: nonZero, spikes: readsSpikes[j])
        projectionSeconds[j].forward += clock.seconds - r.dropoutSeconds
        dropoutSeconds[j] += r.dropoutSeconds
        record.layers[j] = r
        if current.isEmpty {
          current = y
        } else {
          for i in current.indices { current[i] += y[i] }
        }
      }
      let clock = Clock()
      defer { populationSeconds[p] += clock.seconds }
      switch populations[p].model {
      case .lifNode(let node):
        let r = node.forward(current, steps: T, parameter: plif[p], threads: threads, keepingCharge: training)
        record.outputs[p] = r.spikes
        record.nonZeroCounts[p] = r.spikeCount
        if training {
          record.neurons[p] = r
          // Only PLIF's gradient of w reads the input current back; other nodes let it go.
          if isPLIF(p) { record.currents[p] = current }
        }
      default:
        record.outputs[p] = current
      }
    }
    if !training {
      // Only outputs are kept in evaluation; the records would only cost memory.
      record.layers = []
    }
    return record
  }

  /// BPTT from dL/d(output population's output) [T, batch, output size]. Returns the
  /// gradients in ``parameters`` order.
  public mutating func backward(_ record: Record, outputGradient: [Float]) -> [[Float]] {
    let populations = network.populations
    let m = record.steps * record.batch
    var gradients = Array(repeating: [Float](), count: populations.count)
    gradients[output] = outputGradient
    var projectionGradients = Array(repeating: [[Float]](), count: kernels.count)
    var plifGradients = [Float](repeating: 0, count: populations.count)
    for p in order.reversed() where p != input {
      guard !gradients[p].isEmpty else { continue }  // nothing downstream depends on it
      var g = gradients[p]
      gradients[p] = []
      if case .lifNode(let node) = populations[p].model, let r = record.neurons[p] {
        let clock = Clock()
        let (gx, gw) = node.backward(r, input: record.currents[p], gradient: g, steps: record.steps, parameter: plif[p], threads: threads)
        g = gx
        plifGradients[p] = gw
        populationSeconds[p] += clock.seconds
      }
      for j in incoming[p] {
        let s = sources[j]
        let needInput = s != input
        let clock = Clock()
        let extra = extraSources[j].map { record.outputs[$0] }
        let (gx, gExtra, gp, dropout) = kernels[j].backward(record.outputs[s], extra: extra, gradient: g, record: record.layers[j],
                                                            rows: m, repeats: s == input ? record.inputRepeats : 1,
                                                            needInput: needInput, threads: threads)
        projectionGradients[j] = gp
        if needInput, let gx { Self.accumulate(gx, into: &gradients[s]) }
        for (e, source) in extraSources[j].enumerated() where source != input { Self.accumulate(gExtra[e], into: &gradients[source]) }
        projectionSeconds[j].backward += clock.seconds - dropout
        dropoutSeconds[j] += dropout
      }
    }
    var out: [[Float]] = []
    for (j, kernel) in kernels.enumerated() {
      let count = kernel.parameters.count
      let g = projectionGradients[j]
      out += g.count == count ? g : kernel.parameters.map { [Float](repeating: 0, count: $0.values.count) }
    }
    for p in populations.indices where isPLIF(p) { out.append([plifGradients[p]]) }
    return out
  }

  /// Adds a gradient into a population's gradient (empty: not yet reached).
  static func accumulate(_ g: [Float], into total: inout [Float]) {
    if total.isEmpty {
      total = g
    } else {
      for i in g.indices { total[i] += g[i] }
    }
  }

  func isPLIF(_ p: Int) -> Bool {
    if case .lifNode(let node) = network.populations[p].model, case .plif = node.kind { return true }
    return false
  }
}

extension Trainer {
  /// Sets the per-layer timings to zero (a copy that runs on another thread starts there).
  mutating func resetTimings() {
    projectionSeconds = Array(repeating: (0, 0), count: projectionSeconds.count)
    populationSeconds = Array(repeating: 0, count: populationSeconds.count)
    dropoutSeconds = Array(repeating: 0, count: dropoutSeconds.count)
  }

  /// Adds the timings of a copy of this Trainer (time spent on its thread).
  mutating func addTimings(of other: Trainer) {
    for j in projectionSeconds.indices {
      projectionSeconds[j].forward += other.projectionSeconds[j].forward
      projectionSeconds[j].backward += other.projectionSeconds[j].backward
      dropoutSeconds[j] += other.dropoutSeconds[j]
    }
    for p in populationSeconds.indices { populationSeconds[p] += other.populationSeconds[p] }
  }

  /// A training step allocates and frees arrays of 100 MB and more. glibc would map and
  /// unmap each one, and every page of it would fault again on the next step (measured: a
  /// third of the step time). Keeping freed memory in the heap lets the next step reuse it.
  public static func keepFreedMemory() {
    #if os(Linux)
      _ = glibcMallopt(-4, 0)  // M_MMAP_MAX: no mmap for large blocks
      _ = glibcMallopt(-1, Int32.max)  // M_TRIM_THRESHOLD: never give the heap back
    #endif
  }
}

#if os(Linux)
  /// glibc's `mallopt` (malloc.h, which the Glibc module does not export).
  @_silgen_name("mallopt")
  private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif

/// Wall-clock time since creation, for the per-layer timings.
struct Clock {
  let start = DispatchTime.now().uptimeNanoseconds
  var seconds: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
}
