// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore

/// A trace file opened for reading. Opening checks that it is an HDF5 file with Myelin's
/// `magic` and a layout version this reader understands; anything else is a ``FileError``.
public final class TraceFile {
  public let path: String
  let file: HDF5File

  public let modelName: String
  public let simulator: String
  public let dt: Double
  public let seed: UInt64
  public let tStart: Double
  /// Time reached (ms): the run's end, or the last flush of an interrupted run.
  public let tStop: Double
  public let wallTime: Double
  /// Whether the run finished and closed the file cleanly.
  public let complete: Bool
  public let populations: [TraceMetadata.PopulationInfo]

  public init(path: String) throws(FileError) {
    self.path = path
    let file = try HDF5File(readingFrom: path)
    self.file = file
    guard case .uint32(let magic)? = file.attribute("/", "magic"), magic == TraceLayout.magic else {
      throw FileError(path: path, object: "", problem: "is an HDF5 file but not a Myelin trace (no magic 0x0A7A)")
    }
    guard case .uint32s(let version)? = file.attribute("/", "version"), version.first == TraceLayout.version[0]
    else {
      throw FileError(path: path, object: "/", problem: "has a trace layout version this reader does not know")
    }
    func number(_ name: String) throws(FileError) -> Double {
      guard let value = file.attribute("/", name)?.double else {
        throw FileError(path: path, object: "/@\(name)", problem: "is missing")
      }
      return value
    }
    modelName = file.attribute("/", "model")?.text ?? ""
    simulator = file.attribute("/", "simulator")?.text ?? ""
    dt = try number("dt")
    tStart = try number("t_start")
    tStop = try number("t_stop")
    wallTime = try number("wall_time_s")
    guard case .uint64(let seed)? = file.attribute("/", "seed") else {
      throw FileError(path: path, object: "/@seed", problem: "is missing")
    }
    self.seed = seed
    guard case .uint8(let complete)? = file.attribute("/", "complete") else {
      throw FileError(path: path, object: "/@complete", problem: "is missing")
    }
    self.complete = complete == 1
    let json = try file.readText(TraceLayout.populations)
    guard let list = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]] else {
      throw FileError(path: path, object: TraceLayout.populations, problem: "is not a JSON list")
    }
    var populations: [TraceMetadata.PopulationInfo] = []
    for entry in list {
      guard let name = entry["name"] as? String, let size = entry["size"] as? Int,
        size >= 1, size <= Population.maximumSize
      else {
        throw FileError(path: path, object: TraceLayout.populations,
                        problem: "has an entry without a name and a size in 1...\(Population.maximumSize)")
      }
      populations.append(.init(name: name, size: size, model: entry["model"] as? String ?? ""))
    }
    self.populations = populations
    guard dt.isFinite, dt > 0, tStart.isFinite, tStop.isFinite, tStop >= tStart, tStop - tStart < 1e15 * dt else {
      throw FileError(path: path, object: "/", problem: "has dt, t_start or t_stop out of range")
    }
  }

  /// The model's JSON text and the command line that ran it.
  public func modelText() throws(FileError) -> String { try file.readText(TraceLayout.modelText) }
  public func command() throws(FileError) -> String { try file.readText(TraceLayout.command) }

  /// How many neurons of `population` had their spikes recorded (all of them unless the
  /// record section chose some).
  public func recordedNeurons(of population: String) -> Int? {
    guard case .uint64(let n)? = file.attribute(TraceLayout.spikes(population), "recorded_neurons") else {
      return populations.first { $0.name == population }?.size
    }
    return Int(clamping: n)
  }

  /// Whether the spikes of `population` were recorded.
  public func hasSpikes(_ population: String) -> Bool {
    file.exists(TraceLayout.spikes(population) + "/step")
  }

  /// A recorded state report: times (ms) of the frames, node ids, and values
  /// (frames × nodes, row-major) with their unit.
  public struct Report: Sendable {
    public var times: [Double]
    public var nodeIDs: [Int]
    public var values: [Float]
    public var units: String
    public func value(frame: Int, node: Int) -> Float { values[frame * nodeIDs.count + node] }
  }

  /// The report of `variable` of `population`, or nil if it was not recorded.
  public func report(of population: String, variable: String) throws(FileError) -> Report? {
    let group = TraceLayout.report(population, variable)
    guard file.exists(group) else { return nil }
    let time = try file.readDoubles(group + "/mapping/time")
    var nodes: [Int] = []
    for x in try file.readDoubles(group + "/mapping/node_ids") {
      guard let n = Int(exactly: x), n >= 0 else {
        throw FileError(path: path, object: group + "/mapping/node_ids", problem: "holds \(x), not a node id")
      }
      nodes.append(n)
    }
    let data = try file.readRows(group + "/data")
    guard time.count == 3, data.columns == nodes.count else {
      throw FileError(path: path, object: group, problem: "mapping and data do not match")
    }
    let times = (0..<data.rows).map { time[0] + Double($0) * time[2] }
    return Report(times: times, nodeIDs: nodes, values: data.values,
                  units: file.attribute(group + "/data", "units")?.text ?? "")
  }

  /// The reports the file holds, as (population, variable) pairs.
  public var reports: [(population: String, variable: String)] {
    populations.flatMap { info in
      StateVariable.allCases.map(\.rawValue).compactMap { variable in
        file.exists(TraceLayout.report(info.name, variable)) ? (info.name, variable) : nil
      }
    }
  }

  /// The binned rate of a population, if recorded: bin width (ms), spike counts per bin,
  /// and rates (Hz).
  public func rates(of population: String) throws(FileError)
    -> (binWidth: Double, counts: [Double], hertz: [Double])?
  {
    let group = TraceLayout.rates(population)
    guard file.exists(group) else { return nil }
    guard let width = file.attribute(group, "bin_ms")?.double else {
      throw FileError(path: path, object: group + "@bin_ms", problem: "is missing")
    }
    return (width, try file.readDoubles(group + "/counts"), try file.readDoubles(group + "/data"))
  }

  /// The recorded spikes of a population: steps (time = step · dt) and local node ids, in
  /// time order.
  public func spikes(of population: String) throws(FileError) -> (steps: [Int64], nodes: [UInt32]) {
    let group = TraceLayout.spikes(population)
    guard file.exists(group) else {
      throw FileError(path: path, object: group, problem: "no spikes recorded for this population")
    }
    // HDF5 converts the stored uint64 values to these types while reading (no extra pass);
    // node ids are local indices, below 2^30.
    let steps = try file.readInt64(group + "/step")
    let nodes = try file.readUInt32(group + "/node_ids")
    guard steps.count == nodes.count else {
      throw FileError(path: path, object: group, problem: "step and node_ids differ in length")
    }
    return (steps, nodes)
  }
}
