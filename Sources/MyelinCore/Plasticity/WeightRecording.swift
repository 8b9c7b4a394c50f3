// SPDX-License-Identifier: Apache-2.0

/// Which weights of a projection a run records: the final weights of every synapse always,
/// and, every `interval` ms from the start, snapshots of the chosen synapses.
public struct WeightRecording: Sendable, Equatable {
  /// Snapshot interval in ms; nil records the final weights only.
  public var interval: Double?
  public var synapses: SynapseSelection

  public init(interval: Double? = nil, synapses: SynapseSelection = .all) {
    self.interval = interval
    self.synapses = synapses
  }
}

/// A subset of a projection's synapses, by synapse id: the position in the order
/// ``Simulation/synapses(of:)`` lists them.
public enum SynapseSelection: Sendable, Equatable {
  case all
  case list([Int])
  /// About this many, evenly spaced over the ids.
  case count(Int)

  /// The chosen ids among `total` synapses, ascending; ids out of range are an error.
  public func ids(total: Int, field: String) throws(ModelError) -> [Int] {
    switch self {
    case .all: return Array(0..<total)
    case .list(let ids):
      if let bad = ids.first(where: { $0 < 0 || $0 >= total }) {
        throw ModelError(field: field, problem: "synapse \(bad) does not exist",
                         allowed: total == 0 ? "the projection has no synapses" : "0...\(total - 1)")
      }
      return ids
    case .count(let n):
      guard n < total else { return Array(0..<total) }
      guard n > 0 else { return [] }
      return (0..<n).map { $0 * total / n }
    }
  }
}
