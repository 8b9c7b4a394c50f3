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
    case .poissonGenerator, .spikeGenerator: base = 0
    }
    func step(_ t: Double) -> Int64 {
      t.isFinite ? Int64((t / dt - 1e-9).rounded(.up)) : Int64.max
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
///
/// The count is drawn by inversion of one 32-bit uniform against a table of the
/// cumulative distribution scaled to 2^32, so a draw costs one quarter of a Philox block
/// and about λ + 1 integer comparisons.
struct PoissonDrive<S: SimulationScalar>: Sendable {
  let cumulative: [UInt32]
  let weight: S
  /// 0 for the excitatory channel, `size` for the inhibitory one.
  let channelOffset: Int
  let stream: UInt32

  static var maximumMean: Double { 1000 }

  init(
    rate: Double, weight: Double, dt: Double, model: NeuronModel, size: Int, stream: UInt32,
    field: String
  ) throws(ModelError) {
    let mean = rate * dt / 1000
    guard mean <= Self.maximumMean else {
      throw ModelError(field: field + ".rate", problem: "\(rate) Hz gives \(mean) spikes per step",
                       allowed: "rate * dt <= \(Int(Self.maximumMean)) spikes per step")
    }
    var table: [UInt32] = []
    if mean > 0 {
      var k = 0.0
      var cdf = 0.0
      while true {
        cdf += _exp(-mean + k * _log(mean) - lgamma(k + 1))
        let scaled = cdf * 0x1p32
        if scaled >= 0x1p32 - 1 || (k > mean && 1 - cdf < 0x1p-33) { break }
        table.append(UInt32(scaled))
        k += 1
      }
    }
    cumulative = table
    let inhibitory = model.receptorChannels == 2 && weight < 0
    let conductance = if case .iafCondExp = model { true } else { false }
    self.weight = S(inhibitory && conductance ? -weight : weight)
    channelOffset = inhibitory ? size : 0
    self.stream = stream
  }

  /// Adds this step's Poisson input for neurons [lo, hi) into `slot`.
  @inline(__always)
  func add(into slot: UnsafeMutablePointer<S>, lo: Int, hi: Int, step: Int64, philox: Philox) {
    guard !cumulative.isEmpty else { return }
    let target = slot + channelOffset
    cumulative.withUnsafeBufferPointer { table in
      var block = SIMD4<UInt32>()
      for n in lo..<hi {
        if n == lo || n & 3 == 0 {
          block = philox.block(stream: stream, index: UInt32(truncatingIfNeeded: n >> 2), counter: UInt64(step))
        }
        let u = block[n & 3]
        var k = 0
        while k < table.count && u >= table[k] { k += 1 }
        target[n] += S(k) * weight
      }
    }
  }
}
