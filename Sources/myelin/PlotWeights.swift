// SPDX-License-Identifier: Apache-2.0
import MyelinPlot
import MyelinTraces

extension PlotCommand {
  /// `plot weights`: the histogram of a projection's final weights beside the evolution of
  /// the mean of its snapshots (with the band of ± one standard deviation).
  static func weights(_ trace: TraceFile, projection name: String?) throws -> FigureRow {
    let recorded = trace.weightProjections
    guard let projection = name ?? (recorded.count == 1 ? recorded.first : nil) else {
      throw CLIError(recorded.isEmpty
        ? "\(trace.path) holds no weights (plastic projections and record.weights write them)"
        : "plot weights needs --projection P (recorded: \(recorded.joined(separator: ", ")))")
    }
    guard let weights = try trace.weights(of: projection) else {
      throw CLIError("\(trace.path) holds no weights of projection '\(projection)' (recorded: \(recorded.joined(separator: ", ")))")
    }
    guard !weights.sources.isEmpty else {
      throw CLIError("\(trace.path): projection '\(projection)' has no synapses")
    }
    let snapshots = try trace.weightSnapshots(of: projection)
    var final = weights.final
    var finalNote = "final weights"
    if final == nil, let snapshots, let time = snapshots.times.last {
      // An interrupted run has no final weights: show the last snapshot instead.
      let n = snapshots.ids.count
      final = snapshots.values.suffix(n).map { Double($0) }
      finalNote = "weights at \(time) ms (the run did not finish)"
    }
    guard let all = final, !all.isEmpty else {
      throw CLIError("\(trace.path): projection '\(projection)' has no final weights and no snapshots")
    }
    let values = all.filter(\.isFinite)
    guard !values.isEmpty else { throw CLIError("\(trace.path): projection '\(projection)' has no finite weights") }
    let skipped = all.count - values.count
    let unit = weights.units.isEmpty ? "" : " (\(weights.units))"
    // Bounds from the file when they are usable, else the data's range.
    var lo = values.min() ?? 0, hi = values.max() ?? 1
    if let b = weights.bounds, b.min.isFinite, b.max.isFinite, b.min < b.max { (lo, hi) = (b.min, b.max) }
    if !(hi - lo > 0) || !(hi - lo).isFinite { hi = lo + max(abs(lo), 1) }
    let bins = 40
    var counts = [Double](repeating: 0, count: bins)
    for w in values {
      let position = min(max((w - lo) / (hi - lo) * Double(bins), 0), Double(bins - 1))
      counts[Int(position)] += 1
    }
    var histogram = Figure(x: lo...hi, y: 0...((counts.max() ?? 1) * 1.05), title: "\(trace.modelName): \(projection)",
                           xLabel: "weight\(unit)", yLabel: "synapses")
    histogram.addBars(counts.enumerated().map {
      (lo + Double($0.offset) * (hi - lo) / Double(bins), lo + Double($0.offset + 1) * (hi - lo) / Double(bins), $0.element)
    }, color: Figure.palette[0])
    histogram.addLegend(finalNote, color: Figure.palette[0])
    if let bounds = weights.bounds, bounds.min < bounds.max {
      let (low, high) = WeightSummary.tails(values, bounds: bounds)
      histogram.note = String(format: "%d synapses, %@; %.1f%% in the lowest and %.1f%% in the highest tenth of the range",
                              values.count, weights.rule, low * 100, high * 100)
    } else {
      histogram.note = "\(values.count) synapses, \(weights.rule)"
    }
    if skipped > 0 { histogram.note = (histogram.note ?? "") + "; \(skipped) non-finite weights left out" }
    guard let snapshots, !snapshots.times.isEmpty, !snapshots.ids.isEmpty else {
      histogram.note = (histogram.note ?? "") + "; no snapshots"
      return FigureRow([histogram])
    }
    let n = snapshots.ids.count
    var means: [Double] = [], upper: [Double] = [], lower: [Double] = []
    for f in snapshots.times.indices {
      let frame = snapshots.values[f * n..<(f + 1) * n].map { Double($0) }.filter(\.isFinite)
      let (mean, std) = frame.isEmpty ? (Double.nan, 0) : WeightSummary.moments(frame)
      means.append(mean)
      upper.append(mean + std)
      lower.append(mean - std)
    }
    let times = snapshots.times
    let finiteTimes = times.filter(\.isFinite)
    let start = finiteTimes.min() ?? 0, end = max(finiteTimes.max() ?? 1, start)
    var evolution = Figure(x: start...end, y: lo...hi,
                           title: "mean weight over time", xLabel: "time (ms)", yLabel: "weight\(unit)")
    evolution.addLine(points: Array(zip(times, means)), color: Figure.palette[1])
    evolution.addLine(points: Array(zip(times, upper)), color: Figure.palette[5])
    evolution.addLine(points: Array(zip(times, lower)), color: Figure.palette[5])
    evolution.addLegend("mean", color: Figure.palette[1])
    evolution.addLegend("± 1 s.d.", color: Figure.palette[5])
    evolution.note = "\(times.count) snapshots of \(n) synapses"
    return FigureRow([histogram, evolution])
  }
}
