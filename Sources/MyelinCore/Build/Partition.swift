// SPDX-License-Identifier: Apache-2.0

/// How neurons are split between threads: part t owns [size·t/P, size·(t+1)/P) of every
/// population. A thread writes only the state and input buffers of the neurons it owns,
/// so threads never need atomics (DESIGN.md §3).
struct Partition: Sendable {
  let parts: Int

  func range(part: Int, size: Int) -> Range<Int> {
    (size * part / parts)..<(size * (part + 1) / parts)
  }

  /// The part that owns neuron `n` of a population of `size`.
  func part(of n: Int, size: Int) -> Int {
    var t = n * parts / size
    while t > 0 && n < size * t / parts { t -= 1 }
    while t + 1 < parts && n >= size * (t + 1) / parts { t += 1 }
    return t
  }
}
