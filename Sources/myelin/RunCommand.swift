// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore
import MyelinTraces
import Synchronization

/// Set by SIGINT or SIGTERM; the run loop stops at the next chunk boundary.
let interruption = Atomic<Bool>(false)

/// `myelin run MODEL.json`: build, simulate, record, summarise.
struct RunCommand {
  let arguments: Arguments

  init(_ words: [String]) throws(CLIError) {
    arguments = try Arguments(
      words,
      valued: ["--duration", "--dt", "--seed", "--threads", "--precision", "--spikes-csv",
               "--output", "--flush-interval", "--rates"],
      switches: ["--json", "--help", "--force", "--record-all", "--compress"])
  }

  func execute() throws {
    if arguments.flag("--help") {
      print(Help.run)
      return
    }
    guard arguments.positional.count == 1, let path = arguments.positional.first else {
      throw CLIError(arguments.positional.isEmpty
        ? "run needs a model file (myelin run MODEL.json)"
        : "run takes one model file, got \(arguments.positional.count) arguments")
    }
    let network = try ModelFile.load(path: path)
    var options = SimulationOptions(defaults: network.defaults)
    if let dt = try arguments.double("--dt") { options.dt = dt }
    if let seed = try arguments.integer("--seed", in: 0...Int.max) { options.seed = UInt64(seed) }
    if let threads = try arguments.integer("--threads", in: 1...SimulationOptions.maximumThreads) {
      options.threads = threads
    }
    if let name = arguments.string("--precision") {
      guard let precision = Precision(rawValue: name) else {
        throw CLIError("invalid value '\(name)' for '--precision': expected float or double")
      }
      options.precision = precision
    }
    let duration = try arguments.double("--duration", positive: false) ?? network.defaults.duration
    let flushInterval = try arguments.double("--flush-interval") ?? 1.0
    let csv = try arguments.string("--spikes-csv").map { try SpikeCSV(path: $0) }
    // What to record: the model's "record" section, or everything with --record-all,
    // --spikes-csv or an --output without a record section.
    let output = arguments.string("--output")
    if arguments.flag("--record-all") || csv != nil
      || (output != nil && options.spikeRecording.isEmpty)
    {
      options.spikeRecording = Dictionary(uniqueKeysWithValues: network.populations.map { ($0.name, .all) })
    }
    var rateBins = network.defaults.rateRecording
    if let bin = try arguments.double("--rates") {
      for population in network.populations { rateBins[population.name] = bin }
    }
    options.rateRecording = Set(rateBins.keys)
    let recorded = network.populations.map(\.name).filter { options.spikeRecording[$0] != nil }
    let rated = network.populations.map(\.name).filter { rateBins[$0] != nil }
    let reports = Self.reports(network, options: options)
    let weightRecording = try Self.weightRecording(network, path: path)
    let snapshotSteps = weightRecording.map { _, recording in
      recording.interval.map { Int(min(max(($0 / options.dt).rounded(), 1), 1e12)) } ?? 0
    }
    let wantsTrace = !(recorded.isEmpty && rated.isEmpty && reports.isEmpty && weightRecording.isEmpty)
      && (output != nil || csv == nil)
    var trace: TraceWriter?
    // The trace is created once the simulation has accepted the model and its record
    // section, so a rejected run leaves no file behind.
    let openTrace = { (simulation: Simulation) throws in
      guard wantsTrace else { return }
      let counts = Dictionary(uniqueKeysWithValues: network.populations.map { population in
        (population.name, (options.spikeRecording[population.name] ?? .all).count(size: population.size))
      })
      trace = try TraceWriter(
        path: try output ?? Self.defaultTracePath(model: network.name), overwrite: arguments.flag("--force"),
        metadata: Self.metadata(network, options: options, modelPath: path), spikes: recorded,
        recordedNeurons: counts, rates: rateBins, reports: reports,
        weights: try Self.weightSpecs(weightRecording, simulation: simulation, path: path),
        compress: arguments.flag("--compress"))
      for k in weightRecording.indices where snapshotSteps[k] > 0 {
        try trace?.appendWeightSnapshot(k, step: 0, weights: simulation.synapses(of: weightRecording[k].0)?.weights ?? [])
      }
    }
    Self.installInterruptHandlers()

    let clock = ContinuousClock()
    let started = clock.now
    var lastFlush = clock.now
    let outcome: RunOutcome
    do {
      outcome = try RunOutcome.measure(
        network: network, options: options, duration: duration,
        interrupted: { interruption.load(ordering: .relaxed) }, boundaries: snapshotSteps, prepare: openTrace
      ) { simulation in
        for k in weightRecording.indices where snapshotSteps[k] > 0 && simulation.step % Int64(snapshotSteps[k]) == 0 {
          try trace?.appendWeightSnapshot(
            k, step: simulation.step, weights: simulation.synapses(of: weightRecording[k].0)?.weights ?? [])
        }
        for name in recorded {
          guard let (steps, nodes) = simulation.takeRecordedSpikes(of: name) else { continue }
          try trace?.appendSpikes(of: name, steps: steps, nodes: nodes)
          try csv?.append(name, steps: steps, nodes: nodes, dt: options.dt)
        }
        for name in rated {
          try trace?.appendStepCounts(of: name, simulation.takeStepCounts(of: name) ?? [])
        }
        for k in reports.indices {
          try trace?.appendFrames(report: k, simulation.takeStateFrames(track: k))
        }
        if let trace, (clock.now - lastFlush).seconds >= flushInterval {
          try trace.checkpoint(timeReached: simulation.time, wallTime: (clock.now - started).seconds)
          lastFlush = clock.now
        }
      }
    } catch let error as ModelError {
      throw error.file == nil ? error.inFile(path) : error
    }
    try csv?.flush()
    for (k, (name, _)) in weightRecording.enumerated() {
      try trace?.writeFinalWeights(k, outcome.simulation.synapses(of: name)?.weights ?? [])
    }
    try trace?.finish(
      timeReached: outcome.simulation.time, wallTime: (clock.now - started).seconds,
      complete: !outcome.interrupted)
    if arguments.flag("--json") {
      print(outcome.json(file: path, trace: trace?.path))
    } else {
      print(outcome.table(file: path, trace: trace?.path))
    }
    if outcome.interrupted {
      throw Interrupted(timeReached: outcome.simulation.time)
    }
  }

  /// One report per sampled (population, variable), in the order the simulation's state
  /// tracks come (populations in model order, then variables as listed).
  static func reports(_ network: Network, options: SimulationOptions) -> [ReportSpec] {
    var out: [ReportSpec] = []
    for population in network.populations {
      guard let recording = options.stateRecording[population.name] else { continue }
      let steps = recording.interval.isFinite ? max((recording.interval / options.dt).rounded(), 1) : 1
      for variable in recording.variables {
        let units = switch variable {
          case .V_m: "mV"
          case .I_syn_ex, .I_syn_in: "pA"
          case .g_ex, .g_in: "nS"
        }
        out.append(ReportSpec(
          population: population.name, variable: variable.rawValue, nodeIDs: recording.neurons,
          interval: min(steps, 1e9) * options.dt, units: units))
      }
    }
    return out
  }

  /// The projections whose weights go into the trace: those the record section names, and
  /// every plastic projection (final weights at least), in model order.
  static func weightRecording(_ network: Network, path: String) throws -> [(String, WeightRecording)] {
    for name in network.defaults.weightRecording.keys.sorted() where !network.projections.contains(where: { $0.name == name }) {
      throw ModelError(field: "record.weights", problem: "unknown projection '\(name)'",
                       allowed: network.projections.map(\.name).joined(separator: ", ")).inFile(path)
    }
    return network.projections.compactMap { projection in
      if let recording = network.defaults.weightRecording[projection.name] { return (projection.name, recording) }
      return projection.plasticity == nil ? nil : (projection.name, WeightRecording())
    }
  }

  static func weightSpecs(_ recordings: [(String, WeightRecording)], simulation: Simulation, path: String) throws
    -> [WeightSpec]
  {
    for (name, _) in recordings where name.isEmpty || name.contains("/") || name == "." || name == ".." {
      throw ModelError(field: "projections.name", problem: "'\(name)' cannot name the group /weights/<projection> in the trace",
                       allowed: "a non-empty name without '/'").inFile(path)
    }
    return try recordings.map { name, recording in
      guard let synapses = simulation.synapses(of: name),
        let projection = simulation.network.projections.first(where: { $0.name == name }),
        let target = simulation.network.populations.first(where: { $0.name == projection.target })
      else { throw CLIError("no projection '\(name)'") }
      let ids = recording.interval == nil ? []
        : try recording.synapses.ids(total: synapses.sources.count, field: "record.weights[\(name)].synapses")
      let bounds = projection.plasticity.map { p in (min: p.rule.bounds.wMin, max: p.rule.bounds.wMax) }
      return WeightSpec(projection: name, sources: synapses.sources, targets: synapses.targets, snapshotIDs: ids,
                        units: target.model.weightUnit, rule: projection.plasticity?.rule.name ?? "static",
                        bounds: bounds)
    }
  }

  /// `traces/<model>-<UTC time>.h5`, creating `traces/` if needed and adding -2, -3… when
  /// a run of the same second already took the name.
  static func defaultTracePath(model: String) throws -> String {
    let formatter = DateFormatter()
    formatter.dateFormat = "yyyyMMdd-HHmmss"
    formatter.timeZone = TimeZone(identifier: "UTC")
    do {
      try FileManager.default.createDirectory(atPath: "traces", withIntermediateDirectories: true)
    } catch {
      throw CLIError("cannot create the folder 'traces' for the trace (use --output FILE.h5)")
    }
    let stem = "traces/\(model)-\(formatter.string(from: Date()))"
    var path = stem + ".h5"
    var k = 2
    while FileManager.default.fileExists(atPath: path) {
      path = "\(stem)-\(k).h5"
      k += 1
    }
    return path
  }

  static func metadata(_ network: Network, options: SimulationOptions, modelPath: String) -> TraceMetadata {
    let text = FileManager.default.contents(atPath: modelPath).flatMap { String(data: $0, encoding: .utf8) } ?? ""
    return TraceMetadata(
      modelName: network.name, modelText: text,
      command: CommandLine.arguments.joined(separator: " "), dt: options.dt, seed: options.seed,
      populations: network.populations.map { .init(name: $0.name, size: $0.size, model: $0.model.name) },
      simulator: "myelin \(Myelin.version)")
  }

  /// SIGINT and SIGTERM set ``interruption``; an atomic store is async-signal-safe. Both
  /// signals are also unblocked: a parent may hand down a mask that blocks them (seen with
  /// test runners), and threads started later inherit this thread's mask.
  static func installInterruptHandlers() {
    var mask = sigset_t()
    sigemptyset(&mask)
    for sig in [SIGINT, SIGTERM] {
      signal(sig) { _ in interruption.store(true, ordering: .relaxed) }
      sigaddset(&mask, sig)
    }
    pthread_sigmask(SIG_UNBLOCK, &mask, nil)
  }
}

/// The run stopped early on SIGINT or SIGTERM; the CLI exits with 130.
struct Interrupted: Error, CustomStringConvertible {
  let timeReached: Double
  var description: String { "interrupted at \(timeReached) ms; the trace is closed with complete = 0" }
}
