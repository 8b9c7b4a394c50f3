// SPDX-License-Identifier: Apache-2.0

/// The step-major executor's machinery for one scalar type. ``Simulation`` wraps it.
///
/// Threads: part t owns neuron range t of every population (state, ring-buffer columns,
/// spike-list segment) and the synapses onto those neurons. Per step there is one barrier,
/// after *emit*, so that every part sees every spike before *deliver*. Spike lists are
/// double-buffered by step parity, so a fast thread writing step j+1 never overwrites the
/// list a slow one is still delivering for step j. Each target's inputs are summed in the
/// same order whatever the thread count, hence bit-identical results.
final class Engine<S: SimulationScalar>: @unchecked Sendable {
  let populations: [PopulationState<S>]
  let projections: [ProjectionState<S>]
  let partition: Partition
  let philox: Philox
  private let barrier: SpinBarrier
  private(set) var step: Int64 = 0
  /// Synaptic events delivered by each part.
  private let events: UnsafeMutablePointer<Int>
  let monitor: SpikeMonitor?
  let stateMonitor: StateMonitor?
  /// Learning state of the plastic projections, in model order.
  let plastic: [PlasticProjection<S>]
  /// Threads for parts 1..., started at the first run and kept until the engine goes.
  private var workers: [WorkerThread] = []
  /// The populations and projections again, as unretained references: the step loop runs on
  /// two threads, and retaining a shared object from both bounces its header's cache line,
  /// which held the hot pointers too (measured: 2 threads were only 1.3× faster). The
  /// arrays above keep every object alive for the engine's lifetime.
  private let populationRefs: UnsafeMutableBufferPointer<Unmanaged<PopulationState<S>>>
  private let projectionRefs: UnsafeMutableBufferPointer<Unmanaged<ProjectionState<S>>>
  /// Projection indices grouped by source population (model order within a group): those
  /// of population p are `outgoingList[outgoingStart[p]..<outgoingStart[p + 1]]`.
  private let outgoingList: UnsafeMutableBufferPointer<Int>
  private let outgoingStart: UnsafeMutableBufferPointer<Int>

  init(
    network: Network, dt: Double, seed: UInt64, threads: Int, spikeRecording: [NeuronSelection?],
    rateRecording: [Bool], stateRecording: [Int: StateRecording] = [:]
  ) throws(ModelError) {
    partition = Partition(parts: threads)
    philox = Philox(seed: seed)
    barrier = SpinBarrier(parties: threads)
    var populations: [PopulationState<S>] = []
    for (i, population) in network.populations.enumerated() {
      populations.append(
        try PopulationState<S>(population, index: i, dt: dt, partition: partition, philox: philox))
    }
    var projections: [ProjectionState<S>] = []
    for (i, projection) in network.projections.enumerated() {
      let built = try ProjectionState<S>(
        projection, index: i, network: network, partition: partition, dt: dt, philox: philox)
      populations[built.target].reserveDelay(built.maxDelay)
      projections.append(built)
    }
    self.populations = populations
    self.projections = projections
    var plastic: [PlasticProjection<S>] = []
    for (i, projection) in network.projections.enumerated() {
      guard let plasticity = projection.plasticity else { continue }
      plastic.append(
        try PlasticProjection(projections[i], index: i, plasticity: plasticity, network: network, dt: dt,
                              partition: partition))
    }
    self.plastic = plastic
    // Projections grouped by source population, in model order.
    let outgoing = populations.indices.map { p in projections.indices.filter { projections[$0].source == p } }
    events = .allocate(capacity: threads)
    events.initialize(repeating: 0, count: threads)
    populationRefs = .allocate(capacity: populations.count)
    _ = populationRefs.initialize(from: populations.map { Unmanaged.passUnretained($0) })
    projectionRefs = .allocate(capacity: projections.count)
    _ = projectionRefs.initialize(from: projections.map { Unmanaged.passUnretained($0) })
    let flat = outgoing.flatMap { $0 }
    outgoingList = .allocate(capacity: max(flat.count, 1))
    _ = outgoingList.initialize(from: flat)
    var starts = [0]
    for list in outgoing { starts.append(starts[starts.count - 1] + list.count) }
    outgoingStart = .allocate(capacity: starts.count)
    _ = outgoingStart.initialize(from: starts)
    stateMonitor = stateRecording.isEmpty ? nil
      : StateMonitor(recordings: stateRecording, sizes: populations.map(\.size), partition: partition, dt: dt)
    monitor = spikeRecording.contains { $0 != nil } || rateRecording.contains(true)
      ? SpikeMonitor(selections: spikeRecording, sizes: populations.map(\.size), rates: rateRecording)
      : nil
  }

  deinit {
    for worker in workers { worker.stop() }
    events.deallocate()
    populationRefs.deallocate()
    projectionRefs.deallocate()
    outgoingList.deallocate()
    outgoingStart.deallocate()
  }

  /// Synapse storage of a projection plus its learning state, in bytes.
  func synapseBytes(projection index: Int) -> Int {
    projections[index].bytes + (plastic.first { $0.projection == index }?.bytes ?? 0)
  }

  /// The synapses of a projection as they are now (plastic weights included).
  func synapses(projection index: Int, dt: Double) -> SynapseList {
    let projection = projections[index]
    guard let learning = plastic.first(where: { $0.projection == index }) else {
      return projection.list(dt: dt, populations: populations)
    }
    let now = step
    return projection.list(dt: dt, populations: populations) { part, source, k in
      learning.currentWeight(part: part, source: source, synapse: k,
                             target: Int(projection.parts[part].target[k]), now: now)
    }
  }

  var eventsDelivered: Int { (0..<partition.parts).reduce(0) { $0 + events[$1] } }
  var synapseCount: Int { projections.reduce(0) { $0 + $1.count } }

  /// Advances `steps` steps, on as many threads as there are parts.
  func run(steps: Int) {
    guard steps > 0 else { return }
    let first = step
    defer { step = first + Int64(steps) }
    let all = 0..<partition.parts
    if partition.parts > 1 {
      if workers.isEmpty {
        workers = (1..<partition.parts).compactMap { _ in WorkerThread() }
        if workers.count < partition.parts - 1 {
          for worker in workers { worker.stop() }
          workers = []
        }
      }
      if !workers.isEmpty {
        for (offset, worker) in workers.enumerated() {
          let part = offset + 1
          worker.submit {
            for j in 0..<Int64(steps) { self.advance(parts: part..<part + 1, step: first + j) }
          }
        }
        for j in 0..<Int64(steps) { advance(parts: 0..<1, step: first + j) }
        for worker in workers { worker.wait() }
        return
      }
      // No thread could be started: run every part here, phase by phase, which gives the
      // same results.
    }
    for j in 0..<Int64(steps) { advance(parts: all, step: first + j, synchronized: false) }
  }

  /// One step of the given parts, phase by phase in the order ``Phase`` defines. A thread
  /// running one part of several synchronises with the others after *emit*.
  @inline(__always)
  func advance(parts: Range<Int>, step: Int64, synchronized: Bool = true) {
    for phase in Phase.allCases {
      switch phase {
      case .integrate:
        for part in parts {
          for ref in populationRefs {
            ref._withUnsafeGuaranteedRef { integrate($0, part: part, step: step) }
          }
        }
      case .emit:
        for part in parts {
          for ref in populationRefs {
            ref._withUnsafeGuaranteedRef { emit($0, part: part, step: step) }
          }
        }
        // Every part's spikes of this step are visible after this point.
        if synchronized && partition.parts > 1 { barrier.wait() }
      case .deliver:
        for part in parts {
          var delivered = 0
          for (s, source) in populationRefs.enumerated() {
            for k in outgoingStart[s]..<outgoingStart[s + 1] {
              delivered += projectionRefs[outgoingList[k]]._withUnsafeGuaranteedRef { projection in
                source._withUnsafeGuaranteedRef { source in
                  deliver(projection, from: source, part: part, step: step)
                }
              }
            }
          }
          events[part] += delivered
        }
      case .learn:
        for learning in plastic {
          for part in parts {
            learning.learn(
              part: part, step: step, source: populations[learning.source], target: populations[learning.target],
              modulator: learning.modulator.map { populations[$0] }, matrix: projections[learning.projection].parts[part],
              partition: partition)
          }
        }
      case .record:
        if parts.contains(0), let monitor { monitor.record(populations, step: step) }
        if let stateMonitor {
          for part in parts { stateMonitor.record(populations, part: part, step: step) }
        }
      }
    }
  }

  /// Reads slot j+1 (the input due at the end of this step) and advances the neurons.
  @inline(__always)
  private func integrate(_ pop: PopulationState<S>, part: Int, step: Int64) {
    let range = partition.range(part: part, size: pop.size)
    let slot = pop.ring + Int((step + 1) % Int64(pop.slots)) * pop.stride
    for drive in pop.poissonInputs {
      drive.add(
        into: slot, lo: range.lowerBound, hi: range.upperBound, step: step, philox: philox,
        counts: pop.counts)
    }
    let current = S(pop.current.value(at: step))
    switch pop.dynamics {
    case .pscExp(let p):
      IntegrateKernels.pscExp(
        v: pop.v, iEx: pop.a, iIn: pop.b, inEx: slot, inIn: slot + pop.size,
        lo: range.lowerBound, hi: range.upperBound, p: p, current: current)
    case .pscDelta(let p33, let p30, let vMin):
      IntegrateKernels.pscDelta(
        v: pop.v, input: slot, lo: range.lowerBound, hi: range.upperBound, p33: p33, p30: p30,
        current: current, vMin: vMin)
    case .condExp(let c):
      let lo = range.lowerBound, hi = range.upperBound
      // Vector scans find the neurons that may be stiff (rare); their potential is saved.
      let candidates = pop.counts + lo
      let count = StiffNeurons.find(
        gEx: pop.a, gIn: pop.b, lo: lo, hi: hi, limit: c.stiffConductance, into: candidates)
      for k in 0..<count { pop.scratch[lo + k] = pop.v[Int(candidates[k])] }
      IntegrateKernels.condExp(
        v: pop.v, gEx: pop.a, gIn: pop.b, inEx: slot, inIn: slot + pop.size, lo: lo, hi: hi,
        c: c, current: current)
      if count > 0 {
        IntegrateKernels.restepStiff(
          v: pop.v, gEx: pop.a, gIn: pop.b, candidates: candidates, saved: pop.scratch + lo,
          count: count, c: c, current: current)
      }
      IntegrateKernels.decayAndAdd(pop.a, slot, lo: lo, hi: hi, decay: c.fullEx)
      IntegrateKernels.decayAndAdd(pop.b, slot + pop.size, lo: lo, hi: hi, decay: c.fullIn)
    case .poisson, .spikeGenerator:
      return
    }
    let lo = range.lowerBound
    pop.refractoryCount[part] = RefractoryList.clamp(
      v: pop.v, reset: pop.reset, index: pop.refractoryIndex + lo, left: pop.refractoryLeft + lo,
      count: pop.refractoryCount[part])
  }

  @inline(__always)
  private func emit(_ pop: PopulationState<S>, part: Int, step: Int64) {
    let range = partition.range(part: part, size: pop.size)
    let parity = Int(step & 1)
    let list = pop.spikes + parity * pop.size + range.lowerBound
    let count: Int
    switch pop.dynamics {
    case .pscExp, .pscDelta, .condExp:
      count = ThresholdKernels.emit(
        v: pop.v, lo: range.lowerBound, hi: range.upperBound, threshold: pop.threshold,
        reset: pop.reset, spikes: list)
      let lo = range.lowerBound
      pop.refractoryCount[part] = RefractoryList.add(
        spikes: list, spikeCount: count, steps: pop.refractorySteps,
        index: pop.refractoryIndex + lo, left: pop.refractoryLeft + lo,
        count: pop.refractoryCount[part])
    case .poisson(let source):
      count = source.emit(range: range, step: step, into: list)
    case .spikeGenerator:
      count = pop.emitScheduled(part: part, step: step, into: list)
    }
    pop.spikeCounts[parity * partition.parts + part] = count
    pop.spikeTotals[part] += count
  }

  /// Pushes every spike of `source` this step through this part's synapses.
  @inline(__always)
  private func deliver(
    _ projection: ProjectionState<S>, from source: PopulationState<S>, part: Int, step: Int64
  ) -> Int {
    projection.parts.withUnsafeBufferPointer { parts in
      // There is one matrix per part, so the buffer is never empty.
      guard let first = parts.baseAddress else { return 0 }
      let matrix = first + part
      if let w = projection.uniformWeight {
        return deliver(projection, matrix, weight: UniformWeight(value: w), from: source, part: part, step: step)
      }
      if !projection.plasticWeights.isEmpty {
        guard let values = projection.plasticWeights[part].baseAddress else { return 0 }
        return deliver(projection, matrix, weight: PerSynapseWeight(values: values), from: source, part: part, step: step)
      }
      return matrix.pointee.weight.withUnsafeBufferPointer { weights in
        // Per-synapse weights exist for every synapse; an empty part delivers nothing.
        guard let values = weights.baseAddress else { return 0 }
        return deliver(projection, matrix, weight: PerSynapseWeight(values: values), from: source, part: part, step: step)
      }
    }
  }

  @inline(__always)
  private func deliver<W: SynapseWeights>(
    _ projection: ProjectionState<S>, _ matrix: UnsafePointer<SynapseMatrix<S>>, weight: W,
    from source: PopulationState<S>, part: Int, step: Int64
  ) -> Int where W.Scalar == S {
    populationRefs[projection.target]._withUnsafeGuaranteedRef { target in
      deliver(matrix, weight: weight, uniformDelay: projection.uniformDelay, from: source,
              to: target, part: part, step: step)
    }
  }

  @inline(__always)
  private func deliver<W: SynapseWeights>(
    _ matrix: UnsafePointer<SynapseMatrix<S>>, weight: W, uniformDelay: Int?,
    from source: PopulationState<S>, to target: PopulationState<S>, part: Int, step: Int64
  ) -> Int where W.Scalar == S {
    let parity = Int(step & 1)
    let arrival = Int((step + 1) % Int64(target.slots))
    var delivered = 0
    matrix.pointee.rowStart.withUnsafeBufferPointer { rowStart in
      matrix.pointee.target.withUnsafeBufferPointer { targets in
        matrix.pointee.delay.withUnsafeBufferPointer { delays in
          // Row starts always exist; targets are empty only when the part has no synapse.
          guard let rs = rowStart.baseAddress, let tg = targets.baseAddress else { return }
          for sender in 0..<partition.parts {
            let count = source.spikeCounts[parity * partition.parts + sender]
            guard count > 0 else { continue }
            let lo = partition.range(part: sender, size: source.size).lowerBound
            let spikes = UnsafePointer(source.spikes + parity * source.size + lo)
            if let d = uniformDelay {
              var slot = arrival + d
              if slot >= target.slots { slot -= target.slots }
              delivered += DeliverKernels.uniformDelay(
                rowStart: rs, target: tg, weight: weight, spikes: spikes, spikeCount: count,
                slot: target.ring + slot * target.stride, sink: target.sink(part: part))
            } else if let dl = delays.baseAddress {
              delivered += DeliverKernels.perSynapseDelay(
                rowStart: rs, target: tg, weight: weight, delay: dl, spikes: spikes,
                spikeCount: count, ring: target.ring, base: arrival, slots: target.slots,
                stride: target.stride)
            }
          }
        }
      }
    }
    return delivered
  }
}
