// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Writes a trace file while a simulation runs: spikes are appended in blocks and the file
/// is flushed at checkpoints, so a killed run leaves a readable file holding every spike up
/// to the last flush. `complete` stays 0 until ``finish(timeReached:wallTime:)``.
public final class TraceWriter {
  public let path: String
  let file: HDF5File
  let dt: Double
  private let recorded: Set<String>
  /// Spikes waiting to be appended, per population: HDF5 appends cost tens of µs each, so
  /// they are made in blocks of at least `blockSize` spikes (or at a checkpoint).
  private var pending: [String: (steps: [Int64], nodes: [UInt32])] = [:]
  private let blockSize: Int

  /// Creates the file with every group and dataset of the populations in `spikes`. An
  /// existing file is an error unless `overwrite` is set. Datasets grow in chunks of
  /// `chunk` values (64 Ki by default: 512 KiB of float64, one HDF5 cache's worth);
  /// `compress` turns on shuffle + gzip. `rates` maps populations to a bin width (ms, rounded
  /// to whole steps) for `/rates/<population>/{counts, data}`.
  public init(
    path: String, overwrite: Bool, metadata: TraceMetadata, spikes: [String],
    recordedNeurons: [String: Int] = [:], rates: [String: Double] = [:],
    reports: [ReportSpec] = [], weights: [WeightSpec] = [], chunk: Int = 65_536, compress: Bool = false
  ) throws(FileError) {
    self.path = path
    dt = metadata.dt
    recorded = Set(spikes)
    blockSize = chunk
    var binning: [String: RateBins] = [:]
    for (name, width) in rates {
      let size = metadata.populations.first { $0.name == name }?.size ?? 1
      let steps = width.isFinite ? min(max((width / metadata.dt).rounded(), 1), 1e9) : 1e9
      binning[name] = RateBins(steps: Int(steps), neurons: size)
    }
    self.rates = binning
    self.reports = reports
    frames = Array(repeating: 0, count: reports.count)
    self.weights = weights
    file = try HDF5File(creatingTrace: path, overwrite: overwrite)
    try file.setAttribute("/", "magic", .uint32(TraceLayout.magic))
    try file.setAttribute("/", "version", .uint32s(TraceLayout.version))
    try file.setAttribute("/", "simulator", .string(metadata.simulator))
    try file.setAttribute("/", "model", .string(metadata.modelName))
    try file.setAttribute("/", "dt", .float64(metadata.dt))
    try file.setAttribute("/", "seed", .uint64(metadata.seed))
    try file.setAttribute("/", "t_start", .float64(0))
    try file.setAttribute("/", "t_stop", .float64(0))
    try file.setAttribute("/", "wall_time_s", .float64(0))
    try file.setAttribute("/", "complete", .uint8(0))
    try file.createGroup("/meta")
    try file.writeText(TraceLayout.modelText, metadata.modelText)
    try file.writeText(TraceLayout.command, metadata.command)
    let populations = metadata.populations.map {
      ["name": $0.name, "size": $0.size, "model": $0.model] as [String: Any]
    }
    let json = (try? JSONSerialization.data(withJSONObject: populations, options: [.sortedKeys]))
      .flatMap { String(data: $0, encoding: .utf8) } ?? "[]"
    try file.writeText(TraceLayout.populations, json)
    for population in spikes {
      let group = TraceLayout.spikes(population)
      try file.createGroup(group)
      try file.setAttribute(group, "sorting", .sorting(TraceLayout.sortedByTime))
      // How many neurons were recorded, so that rates divide by them, not the population.
      let size = metadata.populations.first { $0.name == population }?.size ?? 0
      try file.setAttribute(group, "recorded_neurons", .uint64(UInt64(recordedNeurons[population] ?? size)))
      try file.createAppendable(group + "/timestamps", type: .float64, chunk: chunk, compress: compress)
      try file.setAttribute(group + "/timestamps", "units", .string("ms"))
      try file.createAppendable(group + "/node_ids", type: .uint64, chunk: chunk, compress: compress)
      try file.createAppendable(group + "/step", type: .uint64, chunk: chunk, compress: compress)
    }
    for name in rates.keys.sorted() {
      guard let bins = binning[name] else { continue }
      let group = TraceLayout.rates(name)
      try file.createGroup(group)
      try file.setAttribute(group, "bin_ms", .float64(Double(bins.steps) * dt))
      try file.setAttribute(group, "t_start", .float64(0))
      try file.createAppendable(group + "/counts", type: .uint32, chunk: 4096, compress: compress)
      try file.createAppendable(group + "/data", type: .float32, chunk: 4096, compress: compress)
      try file.setAttribute(group + "/data", "units", .string("Hz"))
    }
    for report in reports {
      let group = TraceLayout.report(report.population, report.variable)
      try file.createGroup(group + "/mapping")
      let n = report.nodeIDs.count
      try file.write(group + "/mapping/node_ids", uint64: report.nodeIDs.map { UInt64($0) })
      try file.write(group + "/mapping/index_pointers", uint64: (0...n).map { UInt64($0) })
      try file.write(group + "/mapping/element_ids", uint64: Array(repeating: 0, count: n))
      try file.write(group + "/mapping/time", doubles: [report.interval, report.interval, report.interval])
      try file.setAttribute(group + "/mapping/time", "units", .string("ms"))
      try file.createAppendableRows(
        group + "/data", columns: n, chunkRows: max(1, 65_536 / max(n, 1)), compress: compress)
      try file.setAttribute(group + "/data", "units", .string(report.units))
    }
    for spec in weights { try createWeights(spec, compress: compress) }
    file.flush()
  }

  /// Weight recordings, in the order `appendWeightSnapshot` and `writeFinalWeights` index.
  let weights: [WeightSpec]

  private let reports: [ReportSpec]
  /// Frames written per report.
  private var frames: [Int]

  /// Appends frames (row-major, one value per recorded neuron) to report `index`.
  public func appendFrames(report index: Int, _ values: [Float]) throws(FileError) {
    let report = reports[index]
    let n = report.nodeIDs.count
    guard n > 0, !values.isEmpty else { return }
    let group = TraceLayout.report(report.population, report.variable)
    try file.appendRows(group + "/data", values, columns: n)
    frames[index] += values.count / n
    // SONATA's time = [start, stop, step]: frames at start + k·step for start ≤ t < stop.
    try file.overwrite(group + "/mapping/time", doubles: [
      report.interval, report.interval * Double(frames[index] + 1), report.interval,
    ])
  }

  /// Spike counts per step folded into bins; an incomplete last bin waits for more steps.
  struct RateBins {
    let steps: Int
    let neurons: Int
    var partial: UInt32 = 0
    var filled = 0
    var counts: [UInt32] = []
  }
  private var rates: [String: RateBins]

  /// Adds the population's spike count of each step, in order from the run's start.
  public func appendStepCounts(of population: String, _ counts: [Int32]) throws(FileError) {
    guard var bins = rates[population] else { return }
    for c in counts {
      bins.partial += UInt32(truncatingIfNeeded: c)
      bins.filled += 1
      if bins.filled == bins.steps {
        bins.counts.append(bins.partial)
        bins.partial = 0
        bins.filled = 0
      }
    }
    rates[population] = bins
  }

  private func writeRates(_ population: String) throws(FileError) {
    guard var bins = rates[population], !bins.counts.isEmpty else { return }
    let group = TraceLayout.rates(population)
    let seconds = Double(bins.steps) * dt / 1000
    try file.append(group + "/counts", bins.counts, type: .uint32)
    try file.append(group + "/data", bins.counts.map { Float(Double($0) / Double(bins.neurons) / seconds) }, type: .float32)
    bins.counts.removeAll()
    rates[population] = bins
  }

  /// Appends spikes of one population, in time order (as the simulation emits them). They
  /// reach the file in blocks; ``checkpoint(timeReached:wallTime:)`` writes the rest.
  public func appendSpikes(of population: String, steps: [Int64], nodes: [UInt32])
    throws(FileError)
  {
    guard recorded.contains(population), !steps.isEmpty else { return }
    pending[population, default: ([], [])].steps += steps
    pending[population, default: ([], [])].nodes += nodes
    if let buffered = pending[population], buffered.steps.count >= blockSize {
      try write(population)
    }
  }

  private func write(_ population: String) throws(FileError) {
    guard let (steps, nodes) = pending[population], !steps.isEmpty else { return }
    pending[population] = ([], [])
    let group = TraceLayout.spikes(population)
    try file.append(group + "/timestamps", steps.map { Double($0) * dt }, type: .float64)
    try file.append(group + "/node_ids", nodes.map { UInt64($0) }, type: .uint64)
    try file.append(group + "/step", steps.map { UInt64($0) }, type: .uint64)
  }

  /// Records how far the run got and forces everything written so far onto the disk.
  public func checkpoint(timeReached: Double, wallTime: Double) throws(FileError) {
    for population in pending.keys.sorted() { try write(population) }
    for population in rates.keys.sorted() { try writeRates(population) }
    try file.setAttribute("/", "t_stop", .float64(timeReached))
    try file.setAttribute("/", "wall_time_s", .float64(wallTime))
    file.flush()
  }

  /// Marks the run complete (or not, when it was interrupted) and flushes.
  public func finish(timeReached: Double, wallTime: Double, complete: Bool = true) throws(FileError) {
    // The last, incomplete bin of each rate: its count, and its rate over its true length,
    // which the attribute last_bin_ms gives.
    for population in rates.keys.sorted() {
      guard var bins = rates[population], bins.filled > 0 else { continue }
      let group = TraceLayout.rates(population)
      let seconds = Double(bins.filled) * dt / 1000
      try writeRates(population)
      try file.append(group + "/counts", [bins.partial], type: .uint32)
      try file.append(group + "/data", [Float(Double(bins.partial) / Double(bins.neurons) / seconds)], type: .float32)
      try file.setAttribute(group, "last_bin_ms", .float64(Double(bins.filled) * dt))
      bins.partial = 0
      bins.filled = 0
      bins.counts.removeAll()
      rates[population] = bins
    }
    try checkpoint(timeReached: timeReached, wallTime: wallTime)
    try file.setAttribute("/", "complete", .uint8(complete ? 1 : 0))
    file.flush()
  }
}
