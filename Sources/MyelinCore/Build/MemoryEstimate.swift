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
      var delay = projection.delay.bounds.max
      var variable = projection.delay.constantValue == nil
      if case .explicit(let list) = projection.connector {
        delay = list.delays.max() ?? 1
        variable = Set(list.delays).count > 1
      }
      // Index + weight (+ delay) per synapse; while building, 8 B row counts and cursors
      // per source and part (the larger of the two phases).
      let parts = Double(options.threads)
      total += count * (4 + scalar + (variable ? 2 : 0)) + sources * 16 * parts
      if case .fixedTotalNumber(_, _, false) = projection.connector {
        total += count * 48  // the set of drawn pairs that rules out multapses
      }
      if delay.isFinite { maxDelaySteps[t] = max(maxDelaySteps[t], delay / options.dt) }
    }
    for (i, population) in network.populations.enumerated() {
      let n = Double(population.size)
      total += n * (3 * scalar + 4 + 8)  // state, refractory counters, spike lists
      total += n * 2 * scalar * (maxDelaySteps[i] + 1)  // ring buffer
    }
    bytes = total
  }

  /// Memory this process may use, in bytes: physical memory, or a smaller cgroup (container)
  /// limit where one is set.
  static var physicalMemory: Double {
    let physical = Double(sysconf(Int32(_SC_PHYS_PAGES))) * Double(sysconf(Int32(_SC_PAGESIZE)))
    for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
      if let limit = readNumber(path), limit > 0 { return min(physical, limit) }
    }
    return physical
  }

  /// The number in a one-line text file, or nil ("max", missing file, anything else).
  private static func readNumber(_ path: String) -> Double? {
    guard let file = fopen(path, "r") else { return nil }
    defer { fclose(file) }
    var buffer = [CChar](repeating: 0, count: 64)
    guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
    let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return Double(text.filter { !$0.isWhitespace })
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
