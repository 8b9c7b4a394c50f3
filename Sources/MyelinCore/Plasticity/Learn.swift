// SPDX-License-Identifier: Apache-2.0

/// The *learn* phase of one plastic projection for one part, at step `step` (whose spikes
/// are stamped T = step + 1). Order within the step, so that pairs with Δt = 0 are not
/// counted: (1) neuromodulator events, (2) potentiation at the post spikes due now (seen
/// `delay` after emission) from presynaptic traces *before* this step's pre spikes,
/// (3) depression at this step's pre spikes from post traces *before* the post spikes due
/// now, (4) the traces jump. Work is done only for spikes: a row per pre spike, a column
/// per post spike, and (three-factor rule) every synapse per neuromodulator spike.
extension PlasticProjection {
  func learn(
    part: Int, step: Int64, source: PopulationState<S>, target: PopulationState<S>,
    modulator: PopulationState<S>?, matrix: SynapseMatrix<S>, partition: Partition
  ) {
    let state = parts[part]
    guard let w = weightBuffers[part].baseAddress else { return }
    let T = step + 1
    let parity = Int(step & 1)
    let P = partition.parts
    let slots = Int64(state.queue.count)
    // Queue this step's post spikes (own targets), then take those due now.
    let write = Int(T % slots)
    let own = target.spikeCounts[parity * P + part]
    let ownList = target.spikes + parity * target.size + state.lo
    state.queue[write].removeAll(keepingCapacity: true)
    for n in 0..<own { state.queue[write].append(ownList[n] - Int32(state.lo)) }
    let dueStamp = T - delay
    let dueSpikes = dueStamp >= 1 ? state.queue[Int(dueStamp % slots)] : []

    matrix.rowStart.withUnsafeBufferPointer { rowStartBuffer in
      matrix.target.withUnsafeBufferPointer { targetBuffer in
        // An empty part has row starts but no targets (and nothing to learn).
        guard let rowStart = rowStartBuffer.baseAddress, let targets = targetBuffer.baseAddress else { return }
        if let modulator, eligibility != nil {
          var count = 0
          for sender in 0..<P { count += modulator.spikeCounts[parity * P + sender] }
          if count > 0 {
            modulatorEvent(state, count: count, at: T, rows: source.size, rowStart: rowStart, targets: targets, w: w)
          }
        }
        for j in dueSpikes { potentiate(state, post: Int(j), at: T, rowStart: rowStart, w: w) }
        for sender in 0..<P {
          let count = source.spikeCounts[parity * P + sender]
          let list = source.spikes + parity * source.size + partition.range(part: sender, size: source.size).lowerBound
          for n in 0..<count { depress(state, pre: Int(list[n]), at: T, rowStart: rowStart, targets: targets, w: w) }
        }
      }
    }
    // Traces jump after all pairs of this step are counted.
    let triplet = if case .triplet = rule { true } else { false }
    for sender in 0..<P {
      let count = source.spikeCounts[parity * P + sender]
      let list = source.spikes + parity * source.size + partition.range(part: sender, size: source.size).lowerBound
      for n in 0..<count { state.pre.spike(Int(list[n]), at: T, plus, triplet ? second : nil) }
    }
    for j in dueSpikes { state.post.spike(Int(j), at: T, minus, triplet ? third : nil) }
  }

  /// Visits the synapses of column `j` as (source, synapse). The weight of the synapse
  /// `lookahead` entries on is loaded early: columns scatter over the whole weight array, and
  /// overlapping those cache misses was measured to matter more than anything else here.
  @inline(__always)
  private func forEachInColumn(
    _ state: LearnPart<S>, _ j: Int, rowStart: UnsafePointer<UInt32>, w: UnsafeMutablePointer<S>,
    _ body: (_ i: Int, _ k: Int) -> Void
  ) {
    let a = Int(state.columnStart[j]), b = Int(state.columnStart[j + 1])
    guard a < b, let entries = state.columnEntry.baseAddress else { return }
    let bits = state.slotBits, mask = state.slotMask
    let lookahead = 12
    var touched: S = 0
    for e in a..<b {
      if e + lookahead < b {
        let ahead = entries[e + lookahead]
        touched += w[Int(rowStart[Int(ahead >> bits)]) + Int(ahead & mask)]
      }
      let packed = entries[e]
      let i = Int(packed >> bits)
      body(i, Int(rowStart[i]) + Int(packed & mask))
    }
    state.sink = touched
  }

  /// A post spike of local target `j` at T: the synapses of its column move up.
  @inline(__always)
  private func potentiate(_ state: LearnPart<S>, post j: Int, at T: Int64, rowStart: UnsafePointer<UInt32>,
                          w: UnsafeMutablePointer<S>) {
    let pre = state.pre, post = state.post, plus = self.plus, weights = self.weights
    let previousPost = post.last[j]
    switch kind {
    case .additive:
      let aPlus = weights.aPlus
      forEachInColumn(state, j, rowStart: rowStart, w: w) { i, k in
        w[k] = S(weights.clip(Double(w[k]) + aPlus * pre.value(i, at: T, plus)))
      }
    case .pair(let scheme):
      let perSynapse = state.perSynapse
      forEachInColumn(state, j, rowStart: rowStart, w: w) { i, k in
        let x: Double
        switch scheme {
        case .allToAll: x = pre.value(i, at: T, plus)
        case .nearestSymmetric: x = pre.nearest(i, at: T, plus)
        case .nearestRestricted: x = pre.seen(i) && previousPost <= pre.last[i] ? plus(T - pre.last[i]) : 0
        case .nearestPreCentered:
          x = Double(perSynapse[k]) * plus(T - pre.last[i])
          perSynapse[k] = 0
        }
        if x != 0 { w[k] = S(weights.potentiate(Double(w[k]), x)) }
      }
    case .triplet:
      // o2 just before this spike scales the triplet term, for the whole column.
      var amplitude = weights.aPlus
      if let third { amplitude += aPlus3 * post.secondValue(j, at: T, third) }
      forEachInColumn(state, j, rowStart: rowStart, w: w) { i, k in
        w[k] = S(weights.clip(Double(w[k]) + pre.value(i, at: T, plus) * amplitude))
      }
    case .reward:
      let aPlus = weights.aPlus, lastModulator = state.lastModulator, touchJ = state.postTouch[j]
      forEachInColumn(state, j, rowStart: rowStart, w: w) { i, k in
        let c = integrate(state, k, from: max(lastModulator, state.preTouch[i], touchJ), to: T, w: w)
        state.perSynapse[k] = S(c + aPlus * pre.value(i, at: T, plus))
      }
    }
    state.postTouch[j] = T
  }

  /// A pre spike of source `i` at T: the synapses of its row move down.
  @inline(__always)
  private func depress(_ state: LearnPart<S>, pre i: Int, at T: Int64, rowStart: UnsafePointer<UInt32>,
                       targets: UnsafePointer<UInt32>, w: UnsafeMutablePointer<S>) {
    let pre = state.pre, post = state.post, minus = self.minus, plus = self.plus, weights = self.weights
    let a = Int(rowStart[i]), b = Int(rowStart[i + 1])
    let previousPre = pre.last[i]
    let lo = state.lo
    switch kind {
    case .additive:
      let aMinus = weights.aMinus
      for k in a..<b {
        w[k] = S(weights.clip(Double(w[k]) - aMinus * post.value(Int(targets[k]) - lo, at: T, minus)))
      }
    case .pair(let scheme):
      let perSynapse = state.perSynapse
      let pairDecay = plus(T - previousPre)
      for k in a..<b {
        let j = Int(targets[k]) - lo
        let y: Double
        switch scheme {
        case .allToAll: y = post.value(j, at: T, minus)
        case .nearestSymmetric: y = post.nearest(j, at: T, minus)
        case .nearestRestricted: y = post.seen(j) && previousPre <= post.last[j] ? minus(T - post.last[j]) : 0
        case .nearestPreCentered:
          y = post.nearest(j, at: T, minus)
          perSynapse[k] = S(Double(perSynapse[k]) * pairDecay + 1)
        }
        if y != 0 { w[k] = S(weights.depress(Double(w[k]), y)) }
      }
    case .triplet:
      // r2 just before this spike scales the triplet term; it is the same for the whole row.
      var amplitude = weights.aMinus
      if let second { amplitude += aMinus3 * pre.secondValue(i, at: T, second) }
      for k in a..<b {
        let y = post.value(Int(targets[k]) - lo, at: T, minus)
        w[k] = S(weights.clip(Double(w[k]) - y * amplitude))
      }
    case .reward:
      let aMinus = weights.aMinus, start = max(state.lastModulator, state.preTouch[i])
      for k in a..<b {
        let j = Int(targets[k]) - lo
        let c = integrate(state, k, from: max(start, state.postTouch[j]), to: T, w: w)
        state.perSynapse[k] = S(c - aMinus * post.value(j, at: T, minus))
      }
      state.preTouch[i] = T
    }
  }

  /// Neuromodulator spikes at T: every synapse of the part is brought up to T with the level
  /// before the spikes, then the level jumps by count/τn.
  private func modulatorEvent(_ state: LearnPart<S>, count: Int, at T: Int64, rows: Int,
                              rowStart: UnsafePointer<UInt32>, targets: UnsafePointer<UInt32>,
                              w: UnsafeMutablePointer<S>) {
    for i in 0..<rows {
      for k in Int(rowStart[i])..<Int(rowStart[i + 1]) {
        let j = Int(targets[k]) - state.lo
        state.perSynapse[k] = S(integrate(state, k, from: max(state.lastModulator, state.preTouch[i], state.postTouch[j]),
                                          to: T, w: w))
      }
    }
    let level = state.modulatorLevel * (neuromodulator?(T - state.lastModulator) ?? 0)
    state.modulatorLevel = level + Double(count) * modulatorJump
    state.lastModulator = T
  }

  /// Three-factor rule: advances synapse k's weight from step `t0` to `t1` by the exact
  /// integral of c(t)·(n(t) − b), with c and n decaying exponentially in between (NEST's
  /// `stdp_dopamine_synapse::update_weight_`), and returns c at `t1`.
  @inline(__always)
  private func integrate(_ state: LearnPart<S>, _ k: Int, from t0: Int64, to t1: Int64,
                         w: UnsafeMutablePointer<S>) -> Double {
    let c0 = Double(state.perSynapse[k])
    guard t1 > t0, c0 != 0, let cDecay = eligibility, let nDecay = neuromodulator, let product else { return c0 }
    let gap = t1 - t0
    let n0 = state.modulatorLevel * nDecay(t0 - state.lastModulator)
    let change = c0 * (n0 * tauProduct * (1 - product(gap)) - baseline * tauC * (1 - cDecay(gap)))
    w[k] = S(weights.clip(Double(w[k]) + change))
    return c0 * cDecay(gap)
  }

  /// The weight synapse k of `part` has at step `now`, including the three-factor rule's
  /// integral since the synapse was last touched; other rules store it up to date.
  func currentWeight(part: Int, source i: Int, synapse k: Int, target j: Int, now: Int64) -> Double {
    let stored = Double(weightBuffers[part][k])
    guard let cDecay = eligibility, let nDecay = neuromodulator, let product else { return stored }
    let state = parts[part]
    let t0 = max(state.lastModulator, state.preTouch[i], state.postTouch[j - state.lo])
    let c0 = Double(state.perSynapse[k])
    guard now > t0, c0 != 0 else { return stored }
    let gap = now - t0
    let n0 = state.modulatorLevel * nDecay(t0 - state.lastModulator)
    return weights.clip(stored + c0 * (n0 * tauProduct * (1 - product(gap)) - baseline * tauC * (1 - cDecay(gap))))
  }
}
