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

  /// Statistics of spikes given as steps (time = step · dt) and node ids, over
  /// [0, duration) ms.
  public init(
    steps: [Int64], nodes: [UInt32], neurons: Int, dt: Double, duration: Double,
    binWidth: Double = 1, fanoBinWidth: Double = 100
  ) {
    rate = duration > 0 ? Double(steps.count) / Double(max(neurons, 1)) / (duration / 1000) : 0
    // Spikes per neuron, in time order.
    var trains = [[Double]](repeating: [], count: neurons)
    for (step, node) in zip(steps, nodes) where Int(node) < neurons {
      trains[Int(node)].append(Double(step) * dt)
    }
    var cvs: [Double] = []
    for var train in trains where train.count >= 3 {
      train.sort()
      let isi = zip(train.dropFirst(), train).map { $0 - $1 }
      let (mean, variance) = Self.moments(isi)
      if mean > 0 { cvs.append(variance.squareRoot() / mean) }
    }
    cvISI = cvs.isEmpty ? nil : cvs.reduce(0, +) / Double(cvs.count)

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

    let fanoBins = Int((duration / fanoBinWidth).rounded(.down))
    if fanoBins >= 2 {
      var factors: [Double] = []
      for train in trains where !train.isEmpty {
        var counts = [Double](repeating: 0, count: fanoBins)
        for t in train {
          let b = Int(t / fanoBinWidth)
          if b < fanoBins { counts[b] += 1 }
        }
        let (mean, variance) = Self.moments(counts)
        if mean > 0 { factors.append(variance / mean) }
      }
      fano = factors.isEmpty ? nil : factors.reduce(0, +) / Double(factors.count)
    } else {
      fano = nil
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
