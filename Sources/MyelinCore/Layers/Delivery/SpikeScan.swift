// SPDX-License-Identifier: Apache-2.0
import CSpikeMask

/// Finding the non-zero values of a mostly-zero tensor (spikes, residual sums) sixteen at a
/// time: both executors' event paths visit only the set bits of each mask, in ascending
/// order, so the sums they feed run in the same order as a plain scan's.
public enum SpikeScan {
  /// The mask of `x[0 ..< count]` (count ≤ 16), bit l set where x[l] ≠ 0 (NaN included,
  /// −0 not): a vector compare and sign-bit gather for 16 (`CSpikeMask`: Swift's SIMD types
  /// build it with some thirty shuffles), lane by lane for a tail.
  @inlinable @inline(__always)
  public static func nonZeroBits(_ x: UnsafePointer<Float>, count: Int) -> UInt32 {
    if count == 16 { return myelin_nonzero_mask16(x) }
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

  /// Entry b (bytes 8b ..< 8b + 8) lists the positions of the set bits of the byte b,
  /// ascending, then zeros: ``listNonZero(_:count:into:positions:)`` turns a mask into
  /// indices with it. 2 KB, built once.
  nonisolated(unsafe) public static let bitPositions: UnsafePointer<UInt8> = {
    let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 256 * 8)
    table.initialize(repeating: 0, count: 256 * 8)
    for b in 0..<256 {
      var k = 0
      for l in 0..<8 where b >> l & 1 == 1 {
        table[b * 8 + k] = UInt8(l)
        k += 1
      }
    }
    return UnsafePointer(table)
  }()

  /// Writes every i in 0 ..< count with x[i] ≠ 0 to `out`, ascending, and returns their
  /// number. No branch depends on the data: each byte of a mask stores the eight positions
  /// of its table entry and advances by its bit count, where ``forEachNonZero(_:count:_:)``
  /// takes a mispredicted branch for about every spike at a few percent density. `out`
  /// needs room for count + 16 values: the stores run past the last index.
  @inlinable
  public static func listNonZero(_ x: UnsafePointer<Float>, count n: Int, into out: UnsafeMutablePointer<Int32>,
                                 positions: UnsafePointer<UInt8> = bitPositions) -> Int {
    var found = 0, start = 0
    while start < n {
      let bits = nonZeroBits(x + start, count: min(16, n - start))
      found = appendPositions(of: bits & 0xFF, from: start, to: out, at: found, positions: positions)
      found = appendPositions(of: bits >> 8, from: start + 8, to: out, at: found, positions: positions)
      start += 16
    }
    return found
  }

  /// Stores start + p for the positions p of the set bits of `byte` (< 256) at out[at...],
  /// eight values at once; returns the new end.
  @inlinable @inline(__always)
  static func appendPositions(of byte: UInt32, from start: Int, to out: UnsafeMutablePointer<Int32>, at end: Int,
                              positions: UnsafePointer<UInt8>) -> Int {
    let entry = UnsafeRawPointer(positions + Int(byte) * 8).loadUnaligned(as: SIMD8<UInt8>.self)
    let indices = SIMD8<Int32>(truncatingIfNeeded: entry) &+ SIMD8(repeating: Int32(truncatingIfNeeded: start))
    UnsafeMutableRawPointer(out + end).storeBytes(of: indices, as: SIMD8<Int32>.self)
    return end &+ byte.nonzeroBitCount
  }

  /// The number of non-zero values in `x[0 ..< count]` (NaN included, −0 not), counted in
  /// sixteen lanes: a compare and a masked add per sixteen values, no mask to bits.
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
