// SPDX-License-Identifier: Apache-2.0

/// What to sample of one population: variables, neurons, and every how many steps.
public struct StateRecording: Sendable, Equatable {
  public var variables: [StateVariable]
  /// Local neuron indices, ascending and distinct.
  public var neurons: [Int]
  /// Sampling interval in ms, rounded to whole steps (at least one).
  public var interval: Double

  public init(variables: [StateVariable], neurons: [Int], interval: Double) {
    var seen = Set<StateVariable>()
    self.variables = variables.filter { seen.insert($0).inserted }
    self.neurons = Array(Set(neurons)).sorted()
    self.interval = interval
  }
}

/// Samples state variables of chosen neurons every k steps (Brian2's StateMonitor, NEST's
/// multimeter). Each thread samples the neurons it owns into a buffer of its own, in the
/// record phase, so no thread reads state another thread is advancing. A sample taken
/// after step j holds the state at t_{j+1}; frame f of a population sampled every k steps
/// is at time (f + 1) · k · dt from the start of the run.
final class StateMonitor: @unchecked Sendable {
  struct Track {
    let population: Int
    let variable: StateVariable
    let neurons: [Int]
    let interval: Int
    /// Column ranges of `neurons` owned by each part.
    let columns: [Range<Int>]
  }

  /// Samples of one part, one array per track: frames × (the part's columns), row-major.
  final class PartBuffer {
    var values: [[Float]]
    init(tracks: Int) { values = Array(repeating: [], count: tracks) }
  }

  let tracks: [Track]
  private let buffers: [PartBuffer]

  init(recordings: [Int: StateRecording], sizes: [Int], partition: Partition, dt: Double) {
    var tracks: [Track] = []
    for population in recordings.keys.sorted() {
      guard let recording = recordings[population] else { continue }
      let size = sizes[population]
      let neurons = recording.neurons.filter { $0 >= 0 && $0 < size }
      let columns = (0..<partition.parts).map { part -> Range<Int> in
        let owned = partition.range(part: part, size: size)
        let lo = neurons.firstIndex { $0 >= owned.lowerBound } ?? neurons.count
        let hi = neurons.firstIndex { $0 >= owned.upperBound } ?? neurons.count
        return lo..<max(lo, hi)
      }
      for variable in recording.variables {
        let steps = recording.interval.isFinite ? max(Int(min((recording.interval / dt).rounded(), 1e9)), 1) : 1
        tracks.append(Track(population: population, variable: variable, neurons: neurons,
                            interval: steps, columns: columns))
      }
    }
    self.tracks = tracks
    buffers = (0..<partition.parts).map { _ in PartBuffer(tracks: tracks.count) }
  }

  /// Called by every part in the record phase of step `step`.
  func record<S>(_ populations: [PopulationState<S>], part: Int, step: Int64) {
    let buffer = buffers[part]
    for (k, track) in tracks.enumerated() where (step + 1) % Int64(track.interval) == 0 {
      let pop = populations[track.population]
      let (storage, offset) = pop.storage(of: track.variable)
      for c in track.columns[part] {
        buffer.values[k].append(Float(Double(storage[track.neurons[c]]) + offset))
      }
    }
  }

  /// Hands over the frames sampled so far for track `k` (frames × neurons, row-major).
  func take(track k: Int) -> [Float] {
    let track = tracks[k]
    let width = track.neurons.count
    let frames = width == 0 ? 0 : buffers.enumerated().reduce(0) { total, entry in
      let count = track.columns[entry.offset].count
      return count == 0 ? total : max(total, entry.element.values[k].count / count)
    }
    var out = [Float](repeating: 0, count: frames * width)
    for (part, buffer) in buffers.enumerated() {
      let columns = track.columns[part]
      guard !columns.isEmpty else { continue }
      let values = buffer.values[k]
      for f in 0..<frames {
        for (i, c) in columns.enumerated() { out[f * width + c] = values[f * columns.count + i] }
      }
      buffer.values[k].removeAll(keepingCapacity: true)
    }
    return out
  }
}
