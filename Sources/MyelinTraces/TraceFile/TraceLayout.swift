// SPDX-License-Identifier: Apache-2.0

/// Names and constants of the trace-file layout (docs/traces.md): SONATA-compatible spikes
/// plus Myelin's metadata.
package enum TraceLayout {
  /// Root attribute `magic`: identifies a Myelin trace file.
  static let magic: UInt32 = 0x0A7A
  /// Root attribute `version` (major, minor) of this layout.
  static let version: [UInt32] = [0, 1]
  /// SONATA `sorting` enum value for spikes written in time order.
  static let sortedByTime: UInt8 = 2

  static func spikes(_ population: String) -> String { "/spikes/\(population)" }
  static func rates(_ population: String) -> String { "/rates/\(population)" }
  /// A SONATA frame report per (population, variable), as traces.md §6 names it.
  static func report(_ population: String, _ variable: String) -> String {
    "/report/\(population)__\(variable)"
  }
  static func weights(_ projection: String) -> String { "/weights/\(projection)" }
  static let modelText = "/meta/model"
  static let command = "/meta/command"
  static let populations = "/meta/populations"
}

/// What a trace file records about its run.
public struct TraceMetadata: Sendable, Equatable {
  public var modelName: String
  /// The model's JSON text.
  public var modelText: String
  public var command: String
  public var dt: Double
  public var seed: UInt64
  public var populations: [PopulationInfo]
  public var simulator: String

  public struct PopulationInfo: Sendable, Equatable {
    public var name: String
    public var size: Int
    public var model: String
    public init(name: String, size: Int, model: String) {
      self.name = name
      self.size = size
      self.model = model
    }
  }

  public init(
    modelName: String, modelText: String, command: String, dt: Double, seed: UInt64,
    populations: [PopulationInfo], simulator: String
  ) {
    self.modelName = modelName
    self.modelText = modelText
    self.command = command
    self.dt = dt
    self.seed = seed
    self.populations = populations
    self.simulator = simulator
  }
}

/// A state-variable report: one variable of chosen neurons, sampled every `interval` ms.
public struct ReportSpec: Sendable, Equatable {
  public var population: String
  public var variable: String
  public var nodeIDs: [Int]
  /// Sampling interval in ms; frame f is at (f + 1) · interval.
  public var interval: Double
  public var units: String

  public init(population: String, variable: String, nodeIDs: [Int], interval: Double, units: String) {
    self.population = population
    self.variable = variable
    self.nodeIDs = nodeIDs
    self.interval = interval
    self.units = units
  }
}
