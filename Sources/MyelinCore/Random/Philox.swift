// SPDX-License-Identifier: Apache-2.0

/// Philox4x32-10, the counter-based generator of Salmon et al. (2011), "Parallel random
/// numbers: as easy as 1, 2, 3" (SC'11).
///
/// Every random number in Myelin is a pure function of (seed, stream, index, counter).
/// Nothing depends on thread count or iteration order, so 1 and 2 threads produce
/// bit-identical results (DESIGN.md §3).
public struct Philox: Sendable {
  public let key0: UInt32
  public let key1: UInt32

  public init(seed: UInt64) {
    key0 = UInt32(truncatingIfNeeded: seed)
    key1 = UInt32(truncatingIfNeeded: seed >> 32)
  }

  /// Four independent 32-bit words for the counter (c0, c1, c2, c3).
  @inline(__always)
  public func block(_ c0: UInt32, _ c1: UInt32, _ c2: UInt32, _ c3: UInt32) -> SIMD4<UInt32> {
    var x0 = c0, x1 = c1, x2 = c2, x3 = c3
    var k0 = key0, k1 = key1
    for _ in 0..<10 {
      let p0 = UInt64(0xD251_1F53) &* UInt64(x0)
      let p1 = UInt64(0xCD9E_8D57) &* UInt64(x2)
      let n0 = UInt32(truncatingIfNeeded: p1 >> 32) ^ x1 ^ k0
      let n2 = UInt32(truncatingIfNeeded: p0 >> 32) ^ x3 ^ k1
      x1 = UInt32(truncatingIfNeeded: p1)
      x3 = UInt32(truncatingIfNeeded: p0)
      x0 = n0
      x2 = n2
      k0 &+= 0x9E37_79B9
      k1 &+= 0xBB67_AE85
    }
    return SIMD4(x0, x1, x2, x3)
  }

  /// Four blocks at once, for indices `index ..< index + 4` of one (stream, counter), in
  /// vector lanes; lane j of the result's element i is word i of block index + j.
  @inline(__always)
  public func blocks4(stream: UInt32, index: UInt32, counter: UInt64)
    -> (SIMD4<UInt32>, SIMD4<UInt32>, SIMD4<UInt32>, SIMD4<UInt32>)
  {
    var x0 = SIMD4<UInt32>(repeating: UInt32(truncatingIfNeeded: counter))
    var x1 = SIMD4<UInt32>(repeating: UInt32(truncatingIfNeeded: counter >> 32))
    var x2 = SIMD4<UInt32>(index, index &+ 1, index &+ 2, index &+ 3)
    var x3 = SIMD4<UInt32>(repeating: stream)
    var k0 = key0, k1 = key1
    let m0 = SIMD4<UInt64>(repeating: 0xD251_1F53), m1 = SIMD4<UInt64>(repeating: 0xCD9E_8D57)
    for _ in 0..<10 {
      let p0 = m0 &* SIMD4<UInt64>(truncatingIfNeeded: x0)
      let p1 = m1 &* SIMD4<UInt64>(truncatingIfNeeded: x2)
      let n0 = SIMD4<UInt32>(truncatingIfNeeded: p1 &>> 32) ^ x1 ^ SIMD4(repeating: k0)
      let n2 = SIMD4<UInt32>(truncatingIfNeeded: p0 &>> 32) ^ x3 ^ SIMD4(repeating: k1)
      x1 = SIMD4<UInt32>(truncatingIfNeeded: p1)
      x3 = SIMD4<UInt32>(truncatingIfNeeded: p0)
      x0 = n0
      x2 = n2
      k0 &+= 0x9E37_79B9
      k1 &+= 0xBB67_AE85
    }
    return (x0, x1, x2, x3)
  }

  /// Words for a (stream, index, counter) triple; `counter` is usually the time step.
  @inline(__always)
  public func block(stream: UInt32, index: UInt32, counter: UInt64) -> SIMD4<UInt32> {
    block(
      UInt32(truncatingIfNeeded: counter), UInt32(truncatingIfNeeded: counter >> 32), index,
      stream)
  }
}

/// A sequential view of Philox for building connectivity: one (stream, index) pair is a
/// private, reproducible sequence of uniforms.
public struct RandomSequence: Sendable {
  let philox: Philox
  let stream: UInt32
  let index: UInt32
  var counter: UInt64 = 0
  var buffer = SIMD4<UInt32>()
  var used = 4

  public init(philox: Philox, stream: UInt32, index: UInt32) {
    self.philox = philox
    self.stream = stream
    self.index = index
  }

  /// A sequence for a 64-bit index: the high half offsets the counter, so sequences of
  /// indices below 2^32 are untouched and larger ones stay disjoint.
  public init(philox: Philox, stream: UInt32, wideIndex: Int) {
    self.init(philox: philox, stream: stream, index: UInt32(truncatingIfNeeded: wideIndex))
    counter = UInt64(truncatingIfNeeded: wideIndex >> 32) << 40
  }

  @inline(__always)
  public mutating func nextUInt32() -> UInt32 {
    if used == 4 {
      buffer = philox.block(stream: stream, index: index, counter: counter)
      counter &+= 1
      used = 0
    }
    defer { used += 1 }
    return buffer[used]
  }

  /// Uniform in [0, 1) with 53 random bits.
  @inline(__always)
  public mutating func nextUniform() -> Double {
    let hi = UInt64(nextUInt32() >> 5)
    let lo = UInt64(nextUInt32() >> 6)
    return Double(hi << 26 | lo) * 0x1p-53
  }

  /// Uniform integer in 0..<bound (Lemire's nearly divisionless method).
  @inline(__always)
  public mutating func nextInt(below bound: UInt32) -> UInt32 {
    var m = UInt64(nextUInt32()) &* UInt64(bound)
    var low = UInt32(truncatingIfNeeded: m)
    if low < bound {
      let threshold = (0 &- bound) % bound
      while low < threshold {
        m = UInt64(nextUInt32()) &* UInt64(bound)
        low = UInt32(truncatingIfNeeded: m)
      }
    }
    return UInt32(truncatingIfNeeded: m >> 32)
  }

  /// Standard normal deviate (Box–Muller; the second value is discarded for simplicity).
  public mutating func nextNormal() -> Double {
    var u1 = nextUniform()
    while u1 <= 0 { u1 = nextUniform() }
    let u2 = nextUniform()
    return (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
  }
}
