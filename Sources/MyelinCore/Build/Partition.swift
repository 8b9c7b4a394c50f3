// SPDX-License-Identifier: Apache-2.0

/// How neurons are split between threads: part t owns a contiguous range of every
/// population, about size / parts neurons each. A thread writes only the state and input
/// buffers of the neurons it owns, so threads never need atomics (DESIGN.md §3).
///
/// Inner boundaries are multiples of 16, so every part's vector loops start aligned to a
/// 64-byte line of Float state and no line is written by two threads.
struct Partition: Sendable {
  let parts: Int

  private func boundary(_ t: Int, size: Int) -> Int {
    if t <= 0 { return 0 }
    if t >= parts { return size }
    return (size * t / parts) & ~15
  }

  func range(part: Int, size: Int) -> Range<Int> {
    boundary(part, size: size)..<boundary(part + 1, size: size)
  }

  /// The part that owns neuron `n` of a population of `size`.
  func part(of n: Int, size: Int) -> Int {
    var t = 0
    while t + 1 < parts && n >= boundary(t + 1, size: size) { t += 1 }
    return t
  }
}
