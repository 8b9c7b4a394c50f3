// SPDX-License-Identifier: Apache-2.0

/// The longest run, in steps (10^15: 3000 years of biological time at dt = 0.1 ms). Step
/// counts stay far from the 64-bit limit, so no time arithmetic can overflow.
let maximumStep = 1e15

/// Settings of one simulation run.
public struct SimulationOptions: Sendable, Equatable {
  /// Step length in ms.
  public var dt: Double
  public var seed: UInt64
  /// 1 or 2; results are bit-identical either way.
  public var threads: Int
  public var precision: Precision
  /// Keep every spike of every population in memory (for `recordedSpikes`).
  public var recordSpikes: Bool
  /// Record the spikes of these populations only (by name), all or some of their neurons.
  /// Used when `recordSpikes` is false.
  public var spikeRecording: [String: NeuronSelection] = [:]
  /// Count the spikes of these populations in every step (for binned rates).
  public var rateRecording: Set<String> = []
  /// Sample state variables of chosen neurons of these populations.
  public var stateRecording: [String: StateRecording] = [:]

  public init(
    dt: Double = 0.1, seed: UInt64 = 1, threads: Int = 1, precision: Precision = .float,
    recordSpikes: Bool = false
  ) {
    self.dt = dt
    self.seed = seed
    self.threads = threads
    self.precision = precision
    self.recordSpikes = recordSpikes
  }

  /// The model's suggested settings.
  public init(defaults: RunDefaults, threads: Int = 1, recordSpikes: Bool = false) {
    self.init(dt: defaults.dt, seed: defaults.seed, threads: threads,
              precision: defaults.precision, recordSpikes: recordSpikes)
    spikeRecording = defaults.spikeRecording
    rateRecording = Set(defaults.rateRecording.keys)
    stateRecording = defaults.stateRecording
  }

  public static let maximumThreads = 2
}

/// The step-major executor (DESIGN.md §1): every step, every population advances and
/// every projection delivers the spikes due now.
///
/// ```swift
/// var network = Network(name: "pair")
/// network.add(Population(name: "in", size: 1, model: .spikeGenerator(spikeTimes: [[1.0]])))
/// network.add(Population(name: "out", size: 1, model: .iafPscExp(IafPscExp())))
/// network.connect("in", "out", .allToAll(), weight: .constant(1000), delay: .constant(1))
/// let simulation = try Simulation(network: network, options: SimulationOptions())
/// try simulation.run(duration: 50)
/// print(simulation.spikeCounts)
/// ```
public final class Simulation {
  public let network: Network
  public let options: SimulationOptions
  private let engine: EngineBox

  /// Validates the model, checks that it fits in memory, and builds it.
  public init(network: Network, options: SimulationOptions) throws(ModelError) {
    guard options.dt.isFinite, options.dt > 0 else {
      throw ModelError(field: "dt", problem: "is \(options.dt)", allowed: "> 0 ms")
    }
    guard (1...SimulationOptions.maximumThreads).contains(options.threads) else {
      throw ModelError(field: "threads", problem: "is \(options.threads)",
                       allowed: "1...\(SimulationOptions.maximumThreads)")
    }
    try network.validate()
    guard !network.isLayerGraph else {
      throw ModelError(field: "populations", problem: "'\(network.name)' is a deep-SNN layer graph",
                       allowed: "run it with the Trainer (myelin train)")
    }
    try MemoryEstimate(network: network, options: options).check()
    self.network = network
    self.options = options
    for name in options.spikeRecording.keys.sorted() where network.populationIndex(named: name) == nil {
      throw ModelError(field: "record.spikes", problem: "unknown population '\(name)'",
                       allowed: network.populations.map(\.name).joined(separator: ", "))
    }
    for name in options.rateRecording.sorted() where network.populationIndex(named: name) == nil {
      throw ModelError(field: "record.rates", problem: "unknown population '\(name)'",
                       allowed: network.populations.map(\.name).joined(separator: ", "))
    }
    let recording: [NeuronSelection?] = network.populations.map {
      options.recordSpikes ? .all : options.spikeRecording[$0.name]
    }
    let rates = network.populations.map { options.rateRecording.contains($0.name) }
    var states: [Int: StateRecording] = [:]
    for (name, recording) in options.stateRecording.sorted(by: { $0.key < $1.key }) {
      guard let p = network.populationIndex(named: name) else {
        throw ModelError(field: "record.state", problem: "unknown population '\(name)'",
                         allowed: network.populations.map(\.name).joined(separator: ", "))
      }
      let model = network.populations[p].model
      for variable in recording.variables where !model.stateVariables.contains(variable) {
        throw ModelError(field: "record.state", problem: "\(model.name) has no \(variable.rawValue)",
                         allowed: model.stateVariables.map(\.rawValue).joined(separator: ", "))
      }
      if let bad = recording.neurons.first(where: { $0 < 0 || $0 >= network.populations[p].size }) {
        throw ModelError(field: "record.state", problem: "neuron \(bad) of '\(name)' does not exist",
                         allowed: "0...\(network.populations[p].size - 1)")
      }
      states[p] = recording
    }
    switch options.precision {
    case .float:
      engine = .float(
        try Engine<Float>(
          network: network, dt: options.dt, seed: options.seed, threads: options.threads,
          spikeRecording: recording, rateRecording: rates, stateRecording: states))
    case .double:
      engine = .double(
        try Engine<Double>(
          network: network, dt: options.dt, seed: options.seed, threads: options.threads,
          spikeRecording: recording, rateRecording: rates, stateRecording: states))
    }
  }

  /// Steps simulated so far; the current time is `step · dt`.
  public var step: Int64 { engine.step }
  public var time: Double { Double(engine.step) * options.dt }

  /// Advances by `steps` steps. Runs are resumable: two runs of n steps equal one of 2n.
  public func run(steps: Int) { engine.run(steps: max(steps, 0)) }

  /// Advances by `duration` ms, which must be a whole number of steps.
  public func run(duration: Double) throws(ModelError) {
    run(steps: try steps(forDuration: duration))
  }

  /// The number of steps in `duration` ms, which must be a non-negative multiple of dt.
  public func steps(forDuration duration: Double) throws(ModelError) -> Int {
    let steps = duration / options.dt
    guard duration.isFinite, duration >= 0, abs(steps - steps.rounded()) < 1e-6 else {
      throw ModelError(field: "duration", problem: "\(duration) ms is not a whole number of steps",
                       allowed: "a non-negative multiple of dt = \(options.dt) ms")
    }
    guard steps.rounded() <= maximumStep else {
      throw ModelError(field: "duration", problem: "\(duration) ms is \(steps) steps",
                       allowed: "at most \(maximumStep) steps of dt")
    }
    return Int(steps.rounded())
  }

  /// Spikes emitted so far, per population in model order.
  public var spikeCounts: [Int] { engine.spikeCounts }
  public var eventsDelivered: Int { engine.eventsDelivered }
  public var synapseCount: Int { engine.synapseCount }
  /// Bytes used by synapse storage (indices, weights, delays, row starts) and by the
  /// learning state of plastic projections (transposed index, traces, spike queues).
  public var synapseBytes: Int { engine.synapseBytes }

  /// ``synapseBytes`` of one projection.
  public func synapseBytes(of projection: String) -> Int? {
    guard let p = network.projections.firstIndex(where: { $0.name == projection }) else { return nil }
    return engine.synapseBytes(projection: p)
  }

  /// Every spike of a population so far, if `recordSpikes` was set: steps (time is
  /// step · dt, stamped at the end of the step) and node ids, in emission order.
  public func recordedSpikes(of population: String) -> (steps: [Int64], nodes: [UInt32])? {
    guard let p = network.populationIndex(named: population) else { return nil }
    return engine.recordedSpikes(population: p)
  }

  /// Hands over the spikes recorded since the last call (or the start) for one population
  /// and forgets them: streaming writers call this between runs to keep memory bounded.
  public func takeRecordedSpikes(of population: String) -> (steps: [Int64], nodes: [UInt32])? {
    guard let p = network.populationIndex(named: population) else { return nil }
    return engine.takeSpikes(population: p)
  }

  /// Hands over the population's spike count of every step since the last call, if its
  /// rate is recorded (`rateRecording`).
  public func takeStepCounts(of population: String) -> [Int32]? {
    guard let p = network.populationIndex(named: population) else { return nil }
    return engine.takeCounts(population: p)
  }

  /// The sampled state tracks: population, variable, neurons and interval (steps), in the
  /// order ``takeStateFrames(track:)`` indexes them.
  public var stateTracks: [(population: String, variable: StateVariable, neurons: [Int], interval: Int)] {
    let tracks = engine.stateMonitor?.tracks ?? []
    return tracks.map { (network.populations[$0.population].name, $0.variable, $0.neurons, $0.interval) }
  }

  /// Hands over the frames of track `track` sampled since the last call: frames × neurons,
  /// row-major, in the variable's unit (V_m in mV, currents in pA, conductances in nS).
  public func takeStateFrames(track: Int) -> [Float] {
    engine.stateMonitor?.take(track: track) ?? []
  }

  /// The built synapses of a projection, as NEST's GetConnections gives them: source and
  /// target (local indices), weight (in the target model's unit, negative for inhibitory)
  /// and delay (ms), grouped by source.
  public func synapses(of projection: String) -> SynapseList? {
    guard let p = network.projections.firstIndex(where: { $0.name == projection }) else {
      return nil
    }
    return engine.synapses(projection: p, dt: options.dt)
  }

  /// Current values of a state variable (V_m in mV, currents in pA, conductances in nS).
  public func values(_ variable: StateVariable, of population: String) -> [Double]? {
    guard let p = network.populationIndex(named: population) else { return nil }
    return engine.values(variable, population: p)
  }
}

/// The engine of either precision. Calls go through a switch on concrete types, so the
/// compiler specialises every kernel for Float and Double (a protocol existential would
/// run the unspecialised generic code, about 50 times slower).
enum EngineBox {
  case float(Engine<Float>)
  case double(Engine<Double>)

  var step: Int64 {
    switch self {
    case .float(let e): e.step
    case .double(let e): e.step
    }
  }

  func run(steps: Int) {
    switch self {
    case .float(let e): e.run(steps: steps)
    case .double(let e): e.run(steps: steps)
    }
  }

  var spikeCounts: [Int] {
    switch self {
    case .float(let e): e.populations.map(\.totalSpikes)
    case .double(let e): e.populations.map(\.totalSpikes)
    }
  }

  var eventsDelivered: Int {
    switch self {
    case .float(let e): e.eventsDelivered
    case .double(let e): e.eventsDelivered
    }
  }

  var synapseCount: Int {
    switch self {
    case .float(let e): e.synapseCount
    case .double(let e): e.synapseCount
    }
  }

  var synapseBytes: Int {
    switch self {
    case .float(let e): e.projections.indices.reduce(0) { $0 + e.synapseBytes(projection: $1) }
    case .double(let e): e.projections.indices.reduce(0) { $0 + e.synapseBytes(projection: $1) }
    }
  }

  func synapseBytes(projection: Int) -> Int {
    switch self {
    case .float(let e): e.synapseBytes(projection: projection)
    case .double(let e): e.synapseBytes(projection: projection)
    }
  }

  func recordedSpikes(population: Int) -> (steps: [Int64], nodes: [UInt32])? {
    return monitor.map { ($0.steps[population], $0.nodes[population]) }
  }

  /// The monitors hold no scalar state, so one accessor serves both precisions.
  var monitor: SpikeMonitor? {
    switch self {
    case .float(let e): e.monitor
    case .double(let e): e.monitor
    }
  }

  var stateMonitor: StateMonitor? {
    switch self {
    case .float(let e): e.stateMonitor
    case .double(let e): e.stateMonitor
    }
  }

  func takeCounts(population: Int) -> [Int32]? {
    return monitor?.takeCounts(population: population)
  }

  func takeSpikes(population: Int) -> (steps: [Int64], nodes: [UInt32])? {
    return monitor?.take(population: population)
  }

  func synapses(projection: Int, dt: Double) -> SynapseList {
    switch self {
    case .float(let e): e.synapses(projection: projection, dt: dt)
    case .double(let e): e.synapses(projection: projection, dt: dt)
    }
  }

  func values(_ variable: StateVariable, population: Int) -> [Double]? {
    switch self {
    case .float(let e): e.populations[population].values(variable)
    case .double(let e): e.populations[population].values(variable)
    }
  }
}
