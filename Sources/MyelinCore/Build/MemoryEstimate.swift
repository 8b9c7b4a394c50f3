// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
  import Glibc
#endif

/// An upper estimate of the memory a model needs, made before anything is allocated, so
/// that a model too large for the machine fails with a message instead of being killed.
struct MemoryEstimate {
  let bytes: Double

  init(network: Network, options: SimulationOptions) {
    let scalar = options.precision == .float ? 4.0 : 8.0
    var total = 0.0
    var maxDelaySteps = [Double](repeating: 1, count: network.populations.count)
    for projection in network.projections {
      guard let s = network.populationIndex(named: projection.source),
        let t = network.populationIndex(named: projection.target)
      else { continue }
      let sources = Double(network.populations[s].size)
      var count = PairGenerator.expectedCount(
        projection.connector, sources: network.populations[s].size,
        targets: network.populations[t].size)
      if case .pairwiseBernoulli = projection.connector { count += 5 * count.squareRoot() }
      let variable = projection.delay.constantValue == nil
      // Index + weight (+ delay), and row starts for every part.
      total += count * (4 + scalar + (variable ? 2 : 0)) + sources * 4 * Double(options.threads + 1)
      let delay = projection.delay.bounds.max
      if delay.isFinite { maxDelaySteps[t] = max(maxDelaySteps[t], delay / options.dt) }
    }
    for (i, population) in network.populations.enumerated() {
      let n = Double(population.size)
      total += n * (3 * scalar + 4 + 8)  // state, refractory counters, spike lists
      total += n * 2 * scalar * (maxDelaySteps[i] + 1)  // ring buffer
    }
    bytes = total
  }

  /// Physical memory of this machine in bytes.
  static var physicalMemory: Double {
    Double(sysconf(Int32(_SC_PHYS_PAGES))) * Double(sysconf(Int32(_SC_PAGESIZE)))
  }

  func check() throws(ModelError) {
    let limit = 0.8 * Self.physicalMemory
    guard bytes <= limit else {
      let gib = 1024.0 * 1024 * 1024
      throw ModelError(
        field: "network",
        problem: "needs about \(Self.format(bytes / gib)) GiB, more than this machine can hold",
        allowed: "at most \(Self.format(limit / gib)) GiB, 80% of physical memory")
    }
  }

  static func format(_ x: Double) -> String {
    let rounded = (x * 10).rounded() / 10
    return String(rounded)
  }
}
