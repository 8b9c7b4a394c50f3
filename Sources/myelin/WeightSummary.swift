// SPDX-License-Identifier: Apache-2.0
import MyelinTraces

/// Statistics of a projection's recorded weights, for `inspect` and `bench song2000`.
struct WeightSummary {
  let projection: String
  let rule: String
  let units: String
  let synapses: Int
  let bounds: (min: Double, max: Double)?
  /// Of the final weights (nil when the run did not write them).
  let mean: Double?
  let std: Double?
  /// Fractions of final weights in the lowest and highest 10% of [w_min, w_max].
  let low: Double?
  let high: Double?
  let snapshots: Int

  init(_ trace: TraceFile, projection: String) throws {
    guard let weights = try trace.weights(of: projection) else {
      throw CLIError("\(trace.path) holds no weights of projection '\(projection)' (recorded: \(trace.weightProjections.joined(separator: ", ")))")
    }
    self.projection = projection
    rule = weights.rule
    units = weights.units
    synapses = weights.sources.count
    bounds = weights.bounds
    snapshots = try trace.weightSnapshots(of: projection)?.times.count ?? 0
    if let final = weights.final, !final.isEmpty {
      let (mean, std) = Self.moments(final)
      self.mean = mean
      self.std = std
      (low, high) = bounds.map { Self.tails(final, bounds: $0) } ?? (nil, nil)
    } else {
      mean = nil
      std = nil
      low = nil
      high = nil
    }
  }

  static func moments(_ values: [Double]) -> (mean: Double, std: Double) {
    let mean = values.reduce(0, +) / Double(values.count)
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(values.count - 1, 1))
    return (mean, variance.squareRoot())
  }

  /// Fractions of `values` within 10% of the range from each bound.
  static func tails<C: Collection>(_ values: C, bounds: (min: Double, max: Double)) -> (Double, Double)
  where C.Element: BinaryFloatingPoint {
    let span = bounds.max - bounds.min
    guard span > 0, !values.isEmpty else { return (0, 0) }
    let low = values.filter { (Double($0) - bounds.min) / span < 0.1 }.count
    let high = values.filter { (Double($0) - bounds.min) / span > 0.9 }.count
    return (Double(low) / Double(values.count), Double(high) / Double(values.count))
  }

  var line: String {
    var text = "\(projection) (\(rule), \(synapses) synapses"
    if let bounds { text += ", bounds [\(bounds.min), \(bounds.max)] \(units)" }
    text += ")"
    if let mean, let std { text += String(format: ": final mean %.4g ± %.3g %@", mean, std, units) }
    if let low, let high { text += String(format: ", %.1f%% in the lowest and %.1f%% in the highest tenth", low * 100, high * 100) }
    if snapshots > 0 { text += ", \(snapshots) snapshots" }
    if synapses == 0 {
      text += ": no synapses"
    } else if mean == nil {
      text += ": no final weights (run did not finish)"
    }
    return text
  }

  var json: [String: Any] {
    var entry: [String: Any] = ["projection": projection, "rule": rule, "units": units, "synapses": synapses,
                                "snapshots": snapshots]
    entry["mean"] = mean
    entry["std"] = std
    entry["low_fraction"] = low
    entry["high_fraction"] = high
    if let bounds { entry["w_min"] = bounds.min; entry["w_max"] = bounds.max }
    return entry
  }
}
