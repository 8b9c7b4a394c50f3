// SPDX-License-Identifier: Apache-2.0

/// Summary statistics of the spike trains of one population, as NEST and Brian2 users
/// compute them to characterise a regime (Brunel 2000; Kumar et al. 2008).
public struct SpikeStatistics: Sendable, Equatable {
  /// Mean rate over all neurons, in Hz.
  public var rate: Double
  /// Mean over neurons with at least 3 spikes of the coefficient of variation of their
  /// inter-spike intervals; nil when no neuron has 3 spikes.
  public var cvISI: Double?
  /// Coefficient of variation of the population spike count in bins (a synchrony measure:
  /// about 0 for asynchronous activity of many neurons, large for oscillations).
  public var countCV: Double?
  /// Fano factor (variance / mean) of single-neuron spike counts in bins, averaged over
  /// neurons that spiked.
  public var fano: Double?

  /// Statistics of spikes given as steps (time = step · dt) and node ids below `neurons`,
  /// over [0, duration) ms. The rate divides by `recorded` neurons when only some of the
  /// population's neurons were recorded (default: all of them).
  public init(
    steps: [Int64], nodes: [UInt32], neurons: Int, recorded: Int? = nil, dt: Double,
    duration: Double, binWidth: Double = 1, fanoBinWidth: Double = 100
  ) {
    let counted = max(recorded ?? neurons, 1)
    rate = duration > 0 ? Double(steps.count) / Double(counted) / (duration / 1000) : 0
    // Group the spikes by neuron with a counting sort: one flat array of steps, neuron n's
    // at offsets[n]..<offsets[n + 1], in time order if the input is (recording order is).
    var offsets = [Int](repeating: 0, count: neurons + 1)
    for node in nodes where Int(node) < neurons { offsets[Int(node) + 1] += 1 }
    for n in 0..<neurons { offsets[n + 1] += offsets[n] }
    var byNeuron = [Int64](repeating: 0, count: offsets[neurons])
    var cursor = offsets
    for (step, node) in zip(steps, nodes) where Int(node) < neurons {
      byNeuron[cursor[Int(node)]] = step
      cursor[Int(node)] += 1
    }

    var cvSum = 0.0, cvCount = 0
    let fanoBins = Int((duration / fanoBinWidth).rounded(.down))
    var binCounts = [Double](repeating: 0, count: max(fanoBins, 0))
    var fanoSum = 0.0, fanoCount = 0
    for n in 0..<neurons {
      let train = byNeuron[offsets[n]..<offsets[n + 1]]
      if train.count >= 3 {
        let sorted = train.sorted()  // already sorted when recorded in time order: O(k)
        var sum = 0.0, sumSquares = 0.0
        for (a, b) in zip(sorted, sorted.dropFirst()) {
          let isi = Double(b - a) * dt
          sum += isi
          sumSquares += isi * isi
        }
        let k = Double(sorted.count - 1)
        let mean = sum / k
        let variance = max(sumSquares / k - mean * mean, 0)
        if mean > 0 {
          cvSum += variance.squareRoot() / mean
          cvCount += 1
        }
      }
      if fanoBins >= 2 && !train.isEmpty {
        for b in 0..<fanoBins { binCounts[b] = 0 }
        for step in train {
          let b = Int(Double(step) * dt / fanoBinWidth)
          if b < fanoBins { binCounts[b] += 1 }
        }
        let (mean, variance) = Self.moments(binCounts)
        if mean > 0 {
          fanoSum += variance / mean
          fanoCount += 1
        }
      }
    }
    cvISI = cvCount > 0 ? cvSum / Double(cvCount) : nil
    fano = fanoCount > 0 ? fanoSum / Double(fanoCount) : nil

    let bins = Int((duration / binWidth).rounded(.down))
    if bins >= 2 {
      var counts = [Double](repeating: 0, count: bins)
      for step in steps {
        let b = Int(Double(step) * dt / binWidth)
        if b < bins { counts[b] += 1 }
      }
      let (mean, variance) = Self.moments(counts)
      countCV = mean > 0 ? variance.squareRoot() / mean : nil
    } else {
      countCV = nil
    }
  }

  /// Mean and population variance.
  static func moments(_ x: [Double]) -> (mean: Double, variance: Double) {
    guard !x.isEmpty else { return (0, 0) }
    let mean = x.reduce(0, +) / Double(x.count)
    let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.count)
    return (mean, variance)
  }
}
