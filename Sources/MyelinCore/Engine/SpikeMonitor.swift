// SPDX-License-Identifier: Apache-2.0

/// Which neurons of a population a monitor records.
public enum NeuronSelection: Sendable, Equatable {
  case all
  /// Local indices lo..<hi.
  case range(Range<Int>)
  /// Explicit local indices.
  case list([Int])

  /// Whether each neuron of a population of `size` is selected (indices outside it are
  /// ignored, duplicates count once).
  public func mask(size: Int) -> [Bool] {
    switch self {
    case .all: return [Bool](repeating: true, count: size)
    case .range(let r): return (0..<size).map { r.contains($0) }
    case .list(let list):
      var mask = [Bool](repeating: false, count: size)
      for n in list where n >= 0 && n < size { mask[n] = true }
      return mask
    }
  }

  /// How many neurons of a population of `size` are selected.
  public func count(size: Int) -> Int {
    switch self {
    case .all: size
    case .range(let r): r.clamped(to: 0..<size).count
    case .list: mask(size: size).lazy.filter { $0 }.count
    }
  }
}

/// Records spikes in memory as (step, node id) per population. A spike emitted in the step
/// from t_j to t_{j+1} carries step j+1, so its time is step · dt (NEST's stamp). Callers
/// that stream to a file take the buffers regularly (``take(population:)``), so memory stays
/// bounded whatever the duration.
final class SpikeMonitor: @unchecked Sendable {
  private(set) var steps: [[Int64]]
  private(set) var nodes: [[UInt32]]
  /// Per population: nil when not recorded; else a mask of recorded neurons (empty = all).
  private let masks: [[Bool]?]
  /// Spikes of the whole population in each step, for populations whose rate is recorded.
  private(set) var stepCounts: [[Int32]]
  private let countsRecorded: [Bool]

  init(selections: [NeuronSelection?], sizes: [Int], rates: [Bool]) {
    steps = Array(repeating: [], count: sizes.count)
    nodes = Array(repeating: [], count: sizes.count)
    stepCounts = Array(repeating: [], count: sizes.count)
    countsRecorded = rates
    // An empty mask stands for "all", so that recording everything tests nothing per spike.
    masks = zip(selections, sizes).map { selection, size in
      guard let selection else { return nil }
      return selection == .all ? [] : selection.mask(size: size)
    }
  }

  /// Called by part 0 only, in the record phase, after the barrier that follows emit.
  func record<S>(_ populations: [PopulationState<S>], step: Int64) {
    let parity = Int(step & 1)
    for pop in populations {
      if countsRecorded[pop.index] {
        let parts = pop.partition.parts
        var total = 0
        for part in 0..<parts { total += pop.spikeCounts[parity * parts + part] }
        stepCounts[pop.index].append(Int32(truncatingIfNeeded: total))
      }
      guard let mask = masks[pop.index] else { continue }
      let parts = pop.partition.parts
      for part in 0..<parts {
        let count = pop.spikeCounts[parity * parts + part]
        guard count > 0 else { continue }
        let lo = pop.partition.range(part: part, size: pop.size).lowerBound
        let list = pop.spikes + parity * pop.size + lo
        for k in 0..<count where mask.isEmpty || mask[Int(list[k])] {
          steps[pop.index].append(step + 1)
          nodes[pop.index].append(UInt32(truncatingIfNeeded: list[k]))
        }
      }
    }
  }

  /// Hands over the per-step spike counts recorded so far for one population.
  func takeCounts(population: Int) -> [Int32] {
    defer { stepCounts[population].removeAll(keepingCapacity: true) }
    return stepCounts[population]
  }

  /// Hands over the spikes recorded so far for one population and forgets them.
  func take(population: Int) -> (steps: [Int64], nodes: [UInt32]) {
    defer {
      steps[population].removeAll(keepingCapacity: true)
      nodes[population].removeAll(keepingCapacity: true)
    }
    return (steps[population], nodes[population])
  }
}
