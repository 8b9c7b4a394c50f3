// SPDX-License-Identifier: Apache-2.0
import MyelinCore
import Testing

/// The spike scans against plain loops: the masks (a vector compare for whole blocks of
/// sixteen, lane by lane for a tail), the branch-free index lists and the counts, at
/// densities from empty to full, with the values a scan must tell apart (−0, NaN, ±∞,
/// subnormals, residual sums).
struct SpikeScanTests {
  /// Values at `density` from a fixed generator; non-zero ones cycle through the kinds
  /// above, zeros are +0 or −0.
  static func values(count: Int, density: Double, seed: UInt64) -> [Float] {
    let nonZero: [Float] = [1, 2, -3, .nan, .infinity, -.infinity, .leastNonzeroMagnitude, -0.5]
    var state = seed
    return (0..<count).map { i in
      state = state &* 6364136223846793005 &+ 1442695040888963407
      let u = Double(state >> 11) * 0x1p-53
      return u < density ? nonZero[i % nonZero.count] : (state >> 3 & 1 == 0 ? 0 : -0.0)
    }
  }

  @Test(arguments: [0, 1, 15, 16, 17, 31, 33, 100, 2048], [0.0, 0.05, 0.3, 1.0])
  func listsAndMasksEqualPlainLoops(count: Int, density: Double) {
    let x = Self.values(count: count, density: density, seed: UInt64(count) &+ 7)
    let want = x.indices.filter { x[$0] != 0 }  // NaN != 0 is true; −0 != 0 is false
    var listed = [Int32](repeating: -1, count: count + 16)
    var visited: [Int] = []
    var masks: [UInt32] = []
    let found = x.withUnsafeBufferPointer { xb -> Int in
      guard let base = xb.baseAddress else { return 0 }
      SpikeScan.forEachNonZero(base, count: count) { visited.append($0) }
      for start in stride(from: 0, to: count, by: 16) {
        masks.append(SpikeScan.nonZeroBits(base + start, count: min(16, count - start)))
      }
      return listed.withUnsafeMutableBufferPointer { SpikeScan.listNonZero(base, count: count, into: $0.baseAddress!) }
    }
    #expect(found == want.count)
    #expect(listed.prefix(found).map(Int.init) == want)
    #expect(visited == want)
    let wantMasks = stride(from: 0, to: count, by: 16).map { start -> UInt32 in
      var bits: UInt32 = 0
      for l in 0..<min(16, count - start) where x[start + l] != 0 { bits |= 1 << UInt32(l) }
      return bits
    }
    #expect(masks == wantMasks)
    #expect(x.withUnsafeBufferPointer { xb in xb.baseAddress.map { SpikeScan.nonZeroCount($0, count: count) } ?? 0 } == want.count)
  }

  /// Every byte's table entry lists its set bits in order.
  @Test func bitPositionTableListsEveryByte() {
    for b in 0..<256 {
      let entry = (0..<8).map { Int(SpikeScan.bitPositions[b * 8 + $0]) }
      let bits = (0..<8).filter { b >> $0 & 1 == 1 }
      #expect(Array(entry.prefix(bits.count)) == bits, "byte \(b)")
    }
  }
}
