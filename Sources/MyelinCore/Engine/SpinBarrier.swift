// SPDX-License-Identifier: Apache-2.0
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// A reusable barrier for the simulation's threads. A step lasts microseconds, so waiting
/// threads spin (yielding the core after a while, for loaded machines) instead of sleeping.
final class SpinBarrier: Sendable {
  private let parties: Int
  private let arrived = Atomic<Int>(0)
  private let generation = Atomic<Int>(0)

  init(parties: Int) { self.parties = parties }

  func wait() {
    guard parties > 1 else { return }
    let current = generation.load(ordering: .acquiring)
    if arrived.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue == parties {
      arrived.store(0, ordering: .relaxed)
      generation.wrappingAdd(1, ordering: .releasing)
      return
    }
    var spins = 0
    while generation.load(ordering: .acquiring) == current {
      spins += 1
      if spins > 4096 {
        sched_yield()
        spins = 0
      }
    }
  }
}
