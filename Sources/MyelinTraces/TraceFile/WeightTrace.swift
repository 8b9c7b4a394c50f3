// SPDX-License-Identifier: Apache-2.0

/// The weights of one projection in a trace file (`/weights/<projection>/`):
/// `source`, `target` (uint64, one per synapse, in synapse-id order), `weight` (float64, the
/// final weights, written when the run ends), and `snapshots/{synapse_ids, time, step, data}`
/// with `data` float32 [frames, chosen synapses]. The group's attributes give the rule, the
/// bounds and the unit.
public struct WeightSpec: Sendable, Equatable {
  public var projection: String
  public var sources: [UInt32]
  public var targets: [UInt32]
  /// Synapse ids sampled by snapshots; empty for final weights only.
  public var snapshotIDs: [Int]
  public var units: String
  /// Plasticity rule name ("stdp", …) or "static".
  public var rule: String
  public var bounds: (min: Double, max: Double)?

  public init(projection: String, sources: [UInt32], targets: [UInt32], snapshotIDs: [Int], units: String,
              rule: String, bounds: (min: Double, max: Double)?) {
    self.projection = projection
    self.sources = sources
    self.targets = targets
    self.snapshotIDs = snapshotIDs
    self.units = units
    self.rule = rule
    self.bounds = bounds
  }

  public static func == (a: WeightSpec, b: WeightSpec) -> Bool {
    a.projection == b.projection && a.sources == b.sources && a.targets == b.targets
      && a.snapshotIDs == b.snapshotIDs && a.units == b.units && a.rule == b.rule
      && a.bounds?.min == b.bounds?.min && a.bounds?.max == b.bounds?.max
  }
}

extension TraceWriter {
  func createWeights(_ spec: WeightSpec, compress: Bool) throws(FileError) {
    let group = TraceLayout.weights(spec.projection)
    try file.createGroup(group)
    try file.setAttribute(group, "rule", .string(spec.rule))
    try file.setAttribute(group, "units", .string(spec.units))
    if let bounds = spec.bounds {
      try file.setAttribute(group, "w_min", .float64(bounds.min))
      try file.setAttribute(group, "w_max", .float64(bounds.max))
    }
    try file.write(group + "/source", uint64: spec.sources.map { UInt64($0) })
    try file.write(group + "/target", uint64: spec.targets.map { UInt64($0) })
    guard !spec.snapshotIDs.isEmpty else { return }
    try file.createGroup(group + "/snapshots")
    try file.write(group + "/snapshots/synapse_ids", uint64: spec.snapshotIDs.map { UInt64($0) })
    try file.createAppendable(group + "/snapshots/time", type: .float64, chunk: 1024, compress: compress)
    try file.setAttribute(group + "/snapshots/time", "units", .string("ms"))
    try file.createAppendable(group + "/snapshots/step", type: .uint64, chunk: 1024, compress: compress)
    let n = spec.snapshotIDs.count
    try file.createAppendableRows(group + "/snapshots/data", columns: n, chunkRows: max(1, 65_536 / n),
                                  compress: compress)
    try file.setAttribute(group + "/snapshots/data", "units", .string(spec.units))
  }

  /// Appends one snapshot of recording `index`: `weights` holds every synapse of the
  /// projection (in synapse-id order); the chosen ones are stored.
  public func appendWeightSnapshot(_ index: Int, step: Int64, weights: [Double]) throws(FileError) {
    let spec = self.weights[index]
    guard !spec.snapshotIDs.isEmpty else { return }
    let group = TraceLayout.weights(spec.projection) + "/snapshots"
    try file.appendRows(group + "/data", spec.snapshotIDs.map { Float(weights[$0]) }, columns: spec.snapshotIDs.count)
    try file.append(group + "/time", [Double(step) * dt], type: .float64)
    try file.append(group + "/step", [UInt64(step)], type: .uint64)
  }

  /// The final weights of recording `index`, every synapse in synapse-id order.
  public func writeFinalWeights(_ index: Int, _ weights: [Double]) throws(FileError) {
    let group = TraceLayout.weights(self.weights[index].projection)
    if file.exists(group + "/weight") {
      try file.overwrite(group + "/weight", doubles: weights)
    } else {
      try file.write(group + "/weight", doubles: weights)
    }
    try file.setAttribute(group + "/weight", "units", .string(self.weights[index].units))
  }
}

extension TraceFile {
  /// Projections whose weights the file holds.
  public var weightProjections: [String] { file.members(of: "/weights") }

  /// The recorded weights of a projection: synapse sources and targets, final weights (nil if
  /// the run did not end cleanly), unit, rule and bounds.
  public struct Weights: Sendable {
    public var sources: [UInt32]
    public var targets: [UInt32]
    public var final: [Double]?
    public var units: String
    public var rule: String
    public var bounds: (min: Double, max: Double)?
  }

  public func weights(of projection: String) throws(FileError) -> Weights? {
    let group = TraceLayout.weights(projection)
    guard file.exists(group) else { return nil }
    let sources = try file.readUInt32(group + "/source"), targets = try file.readUInt32(group + "/target")
    guard sources.count == targets.count else {
      throw FileError(path: path, object: group, problem: "source and target differ in length")
    }
    var final: [Double]?
    if file.exists(group + "/weight") {
      let values = try file.readDoubles(group + "/weight")
      guard values.count == sources.count else {
        throw FileError(path: path, object: group + "/weight", problem: "has \(values.count) values for \(sources.count) synapses")
      }
      final = values
    }
    var bounds: (min: Double, max: Double)?
    if let lo = file.attribute(group, "w_min")?.double, let hi = file.attribute(group, "w_max")?.double { bounds = (lo, hi) }
    return Weights(sources: sources, targets: targets, final: final, units: file.attribute(group, "units")?.text ?? "",
                   rule: file.attribute(group, "rule")?.text ?? "", bounds: bounds)
  }

  /// Weight snapshots of a projection: sampled synapse ids, times (ms) and values
  /// (frames × ids, row-major); nil if none were recorded.
  public func weightSnapshots(of projection: String) throws(FileError)
    -> (ids: [Int], times: [Double], values: [Float])?
  {
    let group = TraceLayout.weights(projection) + "/snapshots"
    guard file.exists(group) else { return nil }
    var ids: [Int] = []
    for x in try file.readDoubles(group + "/synapse_ids") {
      guard let id = Int(exactly: x), id >= 0 else {
        throw FileError(path: path, object: group + "/synapse_ids", problem: "holds \(x), not a synapse id")
      }
      ids.append(id)
    }
    let times = try file.readDoubles(group + "/time")
    let data = try file.readRows(group + "/data")
    guard data.columns == ids.count, data.rows == times.count else {
      throw FileError(path: path, object: group, problem: "time, synapse_ids and data do not match")
    }
    return (ids, times, data.values)
  }
}
