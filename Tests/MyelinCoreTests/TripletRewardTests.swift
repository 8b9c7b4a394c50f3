// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore
import Testing

/// The triplet and three-factor rules against references written here from the papers'
/// equations, independently of the kernel's event-driven code path.
struct TripletRewardTests {
  /// Pfister & Gerstner (2006), minimal all-to-all model, evaluated event by event in
  /// continuous time: traces decay between events; at a pre spike w −= o1·(A2− + A3−·r2),
  /// at a post spike w += r1·(A2+ + A3+·o2), with r2 and o2 read before their own jump;
  /// simultaneous pre and post spikes do not pair; w is clipped after every change.
  static func tripletReference(pre: [Double], post: [Double], rule r: TripletSTDP, w0: Double) -> Double {
    var r1 = 0.0, r2 = 0.0, o1 = 0.0, o2 = 0.0, t = 0.0, w = w0
    let times = Set(pre + post).sorted()
    for time in times {
      let gap = time - t
      r1 *= exp(-gap / r.tauPlus); r2 *= exp(-gap / r.tauX)
      o1 *= exp(-gap / r.tauMinus); o2 *= exp(-gap / r.tauY)
      t = time
      let isPre = pre.contains(time), isPost = post.contains(time)
      if isPost { w = min(max(w + r1 * (r.aPlus2 + r.aPlus3 * o2), r.bounds.wMin), r.bounds.wMax) }
      if isPre { w = min(max(w - o1 * (r.aMinus2 + r.aMinus3 * r2), r.bounds.wMin), r.bounds.wMax) }
      if isPre { r1 += 1; r2 += 1 }
      if isPost { o1 += 1; o2 += 1 }
    }
    return w
  }

  /// Random trains on the 0.1 ms grid with gaps of at least `gap` ms.
  static func train(seed: UInt64, count: Int, start: Double, gap: Double) -> [Double] {
    var state = seed
    var t = start, out: [Double] = []
    for _ in 0..<count {
      state = state &* 6364136223846793005 &+ 1442695040888963407
      t += gap + Double(state >> 40 % 200) / 10
      out.append((t * 10).rounded() / 10)
    }
    return out
  }

  @Test(arguments: [1, 2, 3])
  func tripletMatchesDirectEvaluation(seed: UInt64) throws {
    var rule = TripletSTDP(bounds: WeightBounds(wMin: 0, wMax: 10))
    // Amplitudes large enough that the triplet terms matter (NEST's A2+ is tiny).
    rule.aPlus2 = 0.05
    rule.aPlus3 = 0.08
    rule.aMinus2 = 0.07
    rule.aMinus3 = 0.01
    let pre = Self.train(seed: seed, count: 40, start: 3, gap: 2)
    let post = Self.train(seed: seed + 100, count: 40, start: 5, gap: 2)
    let duration = (max(pre.last!, post.last!) / 10).rounded(.up) * 10 + 10
    let outcome = try STDPTests.run(pre: pre, post: post, rule: .triplet(rule), duration: duration)
    #expect(outcome.pre.count == pre.count && zip(outcome.pre, pre).allSatisfy { abs($0 - $1) < 1e-9 })
    #expect(outcome.post.count == post.count && zip(outcome.post, post).allSatisfy { abs($0 - $1) < 1e-9 })
    let want = Self.tripletReference(pre: outcome.pre, post: outcome.post, rule: rule, w0: STDPTests.w0)
    #expect(abs(want - STDPTests.w0) > 0.05, "the trains move the weight")
    #expect(STDPTests.close(outcome.weight, want, 1e-9), "kernel \(outcome.weight), reference \(want)")
  }

  static func reward(b: Double = 0) -> RewardSTDP {
    var rule = RewardSTDP(modulator: "DA", bounds: WeightBounds(wMin: 0, wMax: 10))
    rule.aPlus = 0.1
    rule.aMinus = 0.15
    rule.tauC = 200
    rule.tauN = 50
    rule.b = b
    return rule
  }

  /// Without neuromodulator, pairing only builds eligibility: the weight stays put.
  @Test func noRewardNoChange() throws {
    let outcome = try STDPTests.run(pre: [10, 60], post: [15, 50], rule: .rewardModulated(Self.reward()),
                                    duration: 500, modulator: [])
    #expect(outcome.weight == STDPTests.w0)
  }

  /// Pre at 10 ms, post at 15 ms: c = A+·e^{−5/τ+}. It decays with τc until the reward at
  /// 100 ms, where n jumps to 1/τn; then dw = ∫ c(t)·n(t) dt = c(100)·(1/τn)·τs·(1 − e^{−Δ/τs})
  /// over the remaining Δ, with τs = τc·τn/(τc + τn).
  @Test func rewardAfterPairingPotentiatesWithEligibilityDecay() throws {
    let rule = Self.reward()
    for end in [300.0, 2000.0] {
      let outcome = try STDPTests.run(pre: [10], post: [15], rule: .rewardModulated(rule), duration: end,
                                      modulator: [100])
      let c = rule.aPlus * exp(-5 / rule.tauPlus) * exp(-85 / rule.tauC)
      let tauS = rule.tauC * rule.tauN / (rule.tauC + rule.tauN)
      let want = STDPTests.w0 + c / rule.tauN * tauS * (1 - exp(-(end - 100) / tauS))
      #expect(STDPTests.close(outcome.weight, want, 1e-9), "until \(end) ms: \(outcome.weight) vs \(want)")
    }
    // A later reward finds less eligibility: the change shrinks by e^{−Δ/τc}.
    let early = try STDPTests.run(pre: [10], post: [15], rule: .rewardModulated(rule), duration: 3000, modulator: [100])
    let late = try STDPTests.run(pre: [10], post: [15], rule: .rewardModulated(rule), duration: 3000, modulator: [300])
    #expect(STDPTests.close((late.weight - STDPTests.w0) / (early.weight - STDPTests.w0), exp(-200 / rule.tauC), 1e-6))
    // Post before pre gives negative eligibility: the reward depresses.
    let anti = try STDPTests.run(pre: [15], post: [10], rule: .rewardModulated(rule), duration: 1000, modulator: [100])
    #expect(anti.weight < STDPTests.w0)
  }

  /// A baseline b > 0 turns the pairing's eligibility into a change even without reward:
  /// dw = −b·c·τc·(1 − e^{−Δ/τc}).
  @Test func baselineWithoutReward() throws {
    let rule = Self.reward(b: 0.01)
    let outcome = try STDPTests.run(pre: [10], post: [15], rule: .rewardModulated(rule), duration: 1015, modulator: [])
    let c = rule.aPlus * exp(-5 / rule.tauPlus)
    let want = STDPTests.w0 - rule.b * c * rule.tauC * (1 - exp(-1000 / rule.tauC))
    #expect(STDPTests.close(outcome.weight, want, 1e-9), "\(outcome.weight) vs \(want)")
  }
}

/// All-to-all pair STDP with a dendritic delay on random trains, against a direct
/// evaluation in synapse time (post spikes seen `d` after emission).
struct DendriticDelayTests {
  static func reference(pre: [Double], post: [Double], d: Double, aPlus: Double, aMinus: Double, tau: Double,
                        bounds: WeightBounds, w0: Double) -> Double {
    // Events in synapse time; at equal times all pairs use the traces from before.
    let seenPost = post.map { $0 + d }
    var x = 0.0, y = 0.0, t = 0.0, w = w0
    for time in Set(pre + seenPost).sorted() {
      x *= exp(-(time - t) / tau)
      y *= exp(-(time - t) / tau)
      t = time
      let isPre = pre.contains { abs($0 - time) < 1e-9 }, isPost = seenPost.contains { abs($0 - time) < 1e-9 }
      if isPost { w = min(max(w + aPlus * x, bounds.wMin), bounds.wMax) }
      if isPre { w = min(max(w - aMinus * y, bounds.wMin), bounds.wMax) }
      if isPre { x += 1 }
      if isPost { y += 1 }
    }
    return w
  }

  @Test(arguments: [0.0, 0.5, 1.5, 3.7])
  func pairRuleWithDendriticDelay(d: Double) throws {
    let pre = TripletRewardTests.train(seed: 11, count: 60, start: 3, gap: 1)
    let post = TripletRewardTests.train(seed: 12, count: 60, start: 4, gap: 1)
    let rule = STDPTests.pair(.allToAll)
    let duration = (max(pre.last!, post.last!) / 10).rounded(.up) * 10 + 20
    let outcome = try STDPTests.run(pre: pre, post: post, rule: rule, dendriticDelay: d, duration: duration)
    let want = Self.reference(pre: outcome.pre, post: outcome.post, d: d, aPlus: STDPTests.aPlus,
                              aMinus: STDPTests.aMinus, tau: STDPTests.tau, bounds: STDPTests.bounds, w0: STDPTests.w0)
    #expect(abs(want - STDPTests.w0) > 0.01)
    #expect(STDPTests.close(outcome.weight, want, 1e-9), "d = \(d): kernel \(outcome.weight), reference \(want)")
  }
}
