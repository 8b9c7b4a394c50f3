// SPDX-License-Identifier: Apache-2.0

/// Enumerates the (source, target) pairs of a connector, deterministically: each row of
/// draws has its own Philox sequence keyed by (seed, stream, row), so the pairs depend on
/// the seed only. SynapseMatrix calls this twice (count, then fill) instead of holding a
/// temporary list of every synapse.
struct PairGenerator {
  let connector: Connector
  let sources: Int
  let targets: Int
  let samePopulation: Bool
  let philox: Philox
  let stream: UInt32

  /// Calls `body(source, target)` for every synapse, always in the same order.
  func forEachPair(_ body: (Int, Int) -> Void) {
    switch connector {
    case .allToAll(let autapses):
      for s in 0..<sources {
        for t in 0..<targets where autapses || !samePopulation || s != t { body(s, t) }
      }
    case .oneToOne:
      for n in 0..<sources { body(n, n) }
    case .pairwiseBernoulli(let p, let autapses):
      bernoulli(p: p, autapses: autapses, body)
    case .fixedIndegree(let k, let autapses, let multapses):
      var marks = multapses ? [] : [Bool](repeating: false, count: sources)
      for t in 0..<targets {
        var random = RandomSequence(philox: philox, stream: stream, index: UInt32(t))
        draw(k, from: sources, excluding: samePopulation && !autapses ? t : -1,
             marks: &marks, random: &random) { body($0, t) }
      }
    case .fixedOutdegree(let k, let autapses, let multapses):
      var marks = multapses ? [] : [Bool](repeating: false, count: targets)
      for s in 0..<sources {
        var random = RandomSequence(philox: philox, stream: stream, index: UInt32(s))
        draw(k, from: targets, excluding: samePopulation && !autapses ? s : -1,
             marks: &marks, random: &random) { body(s, $0) }
      }
    case .fixedTotalNumber(let n, let autapses, let multapses):
      var random = RandomSequence(philox: philox, stream: stream, index: 0)
      var used = Set<Int>()
      var made = 0
      while made < n {
        let s = Int(random.nextInt(below: UInt32(sources)))
        let t = Int(random.nextInt(below: UInt32(targets)))
        if samePopulation && !autapses && s == t { continue }
        if !multapses && !used.insert(s * targets + t).inserted { continue }
        body(s, t)
        made += 1
      }
    case .explicit(let list):
      for k in list.sources.indices { body(Int(list.sources[k]), Int(list.targets[k])) }
    }
  }

  /// Geometric skipping: the gap to the next connected target is ⌊ln u / ln(1−p)⌋, so the
  /// cost is proportional to the synapses made, not to sources × targets.
  private func bernoulli(p: Double, autapses: Bool, _ body: (Int, Int) -> Void) {
    guard p > 0 else { return }
    let logq = _log1p(-p)
    for s in 0..<sources {
      var random = RandomSequence(philox: philox, stream: stream, index: UInt32(s))
      if p >= 1 {
        for t in 0..<targets where autapses || !samePopulation || s != t { body(s, t) }
        continue
      }
      var t = -1
      while true {
        let u = 1 - random.nextUniform()  // in (0, 1]
        let gap = _log(u) / logq
        if gap >= Double(targets - t) { break }
        t += 1 + Int(gap)
        if t >= targets { break }
        if autapses || !samePopulation || s != t { body(s, t) }
      }
    }
  }

  /// Draws `k` indices below `n`, never `excluded`; without multapses each at most once
  /// (rejection with a reusable mark array, cleared afterwards).
  private func draw(
    _ k: Int, from n: Int, excluding excluded: Int, marks: inout [Bool],
    random: inout RandomSequence, _ body: (Int) -> Void
  ) {
    var chosen: [Int] = []
    if !marks.isEmpty { chosen.reserveCapacity(k) }
    var made = 0
    while made < k {
      let x = Int(random.nextInt(below: UInt32(n)))
      if x == excluded { continue }
      if !marks.isEmpty {
        if marks[x] { continue }
        marks[x] = true
        chosen.append(x)
      }
      body(x)
      made += 1
    }
    for x in chosen { marks[x] = false }
  }

  /// Expected number of synapses, for the memory estimate made before building.
  static func expectedCount(_ connector: Connector, sources: Int, targets: Int) -> Double {
    switch connector {
    case .allToAll: Double(sources) * Double(targets)
    case .oneToOne: Double(sources)
    case .pairwiseBernoulli(let p, _): p * Double(sources) * Double(targets)
    case .fixedIndegree(let k, _, _): Double(k) * Double(targets)
    case .fixedOutdegree(let k, _, _): Double(k) * Double(sources)
    case .fixedTotalNumber(let n, _, _): Double(n)
    case .explicit(let list): Double(list.sources.count)
    }
  }
}
