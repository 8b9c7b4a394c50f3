// SPDX-License-Identifier: Apache-2.0

/// A model: populations (nodes) and projections (edges), plus the run settings the model
/// suggests. Executors (``Simulation``) instantiate it; the value itself holds no state.
public struct Network: Sendable, Equatable {
  public var name: String
  /// What the model is, which paper it follows and what to expect.
  public var summary: String
  public var populations: [Population] = []
  public var projections: [Projection] = []
  /// Suggested run settings; command-line options override them.
  public var defaults = RunDefaults()

  public init(name: String, summary: String = "") {
    self.name = name
    self.summary = summary
  }

  /// Adds a population; its name must be unique.
  public mutating func add(_ population: Population) {
    populations.append(population)
  }

  /// Adds a projection between two populations named earlier.
  public mutating func connect(
    _ source: String, _ target: String, _ connector: Connector,
    weight: ValueDistribution, delay: ValueDistribution = .constant(1), name: String? = nil,
    plasticity: Plasticity? = nil
  ) {
    projections.append(
      Projection(name: name, source: source, target: target, connector: connector,
                 weight: weight, delay: delay, plasticity: plasticity))
  }

  public static let maximumPopulations = 1 << 16
  public static let maximumProjections = 1 << 24

  public func populationIndex(named name: String) -> Int? {
    populations.firstIndex { $0.name == name }
  }

  /// Checks every structural rule that does not depend on `dt`.
  public func validate() throws(ModelError) {
    guard !populations.isEmpty else {
      throw ModelError(field: "populations", problem: "is empty", allowed: "at least one population")
    }
    // Limits that keep every random stream distinct (RandomStream).
    guard populations.count <= Network.maximumPopulations else {
      throw ModelError(field: "populations", problem: "has \(populations.count) entries",
                       allowed: "at most \(Network.maximumPopulations)")
    }
    guard projections.count <= Network.maximumProjections else {
      throw ModelError(field: "projections", problem: "has \(projections.count) entries",
                       allowed: "at most \(Network.maximumProjections)")
    }
    var seen = Set<String>()
    for (i, population) in populations.enumerated() {
      try population.validate("populations[\(i)]")
      guard seen.insert(population.name).inserted else {
        throw ModelError(field: "populations[\(i)].name",
                         problem: "'\(population.name)' is used twice", allowed: "unique names")
      }
    }
    var projectionNames = Set<String>()
    for (i, projection) in projections.enumerated() {
      let field = "projections[\(i)]"
      guard projectionNames.insert(projection.name).inserted else {
        throw ModelError(field: field + ".name", problem: "'\(projection.name)' is used twice",
                         allowed: "unique names")
      }
      try validate(projection, field)
    }
    if isLayerGraph { try validateLayerGraph() }
  }

  private func validate(_ projection: Projection, _ field: String) throws(ModelError) {
    let known = populations.map(\.name).joined(separator: ", ")
    guard let s = populationIndex(named: projection.source) else {
      throw ModelError(field: field + ".source",
                       problem: "unknown population '\(projection.source)'", allowed: known)
    }
    guard let t = populationIndex(named: projection.target) else {
      throw ModelError(field: field + ".target",
                       problem: "unknown population '\(projection.target)'", allowed: known)
    }
    let target = populations[t]
    if projection.kind != .sparse || target.model.isLayerNode || populations[s].model.isLayerNode {
      guard projection.kind != .sparse else { return }  // validateLayerGraph names the mix
      return try validateLayer(projection, field, source: populations[s], target: target)
    }
    guard !target.model.isSource else {
      throw ModelError(field: field + ".target",
                       problem: "'\(target.name)' is a \(target.model.name) and takes no input",
                       allowed: "an iaf_* population")
    }
    try projection.weight.validate(field + ".weight")
    try projection.delay.validate(field + ".delay")
    try projection.connector.validate(
      field + ".connector", sources: populations[s].size, targets: target.size,
      samePopulation: s == t)
    try projection.plasticity?.validate(field + ".plasticity", projection: projection, network: self)
  }
}

/// Run settings a model file may suggest (CLI flags override them).
public struct RunDefaults: Sendable, Equatable {
  public var dt = 0.1  // ms
  public var duration = 1000.0  // ms
  public var seed: UInt64 = 1
  public var precision = Precision.float
  /// Populations whose spikes the model asks to record, with the neurons to record.
  public var spikeRecording: [String: NeuronSelection] = [:]
  /// Populations whose binned rate the model asks to record, with the bin width in ms.
  public var rateRecording: [String: Double] = [:]
  /// Populations whose state the model asks to sample.
  public var stateRecording: [String: StateRecording] = [:]
  /// Projections whose weights the model asks to record.
  public var weightRecording: [String: WeightRecording] = [:]
  public init() {}
}

/// The scalar type of neuron state and weights.
public enum Precision: String, Sendable, CaseIterable {
  /// 32-bit state: the default, fastest.
  case float
  /// 64-bit state, for spike-for-spike checks against NEST and Brian2.
  case double
}

extension Connector {
  func validate(_ field: String, sources: Int, targets: Int, samePopulation: Bool)
    throws(ModelError)
  {
    // Without autapses a neuron of the same population cannot be its own partner; without
    // multapses a degree cannot exceed the partners there are.
    func checkDegree(_ k: Int, of n: Int, _ name: String, _ partner: String, autapses: Bool,
                     multapses: Bool) throws(ModelError) {
      let limit = samePopulation && !autapses ? n - 1 : n
      guard k >= 0, multapses || k <= limit, limit > 0 || k == 0 else {
        throw ModelError(field: field + "." + name, problem: "is \(k)",
                         allowed: multapses ? "0 or more, with at least one possible \(partner)"
                           : "0...\(limit) without multapses")
      }
    }
    switch self {
    case .allToAll: return
    case .oneToOne:
      guard sources != targets else { return }
      throw ModelError(field: field, problem: "one_to_one needs equal sizes, got \(sources) and \(targets)",
                       allowed: "source size == target size")
    case .pairwiseBernoulli(let p, _): try Check.probability(p, field + ".p")
    case .fixedIndegree(let k, let autapses, let multapses):
      try checkDegree(k, of: sources, "indegree", "source", autapses: autapses, multapses: multapses)
    case .fixedOutdegree(let k, let autapses, let multapses):
      try checkDegree(k, of: targets, "outdegree", "target", autapses: autapses, multapses: multapses)
    case .fixedTotalNumber(let n, let autapses, let multapses):
      let pairs = sources * targets - (samePopulation && !autapses ? sources : 0)
      guard n >= 0, multapses || n <= pairs, pairs > 0 || n == 0 else {
        throw ModelError(field: field + ".N", problem: "is \(n)",
                         allowed: multapses ? ">= 0" : "0...\(pairs) without multapses")
      }
    case .explicit(let list):
      let n = list.sources.count
      guard list.targets.count == n, list.weights.count == n, list.delays.count == n else {
        throw ModelError(
          field: field,
          problem: "arrays differ in length: source \(n), target \(list.targets.count), weight \(list.weights.count), delay \(list.delays.count)",
          allowed: "four arrays of equal length")
      }
      for k in 0..<n {
        guard Int(list.sources[k]) < sources else {
          throw ModelError(field: "\(field).source[\(k)]", problem: "is \(list.sources[k])",
                           allowed: "0...\(sources - 1)")
        }
        guard Int(list.targets[k]) < targets else {
          throw ModelError(field: "\(field).target[\(k)]", problem: "is \(list.targets[k])",
                           allowed: "0...\(targets - 1)")
        }
        try Check.finite(list.weights[k], "\(field).weight[\(k)]")
        try Check.finite(list.delays[k], "\(field).delay[\(k)]")
      }
    }
  }
}
