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
    let sources = try file.readUInt64("source")
    let targets = try file.readUInt64("target")
    let weights = try file.readDoubles("weight")
    let delays = try file.readDoubles("delay")
    for (name, n) in [("target", targets.count), ("weight", weights.count), ("delay", delays.count)]
    where n != sources.count {
      throw FileError(path: path, object: name,
                      problem: "has \(n) values but source has \(sources.count)")
    }
    for (name, list) in [("source", sources), ("target", targets)] {
      if let bad = list.first(where: { $0 > UInt64(UInt32.max) }) {
        throw FileError(path: path, object: name, problem: "index \(bad) is out of range")
      }
    }
    return SynapseList(
      sources: sources.map { UInt32($0) }, targets: targets.map { UInt32($0) },
      weights: weights, delays: delays)
  }
}
