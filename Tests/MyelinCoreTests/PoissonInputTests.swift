// SPDX-License-Identifier: Apache-2.0
import MyelinCore
import Testing

/// Poisson stimuli deliver Poisson counts: over many neurons and steps, the mean and the
/// variance of the summed input both equal rate · duration.
@Suite struct PoissonInputTests {
  @Test(arguments: [(2000.0, 1.0), (20_000.0, -0.5), (400_000.0, 1.0)])
  func countsHavePoissonMeanAndVariance(rate: Double, weight: Double) throws {
    var p = IafPscDelta()
    p.E_L = 0
    p.V_reset = -1e9
    p.V_th = 1e12
    p.tau_m = 1e12  // no leak: V sums every input
    var network = Network(name: "poisson")
    // 1003 neurons: not a multiple of 16, so vector and scalar draws both run.
    network.add(Population(name: "n", size: 1003, model: .iafPscDelta(p),
                           stimuli: [.poisson(rate: rate, weight: weight)]))
    let simulation = try Simulation(network: network, options: SimulationOptions(precision: .double))
    try simulation.run(duration: 100)
    let counts = try #require(simulation.values(.V_m, of: "n")).map { $0 / weight }
    let expected = rate * 0.1  // spikes per neuron in 100 ms
    let mean = counts.reduce(0, +) / Double(counts.count)
    let variance = counts.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(counts.count - 1)
    // The mean of 1003 Poisson(λ) values has standard deviation sqrt(λ / 1003).
    #expect(abs(mean - expected) < 5 * (expected / Double(counts.count)).squareRoot(), "mean \(mean)")
    #expect(abs(variance / expected - 1) < 0.25, "variance \(variance) vs \(expected)")
    #expect(counts.allSatisfy { $0 >= 0 && abs($0 - $0.rounded()) < 1e-3 }, "whole counts (up to the 1e-13 leak per step)")
  }
}

/// Poisson generators: each neuron fires in a step with probability p = rate · dt, so its
/// count over n steps is binomial(n, p) and its inter-spike intervals are geometric.
@Suite struct PoissonGeneratorTests {
  static func counts(rate: Double, size: Int, duration: Double, threads: Int = 1) throws -> (Simulation, [Int]) {
    var network = Network(name: "generators")
    network.add(Population(name: "g", size: size, model: .poissonGenerator(rate: rate)))
    let simulation = try Fixtures.run(network, duration: duration, threads: threads)
    var counts = [Int](repeating: 0, count: size)
    for n in Fixtures.steps(simulation, "g").indices { counts[Int(simulation.recordedSpikes(of: "g")!.nodes[n])] += 1 }
    return (simulation, counts)
  }

  @Test func countsAreBinomialAndIntervalsGeometric() throws {
    // 2003 neurons (not a multiple of 8) at 20 Hz for 10 s: 10^5 steps with p = 0.002.
    let (simulation, counts) = try Self.counts(rate: 20, size: 2003, duration: 10_000)
    let n = 100_000.0, p = 0.002
    let mean = Double(counts.reduce(0, +)) / Double(counts.count)
    let variance = counts.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(counts.count - 1)
    #expect(abs(mean - n * p) < 5 * (n * p / Double(counts.count)).squareRoot(), "mean \(mean)")
    #expect(abs(variance / (n * p * (1 - p)) - 1) < 0.15, "variance \(variance)")
    // Geometric intervals: mean 1/p steps, and P(interval = 1 step) = p.
    let spikes = try #require(simulation.recordedSpikes(of: "g"))
    var last = [Int64](repeating: -1, count: 2003), intervals: [Int64] = []
    for (step, node) in zip(spikes.steps, spikes.nodes) {
      if last[Int(node)] >= 0 { intervals.append(step - last[Int(node)]) }
      last[Int(node)] = step
    }
    let meanInterval = Double(intervals.reduce(0, +)) / Double(intervals.count)
    #expect(abs(meanInterval * p - 1) < 0.02, "mean interval \(meanInterval) steps")
    let ones = Double(intervals.filter { $0 == 1 }.count) / Double(intervals.count)
    #expect(abs(ones - p) < 5 * (p / Double(intervals.count)).squareRoot(), "P(1 step) = \(ones)")
  }

  @Test func extremeRatesAndThreads() throws {
    let (_, always) = try Self.counts(rate: 10_000, size: 10, duration: 50)  // p = 1
    #expect(always.allSatisfy { $0 == 500 })
    let (_, never) = try Self.counts(rate: 0, size: 10, duration: 50)
    #expect(never.allSatisfy { $0 == 0 })
    let (one, _) = try Self.counts(rate: 30, size: 301, duration: 500, threads: 1)
    let (two, _) = try Self.counts(rate: 30, size: 301, duration: 500, threads: 2)
    #expect(one.recordedSpikes(of: "g")?.steps == two.recordedSpikes(of: "g")?.steps)
    #expect(one.recordedSpikes(of: "g")?.nodes == two.recordedSpikes(of: "g")?.nodes)
  }
}
