// SPDX-License-Identifier: Apache-2.0

/// The run-time state of one population: structure-of-arrays storage, its ring buffer of
/// delayed input, and the spike lists of the last two steps.
///
/// Storage is allocated once, here, and freed in `deinit`. Threads write disjoint neuron
/// ranges of it (see Partition), which Swift arrays cannot express, hence raw pointers.
final class PopulationState<S: SimulationScalar>: @unchecked Sendable {
  enum Dynamics {
    case pscExp(PscExpPropagators<S>)
    case pscDelta(p33: S, p30: S, vMin: S)
    case condExp(CondExpConstants<S>)
    case poisson(PoissonSource)
    case spikeGenerator
  }

  let index: Int
  let name: String
  let size: Int
  let model: NeuronModel
  let dynamics: Dynamics
  /// V_m is stored relative to E_L for the current-based models, as NEST does.
  let vOffset: Double
  let threshold: S
  let reset: S
  let refractorySteps: Int32

  let v: UnsafeMutablePointer<S>
  /// I_syn_ex / g_ex and I_syn_in / g_in.
  let a: UnsafeMutablePointer<S>
  let b: UnsafeMutablePointer<S>
  /// Refractory neurons and their remaining steps; part t uses the slots from its range's
  /// lower bound, and `refractoryCount[t]` of them are in use.
  let refractoryIndex: UnsafeMutablePointer<Int32>
  let refractoryLeft: UnsafeMutablePointer<Int32>
  let refractoryCount: UnsafeMutablePointer<Int>

  /// Delayed input: `slots` slots of `channels · size` values (excitatory, then inhibitory).
  private(set) var ring: UnsafeMutablePointer<S>
  private(set) var slots: Int
  let channels: Int
  var stride: Int { channels * size }

  /// Spike lists for steps of parity 0 and 1; part t writes from its range's lower bound.
  let spikes: UnsafeMutablePointer<Int32>
  /// Spike count per (parity, part), at index parity · parts + part.
  let spikeCounts: UnsafeMutablePointer<Int>
  /// Spikes emitted so far, per part.
  let spikeTotals: UnsafeMutablePointer<Int>
  let partition: Partition

  /// Scratch for Poisson counts and lists of neurons; each part uses its own range.
  let counts: UnsafeMutablePointer<Int32>
  /// Where delivery stores the values it loads only to warm the cache (never read): one
  /// cache line per part, so that threads never share one.
  func sink(part: Int) -> UnsafeMutablePointer<UInt32> { sinkStorage + 16 * part }
  private let sinkStorage: UnsafeMutablePointer<UInt32>
  /// Scratch values, one per neuron; each part uses its own range.
  let scratch: UnsafeMutablePointer<S>
  let current: CurrentSchedule
  let poissonInputs: [PoissonDrive<S>]
  /// Spike generator events per part, sorted by emitting step, and each part's cursor.
  private var generatorEvents: [[(step: Int64, neuron: Int32)]]
  private let generatorCursor: UnsafeMutablePointer<Int>

  init(
    _ population: Population, index: Int, dt: Double, partition: Partition, philox: Philox
  ) throws(ModelError) {
    let field = "populations[\(index)]"
    self.index = index
    name = population.name
    size = population.size
    model = population.model
    self.partition = partition
    channels = max(population.model.receptorChannels, 1)
    var vOffset = 0.0, threshold = 0.0, reset = 0.0, tRef = 0.0
    switch population.model {
    case .iafPscExp(let p):
      vOffset = p.E_L
      threshold = p.V_th - p.E_L
      reset = p.V_reset - p.E_L
      tRef = p.t_ref
      dynamics = .pscExp(Self.propagators(p, dt: dt))
    case .iafPscDelta(let p):
      vOffset = p.E_L
      threshold = p.V_th - p.E_L
      reset = p.V_reset - p.E_L
      tRef = p.t_ref
      dynamics = .pscDelta(
        p33: S(_exp(-dt / p.tau_m)), p30: S(-p.tau_m / p.C_m * _expm1(-dt / p.tau_m)),
        vMin: S(p.V_min - p.E_L))
    case .iafCondExp(let p):
      threshold = p.V_th
      reset = p.V_reset
      tRef = p.t_ref
      dynamics = .condExp(
        CondExpConstants(
          h: S(dt), gL: S(p.g_L), eL: S(p.E_L), eEx: S(p.E_ex), eIn: S(p.E_in),
          invC: S(1 / p.C_m), halfEx: S(_exp(-dt / 2 / p.tau_syn_ex)),
          fullEx: S(_exp(-dt / p.tau_syn_ex)), halfIn: S(_exp(-dt / 2 / p.tau_syn_in)),
          fullIn: S(_exp(-dt / p.tau_syn_in)), tauEx: p.tau_syn_ex, tauIn: p.tau_syn_in))
    case .poissonGenerator(let rate):
      let perStep = rate * dt / 1000
      guard perStep <= 1 else {
        throw ModelError(field: field + ".rate",
                         problem: "\(rate) Hz gives \(perStep) spikes per step",
                         allowed: "rate * dt <= 1 spike per step; use a Poisson stimulus for more")
      }
      dynamics = .poisson(
        PoissonSource(size: population.size, perStep: perStep, philox: philox, stream: RandomStream.generator(index)))
    case .spikeGenerator:
      dynamics = .spikeGenerator
    case .lifNode, .readout, .sum, .input:
      // Simulation.init refuses layer graphs before any state is built.
      throw ModelError(field: field + ".model", problem: "\(population.model.name) is a deep-SNN node",
                       allowed: "run it with the Trainer (myelin train)")
    }
    self.vOffset = vOffset
    self.threshold = S(threshold)
    self.reset = S(reset)
    guard self.threshold.isFinite, self.reset.isFinite else {
      throw ModelError(field: field + ".params", problem: "V_th or V_reset is too large for the run's precision",
                       allowed: "finite values")
    }
    // In the run's precision the reset must still lie below the threshold, or a clamped
    // neuron would fire every step.
    guard model.isSource || self.reset < self.threshold else {
      throw ModelError(field: field + ".params.V_reset",
                       problem: "equals V_th in \(S.self == Float.self ? "float" : "double") precision",
                       allowed: "V_reset clearly below V_th")
    }
    // NEST counts refractory steps by rounding t_ref up to the grid.
    let steps = (tRef / dt - 1e-9).rounded(.up)
    guard steps <= Double(Int32.max) else {
      throw ModelError(field: field + ".params.t_ref", problem: "\(tRef) ms is \(steps) steps",
                       allowed: "at most \(Int32.max) steps of dt")
    }
    refractorySteps = Int32(max(steps, 0))
    current = try CurrentSchedule(population, field: field, dt: dt)
    guard current.largestMagnitude < Double(S.greatestFiniteMagnitude) else {
      throw ModelError(field: field + ".stimuli", problem: "currents add up to more than the run's precision holds",
                       allowed: "finite values in the run's precision")
    }
    var drives: [PoissonDrive<S>] = []
    for (k, stimulus) in population.stimuli.enumerated() {
      guard case .poisson(let rate, let weight) = stimulus else { continue }
      drives.append(
        try PoissonDrive(
          rate: rate, weight: weight, dt: dt, model: population.model, size: population.size,
          stream: RandomStream.stimulus(index, k), field: "\(field).stimuli[\(k)]"))
    }
    poissonInputs = drives

    v = .allocate(capacity: size)
    counts = .allocate(capacity: size)
    counts.initialize(repeating: 0, count: size)
    sinkStorage = .allocate(capacity: 16 * partition.parts)
    sinkStorage.initialize(repeating: 0, count: 16 * partition.parts)
    scratch = .allocate(capacity: size)
    scratch.initialize(repeating: 0, count: size)
    a = .allocate(capacity: size)
    b = .allocate(capacity: size)
    refractoryIndex = .allocate(capacity: size)
    refractoryIndex.initialize(repeating: 0, count: size)
    refractoryLeft = .allocate(capacity: size)
    refractoryLeft.initialize(repeating: 0, count: size)
    refractoryCount = .allocate(capacity: partition.parts)
    refractoryCount.initialize(repeating: 0, count: partition.parts)
    slots = 1
    ring = .allocate(capacity: channels * size)
    ring.initialize(repeating: 0, count: channels * size)
    spikes = .allocate(capacity: 2 * size)
    spikes.initialize(repeating: 0, count: 2 * size)
    spikeCounts = .allocate(capacity: 2 * partition.parts)
    spikeCounts.initialize(repeating: 0, count: 2 * partition.parts)
    spikeTotals = .allocate(capacity: partition.parts)
    spikeTotals.initialize(repeating: 0, count: partition.parts)
    generatorEvents = []
    generatorCursor = .allocate(capacity: partition.parts)
    generatorCursor.initialize(repeating: 0, count: partition.parts)
    a.initialize(repeating: 0, count: size)
    b.initialize(repeating: 0, count: size)
    v.initialize(repeating: 0, count: size)
    try initializeState(population, philox: philox, field: field)
    if case .spikeGenerator(let times) = population.model {
      generatorEvents = try Self.schedule(times, field: field, dt: dt, partition: partition)
    }
  }

  deinit {
    v.deallocate()
    counts.deallocate()
    scratch.deallocate()
    sinkStorage.deallocate()
    a.deallocate()
    b.deallocate()
    refractoryIndex.deallocate()
    refractoryLeft.deallocate()
    refractoryCount.deallocate()
    ring.deallocate()
    spikes.deallocate()
    spikeCounts.deallocate()
    spikeTotals.deallocate()
    generatorCursor.deallocate()
  }

  /// NEST's exact propagators for iaf_psc_exp, computed in double precision.
  static func propagators(_ p: IafPscExp, dt h: Double) -> PscExpPropagators<S> {
    func p21(_ tauSyn: Double) -> Double {
      // V's response to a unit synaptic current: tau_s·tau_m/(C (tau_m − tau_s)) ·
      // (e^{−h/tau_m} − e^{−h/tau_s}), written with expm1 to stay accurate. When the two
      // time constants (nearly) meet, the formula cancels catastrophically; then the limit
      // h/C·e^{−h/tau} is used, switching where the formula strays from the limit by more
      // than twice the first-order correction, as NEST does.
      let singular = h / p.C_m * _exp(-h / p.tau_m)
      if tauSyn == p.tau_m { return singular }
      let value = -p.tau_m / (p.C_m * (1 - p.tau_m / tauSyn)) * _exp(-h / tauSyn)
        * _expm1(h * (1 / tauSyn - 1 / p.tau_m))
      let linear = h * h * (tauSyn - p.tau_m) * _exp(-h / p.tau_m) / (2 * p.C_m * p.tau_m * p.tau_m)
      let unstable = abs(p.tau_m - tauSyn) < 0.1 && abs(value - singular) > 2 * abs(linear)
      return value.isFinite && !unstable ? value : singular
    }
    return PscExpPropagators(
      p22: S(_exp(-h / p.tau_m)), p21ex: S(p21(p.tau_syn_ex)), p21in: S(p21(p.tau_syn_in)),
      p20: S(-p.tau_m / p.C_m * _expm1(-h / p.tau_m)), p11ex: S(_exp(-h / p.tau_syn_ex)),
      p11in: S(_exp(-h / p.tau_syn_in)))
  }

  private func initializeState(_ population: Population, philox: Philox, field: String)
    throws(ModelError)
  {
    let targets: [(StateVariable, UnsafeMutablePointer<S>, Double)] = [
      (.V_m, v, vOffset), (.I_syn_ex, a, 0), (.g_ex, a, 0), (.I_syn_in, b, 0), (.g_in, b, 0),
    ]
    for (k, (variable, storage, offset)) in targets.enumerated() {
      guard population.model.stateVariables.contains(variable) else { continue }
      let rest = population.model.restingValue(variable)
      let stream = RandomStream.initial(index, k)
      for n in 0..<size {
        let value: Double
        switch population.initial[variable] {
        case nil: value = rest
        case .array(let values): value = values[n]
        case .distribution(let law):
          var random = RandomSequence(philox: philox, stream: stream, wideIndex: n)
          value = law.sample(&random)
        }
        storage[n] = S(value - offset)
        guard storage[n].isFinite else {
          throw ModelError(field: "\(field).initial.\(variable.rawValue)",
                           problem: "neuron \(n) starts at \(value)",
                           allowed: "a finite value in the run's precision")
        }
      }
    }
  }

  /// Grows the ring buffer so that delays up to `maxDelay` steps fit (slots = max + 1).
  func reserveDelay(_ maxDelay: Int) {
    guard maxDelay + 1 > slots else { return }
    let grown = UnsafeMutablePointer<S>.allocate(capacity: (maxDelay + 1) * stride)
    grown.initialize(repeating: 0, count: (maxDelay + 1) * stride)
    ring.deallocate()
    ring = grown
    slots = maxDelay + 1
  }

  /// Sorted (step, neuron) emission events per part; a spike at t is stamped t, so it is
  /// emitted in the step that ends at t.
  private static func schedule(
    _ times: [[Double]], field: String, dt: Double, partition: Partition
  ) throws(ModelError) -> [[(step: Int64, neuron: Int32)]] {
    var events = [[(step: Int64, neuron: Int32)]](repeating: [], count: partition.parts)
    for (n, list) in times.enumerated() {
      var seen = Set<Int64>()
      for (k, t) in list.enumerated() {
        let position = (t / dt).rounded()
        guard position <= maximumStep else {
          throw ModelError(field: "\(field).spike_times[\(n)][\(k)]", problem: "\(t) ms is too late",
                           allowed: "at most \(maximumStep) steps of dt")
        }
        let stamp = Int64(position)
        guard stamp >= 1 else {
          throw ModelError(field: "\(field).spike_times[\(n)][\(k)]",
                           problem: "\(t) ms rounds to step 0", allowed: ">= dt = \(dt) ms")
        }
        guard seen.insert(stamp).inserted else {
          throw ModelError(field: "\(field).spike_times[\(n)][\(k)]",
                           problem: "\(t) ms falls on the same step as another spike",
                           allowed: "at most one spike per neuron and step")
        }
        events[partition.part(of: n, size: times.count)].append((stamp - 1, Int32(n)))
      }
    }
    return events.map { $0.sorted { ($0.step, $0.neuron) < ($1.step, $1.neuron) } }
  }

  /// Emits the spike generator's events due at `step` for one part; returns the count.
  func emitScheduled(part: Int, step: Int64, into list: UnsafeMutablePointer<Int32>) -> Int {
    let events = generatorEvents[part]
    var cursor = generatorCursor[part]
    while cursor < events.count && events[cursor].step < step { cursor += 1 }
    var count = 0
    while cursor < events.count && events[cursor].step == step {
      list[count] = events[cursor].neuron
      count += 1
      cursor += 1
    }
    generatorCursor[part] = cursor
    return count
  }

  /// Where a state variable is stored, and what to add to read it in its natural unit.
  func storage(of variable: StateVariable) -> (UnsafeMutablePointer<S>, Double) {
    switch variable {
    case .V_m: (v, vOffset)
    case .I_syn_ex, .g_ex: (a, 0)
    case .I_syn_in, .g_in: (b, 0)
    }
  }

  /// Reads a state variable in its natural unit (V_m absolute, in mV).
  func values(_ variable: StateVariable) -> [Double]? {
    guard model.stateVariables.contains(variable) else { return nil }
    let (storage, offset) = storage(of: variable)
    return (0..<size).map { Double(storage[$0]) + offset }
  }

  var totalSpikes: Int { (0..<partition.parts).reduce(0) { $0 + spikeTotals[$1] } }
}
