// SPDX-License-Identifier: Apache-2.0
import Foundation

/// The neurons of a `poisson_generator` population. Each spikes in a step with probability
/// p = rate·dt, independently: the gaps between its spikes are geometric, so each neuron
/// keeps the step of its next spike and draws a new gap only when it fires. A quiet step
/// costs one vector compare per eight neurons, not a random number per neuron.
///
/// Gap k of neuron n comes from Philox (stream, n, k): a neuron's train depends on the seed
/// only, never on the thread count or on how a run is split.
final class PoissonSource: @unchecked Sendable {
  /// Engine step in which each neuron fires next (Int64.max: never).
  private let next: UnsafeMutablePointer<Int64>
  /// Gaps drawn so far per neuron (the Philox counter of the next draw).
  private let draws: UnsafeMutablePointer<UInt64>
  private let size: Int
  /// 1 / log(1 − p); 0 when p = 1 (every step), and unused when p = 0.
  private let inverseLogKeep: Double
  private let silent: Bool
  private let philox: Philox
  private let stream: UInt32

  init(size: Int, perStep p: Double, philox: Philox, stream: UInt32) {
    self.size = size
    self.philox = philox
    self.stream = stream
    // Below 1e-300 per step a neuron would not fire in 10^15 steps; it also keeps 1/log(1 − p) finite.
    silent = !(p >= 1e-300)
    inverseLogKeep = p >= 1 ? 0 : 1 / log1p(-p)
    next = .allocate(capacity: max(size, 1))
    draws = .allocate(capacity: max(size, 1))
    draws.initialize(repeating: 0, count: max(size, 1))
    for n in 0..<size { next[n] = silent ? Int64.max : gap(n) - 1 }
  }

  deinit {
    next.deallocate()
    draws.deallocate()
  }

  /// Steps to the next spike (≥ 1): 1 + ⌊log u / log(1 − p)⌋ with u uniform in (0, 1].
  @inline(__always)
  private func gap(_ n: Int) -> Int64 {
    let block = philox.block(stream: stream, index: UInt32(truncatingIfNeeded: n), counter: draws[n])
    draws[n] += 1
    let bits = (UInt64(block[0]) << 21) ^ UInt64(block[1] >> 11)  // 53 random bits
    let u = (Double(bits) + 1) * 0x1p-53
    let steps = (log(u) * inverseLogKeep).rounded(.down)
    return 1 + Int64(min(steps, 1e15))
  }

  /// Appends the neurons of `range` that fire in engine step `step`, ascending; returns
  /// how many.
  func emit(range: Range<Int>, step: Int64, into list: UnsafeMutablePointer<Int32>) -> Int {
    var count = 0
    var n = range.lowerBound
    let now = SIMD8<Int64>(repeating: step)
    while n < range.upperBound {
      if n + 8 <= range.upperBound {
        let due = UnsafeRawPointer(next + n).loadUnaligned(as: SIMD8<Int64>.self)
        if !any(due .<= now) {
          n += 8
          continue
        }
      }
      let end = min(n + 8, range.upperBound)
      while n < end {
        if next[n] <= step {
          list[count] = Int32(truncatingIfNeeded: n)
          count += 1
          next[n] += gap(n)
        }
        n += 1
      }
    }
    return count
  }
}
