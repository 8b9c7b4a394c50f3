// SPDX-License-Identifier: Apache-2.0

/// Compressed sparse rows by source for the targets of one partition part.
///
/// `target` holds the index into a ring-buffer slot, `channel · N + n`, so the receptor
/// chosen by the weight's sign costs nothing at delivery. Storage per synapse is 4 B of
/// index, plus one scalar of weight (4 B in Float) unless every synapse of the projection
/// has the same weight (NEST's `static_synapse_hom_w`), plus 2 B when delays vary.
struct SynapseMatrix<S: SimulationScalar> {
  /// 32-bit offsets: half the cache footprint of `Int`, which matters because every thread
  /// looks up the rows of every spike (measured in docs/benchmarks.md).
  var rowStart: [UInt32]
  var target: [UInt32]
  /// Per-synapse weights; empty when the projection's weight is uniform.
  var weight: [S]
  /// Delay in steps per synapse; empty when the projection's delay is uniform.
  var delay: [UInt16]
}

/// Streams of the counter-based RNG, so that no two uses share random numbers. The top
/// four bits name the use; Network.validate bounds the indices so that fields never
/// overlap (projections < 2^24, populations < 2^16, stimuli per population < 2^12).
enum RandomStream {
  static func connectivity(_ projection: Int) -> UInt32 { UInt32(0x1000_0000 + projection * 4) }
  static func weights(_ projection: Int) -> UInt32 { UInt32(0x1000_0001 + projection * 4) }
  static func delays(_ projection: Int) -> UInt32 { UInt32(0x1000_0002 + projection * 4) }
  static func initial(_ population: Int, _ variable: Int) -> UInt32 {
    UInt32(0x2000_0000 + population * 16 + variable)
  }
  static func stimulus(_ population: Int, _ index: Int) -> UInt32 {
    UInt32(0x3000_0000 + population * 4096 + index)
  }
  static func generator(_ population: Int) -> UInt32 { UInt32(0x4000_0000 + population) }
}

/// The built synapses of one projection, split by the partition of its targets.
final class ProjectionState<S: SimulationScalar> {
  let name: String
  let source: Int
  let target: Int
  let parts: [SynapseMatrix<S>]
  /// The delay of every synapse in steps, or nil when it varies per synapse.
  let uniformDelay: Int?
  /// The stored weight of every synapse, or nil when weights vary per synapse.
  let uniformWeight: S?
  let maxDelay: Int
  let count: Int
  /// Per-part weights that the learn phase changes, for plastic projections (empty
  /// otherwise; the matrices then hold no weights). Each part writes only its own.
  let plasticWeights: [UnsafeMutableBufferPointer<S>]

  init(
    _ projection: Projection, index: Int, network: Network, partition: Partition, dt: Double,
    philox: Philox
  ) throws(ModelError) {
    let field = "projections[\(index)]"
    guard let s = network.populationIndex(named: projection.source),
      let t = network.populationIndex(named: projection.target)
    else {
      throw ModelError(field: field, problem: "refers to an unknown population")
    }
    let sourceSize = network.populations[s].size
    let targetModel = network.populations[t].model
    let targetSize = network.populations[t].size
    name = projection.name
    source = s
    target = t

    let delays = try DelayPlan(projection, field: field + ".delay", dt: dt)
    uniformDelay = delays.uniform
    maxDelay = delays.maximum

    let generator = PairGenerator(
      connector: projection.connector, sources: sourceSize, targets: targetSize,
      samePopulation: s == t, philox: philox, stream: RandomStream.connectivity(index))

    // Pass 1: count synapses per (part, source) row.
    let P = partition.parts
    let owner = (0..<targetSize).map { UInt8(partition.part(of: $0, size: targetSize)) }
    var rowStarts = [[Int]](repeating: [Int](repeating: 0, count: sourceSize + 1), count: P)
    generator.forEachPair { s, t in rowStarts[Int(owner[t])][s + 1] += 1 }
    for p in 0..<P {
      for i in 0..<sourceSize { rowStarts[p][i + 1] += rowStarts[p][i] }
      guard rowStarts[p][sourceSize] <= Int(UInt32.max) else {
        throw ModelError(field: field, problem: "has \(rowStarts[p][sourceSize]) synapses onto one thread's neurons",
                         allowed: "fewer than 2^32; split the projection")
      }
    }

    // Pass 2: the same pairs again, placed in their rows with weight and delay.
    let channels = targetModel.receptorChannels
    let conductance = if case .iafCondExp = targetModel { true } else { false }
    var targets = rowStarts.map { [UInt32](repeating: 0, count: $0[sourceSize]) }
    let explicitList: SynapseList? = if case .explicit(let list) = projection.connector { list } else { nil }
    // Plastic projections keep a weight per synapse even when all start equal.
    let constant = explicitList == nil && projection.plasticity == nil ? projection.weight.constantValue : nil
    uniformWeight = constant.map { w in
      S(channels == 2 && w < 0 && conductance ? -w : w)
    }
    var weights = rowStarts.map { [S](repeating: 0, count: constant == nil ? $0[sourceSize] : 0) }
    var delaySteps = rowStarts.map {
      [UInt16](repeating: 0, count: delays.uniform == nil ? $0[sourceSize] : 0)
    }
    var cursor = rowStarts
    var k = 0
    // The first weight the run's precision cannot hold (a Double above Float's range).
    var unrepresentable: (synapse: Int, weight: Double)?
    let explicit = explicitList
    let weightLaw = projection.weight
    // Plastic weights are checked against the bounds as drawn, in double precision (a float
    // rounding of w_max itself may lie just above it).
    let plasticBounds = projection.plasticity?.rule.bounds
    var outOfBounds: (synapse: Int, weight: Double)?
    generator.forEachPair { s, t in
      let w: Double
      if let explicit {
        w = explicit.weights[k]
      } else if let c = weightLaw.constantValue {
        w = c
      } else {
        var random = RandomSequence(philox: philox, stream: RandomStream.weights(index), wideIndex: k)
        w = weightLaw.sample(&random)
      }
      if let b = plasticBounds, outOfBounds == nil, !(w >= b.wMin && w <= b.wMax) { outOfBounds = (k, w) }
      let p = Int(owner[t])
      let slot = cursor[p][s]
      cursor[p][s] += 1
      let inhibitory = channels == 2 && w < 0
      targets[p][slot] = UInt32(truncatingIfNeeded: (inhibitory ? targetSize : 0) + t)
      if constant == nil {
        let stored = S(inhibitory && conductance ? -w : w)
        if !stored.isFinite && unrepresentable == nil { unrepresentable = (k, w) }
        weights[p][slot] = stored
      }
      if delays.uniform == nil {
        delaySteps[p][slot] = delays.steps(synapse: k, explicit: explicit, philox: philox, stream: RandomStream.delays(index))
      }
      k += 1
    }
    if let (synapse, w) = unrepresentable {
      throw ModelError(field: field + ".weight", problem: "synapse \(synapse) has weight \(w)",
                       allowed: "a finite value in the run's precision")
    }
    if let w = uniformWeight, !w.isFinite {
      throw ModelError(field: field + ".weight", problem: "is too large for the run's precision",
                       allowed: "a finite value in the run's precision")
    }
    count = k
    if let bounds = projection.plasticity?.rule.bounds {
      if let (synapse, w) = outOfBounds {
        throw ModelError(field: field + ".weight", problem: "initial weight \(w) of synapse \(synapse) is outside the plasticity bounds",
                         allowed: "within [w_min, w_max] = [\(bounds.wMin), \(bounds.wMax)]")
      }
      plasticWeights = weights.map { list in
        let buffer = UnsafeMutableBufferPointer<S>.allocate(capacity: list.count)
        _ = buffer.initialize(from: list)
        return buffer
      }
      weights = weights.map { _ in [] }
    } else {
      plasticWeights = []
    }
    parts = (0..<P).map {
      SynapseMatrix(rowStart: rowStarts[$0].map { UInt32($0) }, target: targets[$0], weight: weights[$0],
                    delay: delaySteps[$0])
    }
  }

  deinit {
    for buffer in plasticWeights { buffer.deallocate() }
  }

  /// Weight of synapse `k` of part `part`.
  @inline(__always)
  func weight(part: Int, _ k: Int) -> S {
    uniformWeight ?? (plasticWeights.isEmpty ? parts[part].weight[k] : plasticWeights[part][k])
  }

  /// The synapses as plain arrays, with receptor encoding undone (inhibitory weights
  /// negative again, also onto conductance models).
  func list(dt: Double, populations: [PopulationState<S>], weightAt: ((Int, Int, Int) -> Double)? = nil) -> SynapseList {
    let size = populations[target].size
    let conductance = if case .iafCondExp = populations[target].model { true } else { false }
    var out = SynapseList(sources: [], targets: [], weights: [], delays: [])
    for s in 0..<populations[source].size {
      for (p, matrix) in parts.enumerated() {
        for k in Int(matrix.rowStart[s])..<Int(matrix.rowStart[s + 1]) {
          let encoded = Int(matrix.target[k])
          let inhibitory = encoded >= size
          let w = weightAt?(p, s, k) ?? Double(weight(part: p, k))
          out.sources.append(UInt32(s))
          out.targets.append(UInt32(inhibitory ? encoded - size : encoded))
          out.weights.append(inhibitory && conductance ? -w : w)
          out.delays.append(Double(uniformDelay ?? Int(matrix.delay[k])) * dt)
        }
      }
    }
    return out
  }

  /// Bytes of synapse storage: the figure behind the 8 B/synapse target.
  var bytes: Int {
    parts.reduce(0) {
      $0 + $1.rowStart.count * 4 + $1.target.count * 4 + $1.weight.count * MemoryLayout<S>.size
        + $1.delay.count * 2
    } + plasticWeights.reduce(0) { $0 + $1.count * MemoryLayout<S>.size }
  }
}

/// How a projection's delays map to steps, checked against dt before anything is built.
struct DelayPlan {
  let uniform: Int?
  let maximum: Int
  let dt: Double
  let law: ValueDistribution

  static let maximumSteps = Int(UInt16.max)

  init(_ projection: Projection, field: String, dt: Double) throws(ModelError) {
    self.dt = dt
    law = projection.delay
    // A delay is rounded to whole steps (as NEST does) but may not be shorter than one.
    func steps(_ d: Double, _ field: String) throws(ModelError) -> Int {
      let n = (d / dt).rounded()
      guard d.isFinite, d >= dt * (1 - 1e-9), n >= 1 else {
        throw ModelError(field: field, problem: "delay \(d) ms is shorter than one step",
                         allowed: ">= dt = \(dt) ms")
      }
      guard n <= Double(DelayPlan.maximumSteps) else {
        throw ModelError(field: field, problem: "delay \(d) ms is too long",
                         allowed: "<= \(DelayPlan.maximumSteps) steps")
      }
      return Int(n)
    }
    if case .explicit(let list) = projection.connector {
      var lo = Int.max, hi = 0
      for (k, d) in list.delays.enumerated() {
        let n = try steps(d, "\(field)[\(k)]")
        lo = min(lo, n)
        hi = max(hi, n)
      }
      uniform = lo == hi ? hi : nil
      maximum = max(hi, 1)
    } else if let c = projection.delay.constantValue {
      uniform = try steps(c, field)
      maximum = uniform ?? 1
    } else {
      let (lo, hi) = projection.delay.bounds
      guard lo.isFinite, hi.isFinite else {
        throw ModelError(field: field, problem: "a drawn delay needs finite bounds",
                         allowed: "give min and max")
      }
      _ = try steps(lo, field + ".min")
      maximum = try steps(hi, field + ".max")
      uniform = nil
    }
  }

  func steps(synapse k: Int, explicit: SynapseList?, philox: Philox, stream: UInt32) -> UInt16 {
    let d: Double
    if let explicit {
      d = explicit.delays[k]
    } else {
      var random = RandomSequence(philox: philox, stream: stream, wideIndex: k)
      d = law.sample(&random)
    }
    // Draws were bounded by the checked [min, max]; clamp guards rounding at the edges.
    return UInt16(min(max((d / dt).rounded(), 1), Double(maximum)))
  }
}
