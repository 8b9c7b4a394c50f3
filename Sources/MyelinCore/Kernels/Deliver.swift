// SPDX-License-Identifier: Apache-2.0

/// Where a delivery kernel reads a synapse's weight: one value for the whole projection,
/// or one per synapse. Both are specialised and inlined, so the kernel is written once.
protocol SynapseWeights {
  associatedtype Scalar: SimulationScalar
  subscript(_ k: Int) -> Scalar { get }
}

struct UniformWeight<S: SimulationScalar>: SynapseWeights {
  let value: S
  @inline(__always) subscript(_ k: Int) -> S { value }
}

struct PerSynapseWeight<S: SimulationScalar>: SynapseWeights {
  let values: UnsafePointer<S>
  @inline(__always) subscript(_ k: Int) -> S { values[k] }
}

enum DeliverKernels {
  /// Adds the weights of every spiking source's CSR row into one ring-buffer slot.
  /// Row bounds come from `rowStart` (built by SynapseMatrix, length sources + 1) and
  /// every stored target index is below the slot stride, so all reads and writes are in
  /// bounds. Returns the number of synaptic events.
  @inline(__always)
  static func uniformDelay<W: SynapseWeights>(
    rowStart: UnsafePointer<UInt32>, target: UnsafePointer<UInt32>, weight: W,
    spikes: UnsafePointer<Int32>, spikeCount: Int, slot: UnsafeMutablePointer<W.Scalar>,
    sink: UnsafeMutablePointer<UInt32>
  ) -> Int {
    var events = 0
    var touched: UInt32 = 0
    guard spikeCount > 0 else { return 0 }
    var a = Int(rowStart[Int(spikes[0])]), b = Int(rowStart[Int(spikes[0]) + 1])
    for i in 0..<spikeCount {
      // Load the next row's bounds and first index now, so that their cache misses overlap
      // with this row's work (a software prefetch; the value itself is not needed).
      var nextA = a, nextB = b
      if i + 1 < spikeCount {
        let next = Int(spikes[i + 1])
        nextA = Int(rowStart[next])
        nextB = Int(rowStart[next + 1])
        if nextA < nextB { touched &+= target[nextA] }
      }
      for k in a..<b { slot[Int(target[k])] += weight[k] }
      events += b - a
      a = nextA
      b = nextB
    }
    sink.pointee &+= touched
    return events
  }

  /// As ``uniformDelay`` with a delay (in steps, 1...slots−1) per synapse. `base` is the
  /// slot index of delay 0 (the current step's arrival slot).
  @inline(__always)
  static func perSynapseDelay<W: SynapseWeights>(
    rowStart: UnsafePointer<UInt32>, target: UnsafePointer<UInt32>, weight: W,
    delay: UnsafePointer<UInt16>, spikes: UnsafePointer<Int32>, spikeCount: Int,
    ring: UnsafeMutablePointer<W.Scalar>, base: Int, slots: Int, stride: Int
  ) -> Int {
    var events = 0
    for i in 0..<spikeCount {
      let s = Int(spikes[i])
      let a = Int(rowStart[s]), b = Int(rowStart[s + 1])
      for k in a..<b {
        var slot = base + Int(delay[k])
        if slot >= slots { slot -= slots }
        ring[slot * stride + Int(target[k])] += weight[k]
      }
      events += b - a
    }
    return events
  }
}
