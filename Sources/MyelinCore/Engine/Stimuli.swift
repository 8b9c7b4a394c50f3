// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
  import Glibc
#endif

/// The external current of a population as a function of the step: I_e plus every DC and
/// step-current stimulus. A stimulus is active during step j (from t_j = j·dt) when its
/// interval contains t_j.
struct CurrentSchedule: Sendable {
  private let base: Double
  private let windows: [(start: Int64, stop: Int64, amplitude: Double)]
  private let steps: [(changes: [Int64], amplitudes: [Double])]

  init(_ population: Population, field: String, dt: Double) throws(ModelError) {
    switch population.model {
    case .iafPscExp(let p): base = p.I_e
    case .iafPscDelta(let p): base = p.I_e
    case .iafCondExp(let p): base = p.I_e
    case .poissonGenerator, .spikeGenerator, .lifNode, .readout, .sum, .input: base = 0
    }
    // Times beyond the longest possible run never arrive; saturate instead of trapping.
    func step(_ t: Double) -> Int64 {
      let position = (t / dt - 1e-9).rounded(.up)
      return position < maximumStep ? Int64(position) : Int64.max
    }
    var windows: [(Int64, Int64, Double)] = []
    var steps: [([Int64], [Double])] = []
    for stimulus in population.stimuli {
      switch stimulus {
      case .dc(let amplitude, let start, let stop): windows.append((step(start), step(stop), amplitude))
      case .stepCurrent(let times, let amplitudes): steps.append((times.map(step), amplitudes))
      case .poisson: break
      }
    }
    self.windows = windows
    self.steps = steps
  }

  /// An upper bound of |current| over all steps.
  var largestMagnitude: Double {
    abs(base) + windows.reduce(0) { $0 + abs($1.amplitude) }
      + steps.reduce(0) { $0 + ($1.amplitudes.map { abs($0) }.max() ?? 0) }
  }

  /// Current (pA) applied during step `j`.
  func value(at j: Int64) -> Double {
    var total = base
    for w in windows where w.start <= j && j < w.stop { total += w.amplitude }
    for s in steps {
      // Binary search for the last change at or before j.
      var lo = 0, hi = s.changes.count
      while lo < hi {
        let mid = (lo + hi) / 2
        if s.changes[mid] <= j { lo = mid + 1 } else { hi = mid }
      }
      if lo > 0 { total += s.amplitudes[lo - 1] }
    }
    return total
  }
}

/// Independent Poisson input to every neuron of a population: each step draws a count
/// k ~ Poisson(rate·dt) per neuron and adds k·w to the input due at the end of the step.
struct PoissonDrive<S: SimulationScalar>: Sendable {
  let sampler: PoissonSampler
  let weight: S
  /// 0 for the excitatory channel, `size` for the inhibitory one.
  let channelOffset: Int
  let stream: UInt32

  init(
    rate: Double, weight: Double, dt: Double, model: NeuronModel, size: Int, stream: UInt32,
    field: String
  ) throws(ModelError) {
    let mean = rate * dt / 1000
    guard mean <= PoissonSampler.maximumMean else {
      throw ModelError(field: field + ".rate", problem: "\(rate) Hz gives \(mean) spikes per step",
                       allowed: "rate * dt <= \(Int(PoissonSampler.maximumMean)) spikes per step")
    }
    sampler = PoissonSampler(mean: mean)
    let inhibitory = model.receptorChannels == 2 && weight < 0
    let conductance = if case .iafCondExp = model { true } else { false }
    self.weight = S(inhibitory && conductance ? -weight : weight)
    channelOffset = inhibitory ? size : 0
    self.stream = stream
  }

  /// Adds this step's Poisson input for neurons [lo, hi) into `slot`, using `counts`
  /// (room for the population) as scratch.
  @inline(__always)
  func add(
    into slot: UnsafeMutablePointer<S>, lo: Int, hi: Int, step: Int64, philox: Philox,
    counts: UnsafeMutablePointer<Int32>
  ) {
    guard sampler.isActive else { return }
    sampler.draw(lo: lo, hi: hi, step: step, philox: philox, stream: stream, into: counts)
    let target = slot + channelOffset
    for n in lo..<hi { target[n] += S(counts[n]) * weight }
  }
}

/// Poisson counts by inversion of one 32-bit uniform per neuron against the cumulative
/// distribution scaled to 2^32: k is the number of table entries ≤ u.
///
/// Neuron n uses word n mod 4 of the Philox block (stream, n / 4, step), whatever range a
/// thread owns. Sixteen aligned neurons are drawn together in vector lanes: four Philox
/// blocks at once, then one compare-and-add per table entry, with no data-dependent branch.
struct PoissonSampler: Sendable {
  /// Cumulative probabilities · 2^32 (k = number of entries ≤ u).
  let table: [UInt32]
  /// Entries equal to 0, always ≤ u; the table holds the others.
  let zeros: UInt32
  var isActive: Bool { !table.isEmpty || zeros > 0 }

  static var maximumMean: Double { 1000 }

  init(mean: Double) {
    var entries: [UInt32] = []
    var zeros: UInt32 = 0
    if mean > 0 {
      var k = 0.0
      var cdf = 0.0
      while true {
        cdf += _exp(-mean + k * _log(mean) - lgamma(k + 1))
        let scaled = cdf * 0x1p32
        // Stop where the remaining tail is below one part in 2^32.
        if scaled >= 0x1p32 - 1 || (k > mean && 1 - cdf < 0x1p-33) { break }
        if scaled < 1 { zeros += 1 } else { entries.append(UInt32(scaled)) }
        k += 1
      }
    }
    table = entries
    self.zeros = zeros
  }

  /// The count for one uniform word (the scalar path, also the test oracle).
  @inline(__always)
  func count(_ u: UInt32) -> UInt32 {
    var k = zeros
    for entry in table { k &+= entry <= u ? 1 : 0 }
    return k
  }

  /// Writes the counts of neurons [lo, hi) for `step` to `out[lo..<hi]`. Kept out of line:
  /// vector code was measured to degrade when inlined into the step.
  @inline(never)
  func draw(
    lo: Int, hi: Int, step: Int64, philox: Philox, stream: UInt32,
    into out: UnsafeMutablePointer<Int32>
  ) {
    var n = lo
    // Scalar head up to a multiple of 16, vector body, scalar tail.
    func scalar(until end: Int) {
      while n < end {
        let word = philox.block(
          stream: stream, index: UInt32(truncatingIfNeeded: n >> 2), counter: UInt64(step))[n & 3]
        out[n] = Int32(bitPattern: count(word))
        n += 1
      }
    }
    scalar(until: min(hi, (lo + 15) & ~15))
    table.withUnsafeBufferPointer { table in
      while n + 16 <= hi {
        let (w0, w1, w2, w3) = philox.blocks4(
          stream: stream, index: UInt32(truncatingIfNeeded: n >> 2), counter: UInt64(step))
        // Lane order: neuron n + 4j + i takes word i of block j.
        let u = SIMD16<UInt32>(
          w0[0], w1[0], w2[0], w3[0], w0[1], w1[1], w2[1], w3[1],
          w0[2], w1[2], w2[2], w3[2], w0[3], w1[3], w2[3], w3[3])
        // entry ≤ u exactly when u − entry does not borrow: 1 − (the sign of the
        // 64-bit difference). Plain arithmetic lowers to vector code; SIMD masks did not.
        let uLow = SIMD8<UInt64>(truncatingIfNeeded: u.lowHalf)
        let uHigh = SIMD8<UInt64>(truncatingIfNeeded: u.highHalf)
        var kLow = SIMD8<UInt64>(repeating: UInt64(zeros) &+ UInt64(table.count))
        var kHigh = kLow
        for entry in table {
          let e = SIMD8<UInt64>(repeating: UInt64(entry))
          kLow &-= (uLow &- e) &>> 63
          kHigh &-= (uHigh &- e) &>> 63
        }
        let k = SIMD16<UInt32>(
          lowHalf: SIMD8<UInt32>(truncatingIfNeeded: kLow),
          highHalf: SIMD8<UInt32>(truncatingIfNeeded: kHigh))
        for i in 0..<16 { out[n + i] = Int32(bitPattern: k[i]) }
        n += 16
      }
    }
    scalar(until: hi)
  }
}
