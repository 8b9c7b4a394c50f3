// SPDX-License-Identifier: Apache-2.0
import Foundation

/// exp(−Δ·dt/τ) for a gap of Δ whole steps. Short gaps come from a table of exact values
/// (each computed directly, not by repeated multiplication), long ones from `exp`, so a
/// trace read after any gap equals the closed-form decay to the last bit of a Double.
struct DecayTable {
  private let table: UnsafeMutableBufferPointer<Double>
  private let stepsPerTau: Double

  init(tau: Double, dt: Double) {
    stepsPerTau = dt / tau
    // Up to about 40 τ (where the trace has fallen below 1e-17), at most 2^14 entries.
    let count = Int(min(max(40 * tau / dt, 1), 16384))
    table = .allocate(capacity: count)
    for d in 0..<count { table[d] = exp(-Double(d) * stepsPerTau) }
  }

  func free() { table.deallocate() }

  @inline(__always)
  func callAsFunction(_ steps: Int64) -> Double {
    if steps < Int64(table.count) { return table[Int(steps)] }
    // Beyond 700 τ the value is below 1e-304: return 0 rather than take libm's slow
    // underflow path (a neuron that never fired has a gap of about 10^18 steps).
    let x = Double(steps) * stepsPerTau
    return x > 700 ? 0 : exp(-x)
  }
}

/// Synaptic traces of a set of neurons, read lazily: each holds its value right after its
/// neuron's last event and the step of that event, and decays only when read. A trace is
/// therefore touched at its own neuron's spikes only, never on quiet steps.
struct SynapticTraces {
  /// Step (synapse time) of the last event; `never` before the first.
  let last: UnsafeMutablePointer<Int64>
  /// Value just after the last event, of the first and (triplet rule) second trace.
  let first: UnsafeMutablePointer<Double>
  let second: UnsafeMutablePointer<Double>
  let count: Int

  /// Far enough in the past that every trace has decayed to exactly 0, and far enough from
  /// Int64.min that step differences cannot overflow (steps are < 10^15).
  static let never: Int64 = -(1 << 60)

  /// `second` allocates the second trace (triplet rule); otherwise it is one unused slot.
  init(count: Int, second hasSecond: Bool = false) {
    self.count = count
    last = .allocate(capacity: max(count, 1))
    last.initialize(repeating: Self.never, count: max(count, 1))
    first = .allocate(capacity: max(count, 1))
    first.initialize(repeating: 0, count: max(count, 1))
    let secondCount = hasSecond ? max(count, 1) : 1
    second = .allocate(capacity: secondCount)
    second.initialize(repeating: 0, count: secondCount)
    secondBytes = hasSecond ? count * 8 : 0
  }

  func free() {
    last.deallocate()
    first.deallocate()
    second.deallocate()
  }

  private let secondBytes: Int
  var bytes: Int { count * 16 + secondBytes }

  /// Whether neuron `i` has had an event.
  @inline(__always) func seen(_ i: Int) -> Bool { last[i] != Self.never }

  /// All-to-all trace at step `t` (before any event at `t`).
  @inline(__always)
  func value(_ i: Int, at t: Int64, _ decay: DecayTable) -> Double { first[i] * decay(t - last[i]) }

  @inline(__always)
  func secondValue(_ i: Int, at t: Int64, _ decay: DecayTable) -> Double { second[i] * decay(t - last[i]) }

  /// Nearest-neighbour trace (reset to 1 at each event) at step `t`.
  @inline(__always)
  func nearest(_ i: Int, at t: Int64, _ decay: DecayTable) -> Double { seen(i) ? decay(t - last[i]) : 0 }

  /// Records an event of neuron `i` at step `t`: traces jump by 1 after decaying.
  @inline(__always)
  func spike(_ i: Int, at t: Int64, _ decay: DecayTable, _ secondDecay: DecayTable? = nil) {
    let gap = t - last[i]
    first[i] = first[i] * decay(gap) + 1
    if let secondDecay { second[i] = second[i] * secondDecay(gap) + 1 }
    last[i] = t
  }
}
