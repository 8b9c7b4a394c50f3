// SPDX-License-Identifier: Apache-2.0

/// The learning state of one plastic projection: per-neuron synaptic traces, a transposed
/// (post → pre) index for potentiation at postsynaptic spikes, and a short queue that
/// holds postsynaptic spikes for the dendritic delay.
///
/// Split by the partition like the synapses: part p owns the synapses onto its targets,
/// their post traces and their column index, and keeps its own copy of the presynaptic
/// traces, so the two threads never write the same memory and compute identical values.
final class PlasticProjection<S: SimulationScalar> {
  let projection: Int
  let source: Int
  let target: Int
  /// Population whose spikes carry the neuromodulator (three-factor rule).
  let modulator: Int?
  let rule: STDPRule
  /// Dendritic delay in steps: a post spike stamped s is seen by the synapses at s + delay.
  let delay: Int64
  let parts: [LearnPart<S>]
  let plus: DecayTable, minus: DecayTable
  /// Second traces (triplet: τx, τy) or eligibility, neuromodulator and their product (reward).
  let second: DecayTable?, third: DecayTable?
  let eligibility: DecayTable?, neuromodulator: DecayTable?, product: DecayTable?
  let weights: WeightRule
  /// The rule's code path, chosen once so that the loops over synapses do not branch on it.
  enum Kind { case additive, pair(PairingScheme), triplet, reward }
  let kind: Kind
  /// The projection's per-part weights (owned by its ProjectionState).
  let weightBuffers: [UnsafeMutableBufferPointer<S>]
  /// Triplet amplitudes A3+ and A3− (zero for other rules).
  let aPlus3: Double, aMinus3: Double
  /// Reward rule: τc, the product time constant τc·τn/(τc + τn), 1/τn and baseline b.
  let tauC: Double, tauProduct: Double, modulatorJump: Double, baseline: Double

  init(
    _ state: ProjectionState<S>, index: Int, plasticity: Plasticity, network: Network, dt: Double,
    partition: Partition
  ) throws(ModelError) {
    let field = "projections[\(index)].plasticity"
    projection = index
    weightBuffers = state.plasticWeights
    source = state.source
    target = state.target
    rule = plasticity.rule
    if let d = plasticity.dendriticDelay {
      guard (d / dt).rounded() <= Double(DelayPlan.maximumSteps) else {
        throw ModelError(field: field + ".dendritic_delay", problem: "\(d) ms is \((d / dt).rounded()) steps",
                         allowed: "<= \(DelayPlan.maximumSteps) steps")
      }
      delay = Int64((d / dt).rounded())
    } else if let d = state.uniformDelay {
      delay = Int64(d)
    } else {
      throw ModelError(field: field + ".dendritic_delay", problem: "is needed when delays vary per synapse",
                       allowed: "a delay in ms >= 0 (NEST uses the synapse's delay)")
    }
    guard delay <= Int64(DelayPlan.maximumSteps) else {
      throw ModelError(field: field + ".dendritic_delay", problem: "is \(delay) steps",
                       allowed: "<= \(DelayPlan.maximumSteps) steps")
    }
    var modulatorIndex: Int?
    var second: DecayTable?, third: DecayTable?, c: DecayTable?, n: DecayTable?, s: DecayTable?
    var scheme = PairingScheme.allToAll
    var a3 = (0.0, 0.0), reward = (0.0, 0.0, 0.0, 0.0)
    switch rule {
    case .pair(let r):
      plus = DecayTable(tau: r.tauPlus, dt: dt)
      minus = DecayTable(tau: r.tauMinus, dt: dt)
      weights = WeightRule(bounds: r.bounds, aPlus: r.aPlus, aMinus: r.aMinus, muPlus: r.muPlus, muMinus: r.muMinus)
      scheme = r.scheme
    case .triplet(let r):
      plus = DecayTable(tau: r.tauPlus, dt: dt)
      minus = DecayTable(tau: r.tauMinus, dt: dt)
      second = DecayTable(tau: r.tauX, dt: dt)
      third = DecayTable(tau: r.tauY, dt: dt)
      weights = WeightRule(bounds: r.bounds, aPlus: r.aPlus2, aMinus: r.aMinus2)
      a3 = (r.aPlus3, r.aMinus3)
    case .rewardModulated(let r):
      plus = DecayTable(tau: r.tauPlus, dt: dt)
      minus = DecayTable(tau: r.tauMinus, dt: dt)
      c = DecayTable(tau: r.tauC, dt: dt)
      n = DecayTable(tau: r.tauN, dt: dt)
      s = DecayTable(tau: r.tauC * r.tauN / (r.tauC + r.tauN), dt: dt)
      weights = WeightRule(bounds: r.bounds, aPlus: r.aPlus, aMinus: r.aMinus)
      modulatorIndex = network.populationIndex(named: r.modulator)
      reward = (r.tauC, r.tauC * r.tauN / (r.tauC + r.tauN), 1 / r.tauN, r.b)
    }
    (aPlus3, aMinus3) = a3
    (tauC, tauProduct, modulatorJump, baseline) = reward
    self.second = second
    self.third = third
    eligibility = c
    neuromodulator = n
    product = s
    switch rule {
    case .pair(let r): kind = r.scheme == .allToAll && r.muPlus == 0 && r.muMinus == 0 ? .additive : .pair(r.scheme)
    case .triplet: kind = .triplet
    case .rewardModulated: kind = .reward
    }
    modulator = modulatorIndex
    // A per-synapse value: the pre-centred scheme's pair trace, or the eligibility trace.
    let perSynapse = scheme == .nearestPreCentered || c != nil
    let sources = network.populations[state.source].size
    let targets = network.populations[state.target].size
    // The packed index's slot field holds a position in a row; sized from the whole
    // projection's longest row, so the limit does not depend on the thread count.
    var longest = 1
    for i in 0..<sources {
      longest = max(longest, state.parts.reduce(0) { $0 + Int($1.rowStart[i + 1] - $1.rowStart[i]) })
    }
    let slotBits = UInt32(Int.bitWidth - (longest - 1).leadingZeroBitCount)
    let sourceBits = UInt32(Int.bitWidth - max(sources - 1, 0).leadingZeroBitCount)
    guard slotBits + sourceBits <= 32 else {
      throw ModelError(field: field, problem: "\(sources) sources with rows of up to \(longest) synapses do not fit the 32-bit transposed index",
                       allowed: "bits(sources − 1) + bits(longest row − 1) <= 32")
    }
    var built: [LearnPart<S>] = []
    for p in 0..<partition.parts {
      built.append(
        try LearnPart(matrix: state.parts[p], range: partition.range(part: p, size: targets), sources: sources,
                      targetSize: targets, delay: Int(delay), perSynapse: perSynapse,
                      triplet: second != nil, slotBits: slotBits, field: field))
    }
    parts = built
  }

  deinit {
    for table in [plus, minus, second, third, eligibility, neuromodulator, product].compactMap({ $0 }) { table.free() }
  }

  /// Bytes of learning state: the transposed index, per-synapse traces, per-neuron traces
  /// and the spike queue.
  var bytes: Int { parts.reduce(0) { $0 + $1.bytes } }
}

/// One part's learning state (see ``PlasticProjection``).
final class LearnPart<S: SimulationScalar> {
  /// Targets [lo, hi) of the population.
  let lo: Int, hi: Int
  /// Column j − lo holds `columnEntry[columnStart[j − lo] ..< columnStart[j − lo + 1]]`,
  /// each `source << slotBits | slot`: the synapse is `rowStart[source] + slot`. Packing the
  /// source with the slot keeps the index at 4 B per synapse and gives the presynaptic
  /// trace without a search.
  let columnStart: UnsafeMutableBufferPointer<UInt32>
  let columnEntry: UnsafeMutableBufferPointer<UInt32>
  let slotBits: UInt32
  let slotMask: UInt32
  /// Presynaptic traces of every source (this part's copy) and post traces of its targets.
  let pre: SynapticTraces
  let post: SynapticTraces
  /// Post spikes (local indices) by stamp modulo delay + 1: each slot holds one step's
  /// spikes and grows only to the most spikes a step has had.
  var queue: [[Int32]]
  /// Per-synapse pair trace (pre-centred) or eligibility (reward); empty otherwise.
  let perSynapse: UnsafeMutableBufferPointer<S>
  /// Reward rule: step of each neuron's last touch of its synapses, the last neuromodulator
  /// event and the level just after it.
  let preTouch: UnsafeMutablePointer<Int64>
  let postTouch: UnsafeMutablePointer<Int64>
  var lastModulator: Int64 = SynapticTraces.never
  var modulatorLevel = 0.0
  /// Where the column prefetch leaves the weights it loads (never read).
  var sink: S = 0

  init(matrix: SynapseMatrix<S>, range: Range<Int>, sources: Int, targetSize: Int, delay: Int, perSynapse: Bool,
       triplet: Bool, slotBits: UInt32, field: String) throws(ModelError) {
    lo = range.lowerBound
    hi = range.upperBound
    let width = hi - lo
    self.slotBits = slotBits
    slotMask = slotBits == 0 ? 0 : UInt32((1 << Int(slotBits)) - 1)
    // Count synapses per target, then place (source, slot) in source order.
    columnStart = .allocate(capacity: width + 1)
    columnStart.initialize(repeating: 0)
    for k in 0..<matrix.target.count {
      let j = Int(matrix.target[k])
      guard j >= lo, j < hi else {
        throw ModelError(field: field, problem: "synapse onto an inhibitory channel", allowed: "weights >= 0")
      }
      columnStart[j - lo + 1] += 1
    }
    for j in 0..<width { columnStart[j + 1] += columnStart[j] }
    columnEntry = .allocate(capacity: matrix.target.count)
    var cursor = Array(columnStart.prefix(width))
    for i in 0..<sources {
      let a = Int(matrix.rowStart[i])
      for k in a..<Int(matrix.rowStart[i + 1]) {
        let j = Int(matrix.target[k]) - lo
        columnEntry[Int(cursor[j])] = UInt32(i) << slotBits | UInt32(k - a)
        cursor[j] += 1
      }
    }
    pre = SynapticTraces(count: sources, second: triplet)
    post = SynapticTraces(count: width, second: triplet)
    queue = Array(repeating: [], count: delay + 1)
    self.perSynapse = .allocate(capacity: perSynapse ? matrix.target.count : 0)
    self.perSynapse.initialize(repeating: 0)
    preTouch = .allocate(capacity: max(sources, 1))
    preTouch.initialize(repeating: SynapticTraces.never, count: max(sources, 1))
    postTouch = .allocate(capacity: max(width, 1))
    postTouch.initialize(repeating: SynapticTraces.never, count: max(width, 1))
  }

  deinit {
    columnStart.deallocate()
    columnEntry.deallocate()
    pre.free()
    post.free()
    perSynapse.deallocate()
    preTouch.deallocate()
    postTouch.deallocate()
  }

  var bytes: Int {
    columnStart.count * 4 + columnEntry.count * 4 + perSynapse.count * MemoryLayout<S>.size + pre.bytes
      + post.bytes + queue.reduce(0) { $0 + $1.capacity * 4 }
  }
}
