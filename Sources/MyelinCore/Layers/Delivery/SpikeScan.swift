// SPDX-License-Identifier: Apache-2.0

/// Finding the non-zero values of a mostly-zero tensor (spikes, residual sums) sixteen at a
/// time: both executors' event paths visit only the set bits of each mask, in ascending
/// order, so the sums they feed run in the same order as a plain scan's.
public enum SpikeScan {
  /// Bit l set where lane l is not zero (NaN included, −0 not).
  @inlinable @inline(__always)
  public static func nonZeroBits(_ v: SIMD16<Float>) -> UInt32 {
    // A literal, not a stored `static let`: from another module that would be read through
    // an accessor call (with its once-check) for every sixteen values.
    let powersOfTwo = SIMD16<UInt32>(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768)
    return SIMD16<UInt32>().replacing(with: powersOfTwo, where: v .!= 0).wrappedSum()
  }

  /// The mask of `x[0 ..< count]` (count ≤ 16): a vector load for 16, lane by lane for a tail.
  @inlinable @inline(__always)
  public static func nonZeroBits(_ x: UnsafePointer<Float>, count: Int) -> UInt32 {
    if count == 16 { return nonZeroBits(UnsafeRawPointer(x).loadUnaligned(as: SIMD16<Float>.self)) }
    var bits: UInt32 = 0
    for l in 0..<count where x[l] != 0 { bits |= 1 << UInt32(l) }
    return bits
  }

  /// Calls `body(i)` for every i in 0 ..< count with x[i] ≠ 0, ascending.
  @inlinable @inline(__always)
  public static func forEachNonZero(_ x: UnsafePointer<Float>, count: Int, _ body: (Int) -> Void) {
    var start = 0
    while start < count {
      var bits = nonZeroBits(x + start, count: min(16, count - start))
      while bits != 0 {
        body(start + bits.trailingZeroBitCount)
        bits &= bits &- 1
      }
      start += 16
    }
  }

  /// The number of non-zero values in `x[0 ..< count]` (NaN included, −0 not), counted in
  /// sixteen lanes: a masked add per sixteen values, where turning the mask into bits
  /// (``nonZeroBits(_:)``) would take a dozen instructions.
  @inlinable
  public static func nonZeroCount(_ x: UnsafePointer<Float>, count n: Int) -> Int {
    var lanes = SIMD16<UInt32>(), i = 0
    let one = SIMD16<UInt32>(repeating: 1)
    while i + 16 <= n {
      let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
      lanes &+= one.replacing(with: 0, where: v .== 0)
      i += 16
    }
    var total = 0
    for l in 0..<16 { total += Int(lanes[l]) }
    return total + nonZeroBits(x + i, count: n - i).nonzeroBitCount
  }
}
