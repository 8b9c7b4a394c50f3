// SPDX-License-Identifier: Apache-2.0
import COpenBLAS
import Dispatch

// Shared helpers of the Trainer's kernels: thread halves, buffers, reductions.

/// OpenBLAS's own thread pool. Its `sgemm` does not give the same bits with 1 and 2
/// threads (measured: `TrainerTests.openBLASThreadsDoNotChangeTheBits` fails without the
/// row halves below), so Myelin keeps it at 1 thread and splits the work itself.
public enum BLASThreads {
  public static func set(_ n: Int) { openblas_set_num_threads(Int32(max(n, 1))) }
}

extension Array where Element == Float {
  /// An array for a caller that writes every value before reading any: tensors of tens of
  /// MB per layer and step, which a zero fill would pass over once more for nothing.
  init(uninitializedCount count: Int) {
    self.init(unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
  }
}

/// Rows [0, m) in two fixed halves, whatever the thread count: with 2 threads each half
/// runs on its own thread. Bodies write disjoint rows, or sum into a partial of their own
/// half that the caller adds afterwards, so every value is computed in the same order on
/// 1 and 2 threads. OpenBLAS runs single-threaded inside.
enum RowHalves {
  static func run(_ m: Int, threads: Int, _ body: @Sendable (_ half: Int, _ rows: Range<Int>) -> Void) {
    BLASThreads.set(1)
    let halves = [0..<(m / 2), (m / 2)..<m]
    guard threads > 1, m > 1 else {
      for (k, rows) in halves.enumerated() { body(k, rows) }
      return
    }
    DispatchQueue.concurrentPerform(iterations: 2) { k in body(k, halves[k]) }
  }
}

/// Reductions over a contiguous run of floats.
enum Lanes {
  @inline(__always)
  static func load(_ p: UnsafePointer<Float>) -> SIMD16<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }

  @inline(__always)
  static func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
  }

  /// Σa and Σa·b over one row of `count` values, in eight lanes: a float sum in one chain
  /// waits on every add, eight chains keep the adder busy (and the loop vectorises).
  @inline(__always)
  static func sums(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count n: Int) -> (Float, Float) {
    var s0 = SIMD8<Float>(), s1 = SIMD8<Float>()
    var p = 0
    while p + 8 <= n {
      let va = UnsafeRawPointer(a + p).loadUnaligned(as: SIMD8<Float>.self)
      let vb = UnsafeRawPointer(b + p).loadUnaligned(as: SIMD8<Float>.self)
      s0 += va
      s1 += va * vb
      p += 8
    }
    var r0 = s0.sum(), r1 = s1.sum()
    while p < n {
      r0 += a[p]
      r1 += a[p] * b[p]
      p += 1
    }
    return (r0, r1)
  }

  /// Σa over one row of `count` values, in eight lanes (see ``sums(_:_:count:)``).
  @inline(__always)
  static func sum(_ a: UnsafePointer<Float>, count n: Int) -> Float {
    var s0 = SIMD8<Float>()
    var p = 0
    while p + 8 <= n {
      s0 += UnsafeRawPointer(a + p).loadUnaligned(as: SIMD8<Float>.self)
      p += 8
    }
    var r0 = s0.sum()
    while p < n {
      r0 += a[p]
      p += 1
    }
    return r0
  }
}
