// SPDX-License-Identifier: Apache-2.0
import MyelinCore

/// Explicit synapses stored in HDF5: four 1-D datasets of equal length at the root,
/// `source`, `target` (integers), `weight` and `delay` (ms).
public enum SynapseFile {
  /// Writes `list` to a new file at `path` (replacing any file there).
  public static func write(_ list: SynapseList, to path: String) throws(FileError) {
    let file = try HDF5File(creating: path)
    try file.write("source", uint64: list.sources.map { UInt64($0) })
    try file.write("target", uint64: list.targets.map { UInt64($0) })
    try file.write("weight", doubles: list.weights)
    try file.write("delay", doubles: list.delays)
  }

  public static func read(path: String) throws(FileError) -> SynapseList {
    let file = try HDF5File(readingFrom: path)
    // Indices are read as float64, which holds every integer below 2^53 exactly, and then
    // checked: HDF5's own conversion to unsigned would clip −1 to 0 and round 1.7 silently.
    let sources = try indices(file.readDoubles("source"), "source", path)
    let targets = try indices(file.readDoubles("target"), "target", path)
    let weights = try file.readDoubles("weight")
    let delays = try file.readDoubles("delay")
    for (name, n) in [("target", targets.count), ("weight", weights.count), ("delay", delays.count)]
    where n != sources.count {
      throw FileError(path: path, object: name,
                      problem: "has \(n) values but source has \(sources.count)")
    }
    return SynapseList(sources: sources, targets: targets, weights: weights, delays: delays)
  }

  private static func indices(_ values: [Double], _ name: String, _ path: String)
    throws(FileError) -> [UInt32]
  {
    var out: [UInt32] = []
    out.reserveCapacity(values.count)
    for (k, x) in values.enumerated() {
      guard let index = UInt32(exactly: x) else {
        throw FileError(path: path, object: name,
                        problem: "value \(k) is \(x), not an index in 0...\(UInt32.max)")
      }
      out.append(index)
    }
    return out
  }
}
