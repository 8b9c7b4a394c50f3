// SPDX-License-Identifier: Apache-2.0

/// One step of a deep-SNN LIF node, shared by both executors (DESIGN.md §1): the Trainer
/// runs T steps over batch × features neurons (``run(_:steps:neurons:input:charge:spikes:factor:)``),
/// ``LayerSimulation`` one step at a time (``advance(_:input:charge:spikes:potential:factor:)``).
/// SpikingJelly's semantics: charge H = V + (X − (V − V_reset))·k (decay_input),
/// V − (V − V_reset)·k + X (without), or V + X (IF); fire S = [H ≥ V_th]; reset to V_reset
/// (hard) or subtract V_th (soft). Both loops call the same ``update`` on sixteen neurons
/// at a time, so both executors compute the same bits.
extension LIFNode {
  /// The flags of the update, fixed per call so that each loop is compiled without branches.
  @usableFromInline
  struct Flags: Sendable {
    @usableFromInline let isIF: Bool, decay: Bool, hard: Bool
    @usableFromInline init(isIF: Bool, decay: Bool, hard: Bool) {
      self.isIF = isIF
      self.decay = decay
      self.hard = hard
    }
  }

  /// Calls `body` with this node's flags as a constant of one of six cases.
  @inlinable @inline(__always)
  func withFlags<R>(_ body: (Flags) -> R) -> R {
    let hard = reset != nil
    switch (kind == .integrateAndFire, decayInput, hard) {
    case (true, _, true): return body(Flags(isIF: true, decay: false, hard: true))
    case (true, _, false): return body(Flags(isIF: true, decay: false, hard: false))
    case (false, true, true): return body(Flags(isIF: false, decay: true, hard: true))
    case (false, true, false): return body(Flags(isIF: false, decay: true, hard: false))
    case (false, false, true): return body(Flags(isIF: false, decay: false, hard: true))
    case (false, false, false): return body(Flags(isIF: false, decay: false, hard: false))
    }
  }

  /// Charge, spike and next potential of sixteen neurons from their potential and input.
  @inlinable @inline(__always)
  static func update(_ v: SIMD16<Float>, _ x: SIMD16<Float>, _ k: Float, _ vr: Float, _ th: Float, _ f: Flags)
    -> (h: SIMD16<Float>, s: SIMD16<Float>, v: SIMD16<Float>)
  {
    let h = f.isIF ? v + x : f.decay ? v + (x - (v - vr)) * k : v - (v - vr) * k + x
    let s = SIMD16<Float>().replacing(with: 1, where: h - th .>= 0)
    return (h, s, f.hard ? h * (1 - s) + vr * s : h - th * s)
  }

  /// Lanes [0, count) of `p` (count ≤ 16), zeros elsewhere: the tail of a range.
  @inlinable @inline(__always)
  static func load(_ p: UnsafePointer<Float>, _ count: Int) -> SIMD16<Float> {
    if count == 16 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }
    var v = SIMD16<Float>()
    for l in 0..<count { v[l] = p[l] }
    return v
  }

  @inlinable @inline(__always)
  static func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
    if count == 16 { return UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self) }
    for l in 0..<count { p[l] = v[l] }
  }

  /// Advances neurons `range` by one step: reads the input X, writes H and S, updates V in
  /// place. `factor` is k (``factor(_:)``, which takes PLIF's w).
  @inlinable
  public func advance(_ range: Range<Int>, input x: UnsafePointer<Float>, charge h: UnsafeMutablePointer<Float>,
                      spikes s: UnsafeMutablePointer<Float>, potential v: UnsafeMutablePointer<Float>, factor k: Float) {
    let vr = reset ?? 0, th = threshold
    withFlags { f in
      var i = range.lowerBound
      while i < range.upperBound {
        let c = min(16, range.upperBound - i)
        let u = Self.update(Self.load(v + i, c), Self.load(x + i, c), k, vr, th, f)
        Self.store(u.h, h + i, c)
        Self.store(u.s, s + i, c)
        Self.store(u.v, v + i, c)
        i += 16
      }
    }
  }

  /// Runs all T steps of neurons `range` of [T, n] tensors, starting from V = V_reset.
  /// Time is the inner loop: sixteen neurons keep V in a register from the first step to
  /// the last, so V never goes to memory, and only X is read and S (and H, when `charge`
  /// is given, [T, n]) written: half the memory traffic of stepping all neurons T times.
  ///
  /// Returns the number of spikes written, counted in registers as they are made: the
  /// Trainer's density-driven path choice and its firing rates need that count, which
  /// would otherwise take another pass over the spikes.
  ///
  /// Step t of neuron i writes S (and H) at t·n + i and reads X at t·`inputStride` + i
  /// (default n: [T, n] tensors). An input stride of 0 reads the same X at every step.
  @inlinable @discardableResult
  public func run(_ range: Range<Int>, steps T: Int, neurons n: Int, inputStride: Int? = nil, input x: UnsafePointer<Float>,
                  charge h: UnsafeMutablePointer<Float>?, spikes s: UnsafeMutablePointer<Float>, factor k: Float) -> Int {
    let nx = inputStride ?? n
    let vr = reset ?? 0, th = threshold
    let one = SIMD16<UInt32>(repeating: 1)
    return withFlags { f -> Int in
      var i = range.lowerBound, fired = 0
      while i < range.upperBound {
        let c = min(16, range.upperBound - i)
        var v = SIMD16<Float>(repeating: vr)
        var lanes = SIMD16<UInt32>()  // at most T per lane
        for t in 0..<T {
          let o = t * n + i
          let u = Self.update(v, Self.load(x + t * nx + i, c), k, vr, th, f)
          if let h { Self.store(u.h, h + o, c) }
          Self.store(u.s, s + o, c)
          if c == 16 {
            lanes &+= one.replacing(with: 0, where: u.s .== 0)
          } else {
            for l in 0..<c where u.s[l] != 0 { fired += 1 }  // lanes past c are not stored
          }
          v = u.v
        }
        fired += Int(lanes.wrappedSum())
        i += 16
      }
      return fired
    }
  }
}
