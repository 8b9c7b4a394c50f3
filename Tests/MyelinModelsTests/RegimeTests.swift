// SPDX-License-Identifier: Apache-2.0
import MyelinCore
import MyelinModels
import Testing

/// The benchmark networks reach the regimes their papers report. Reference figures are
/// Brian2's, measured side by side (Tests/peers/RESULTS-brian2.md).
@Suite(.serialized) struct RegimeTests {
  struct Regime {
    let rate: ClosedRange<Double>  // Hz, each population
    let cvISI: ClosedRange<Double>
    let synchrony: ClosedRange<Double>  // CV of the population count in 1 ms bins
  }

  static func check(_ network: Network, _ regime: Regime) throws {
    let duration = 1000.0
    let simulation = try Simulation(
      network: network, options: SimulationOptions(seed: 1, threads: 2, recordSpikes: true))
    try simulation.run(duration: duration)
    var allSteps: [Int64] = []
    for population in network.populations {
      let spikes = try #require(simulation.recordedSpikes(of: population.name))
      let stats = SpikeStatistics(steps: spikes.steps, nodes: spikes.nodes,
                                  neurons: population.size, dt: 0.1, duration: duration)
      #expect(regime.rate.contains(stats.rate), "\(network.name) \(population.name): \(stats.rate) Hz")
      let cv = try #require(stats.cvISI)
      #expect(regime.cvISI.contains(cv), "\(network.name) \(population.name): CV ISI \(cv)")
      allSteps += spikes.steps
    }
    let total = network.populations.reduce(0) { $0 + $1.size }
    let stats = SpikeStatistics(steps: allSteps, nodes: Array(repeating: 0, count: allSteps.count),
                                neurons: total, dt: 0.1, duration: duration)
    let synchrony = try #require(stats.countCV)
    #expect(regime.synchrony.contains(synchrony), "\(network.name): synchrony \(synchrony)")
  }

  /// Brian2: 5.6 Hz, CV ISI 0.52, synchrony 0.38.
  @Test func cubaIsAsynchronousIrregularAtFiveHertz() throws {
    try Self.check(VogelsAbbott.cuba(), Regime(rate: 4.5...7, cvISI: 0.3...0.8, synchrony: 0.2...0.6))
  }

  /// Brian2: 19 Hz, CV ISI 1.5, synchrony 0.24.
  @Test func cobaIsIrregularAtTwentyHertz() throws {
    try Self.check(VogelsAbbott.coba(), Regime(rate: 15...25, cvISI: 1...2.2, synchrony: 0.1...0.5))
  }

  /// Brian2 and NEST: 37.5 Hz; Brian2: CV ISI 0.42, synchrony 0.59.
  @Test func brunelG5Eta2() throws {
    try Self.check(Brunel.network(.g5eta2), Regime(rate: 35...40, cvISI: 0.3...0.6, synchrony: 0.4...0.8))
  }

  /// Fig. 8B, fast oscillation. Brian2: 59 Hz, CV ISI 0.86, synchrony 0.96.
  @Test func brunelG6Eta4OscillatesFast() throws {
    try Self.check(Brunel.network(.g6eta4), Regime(rate: 55...63, cvISI: 0.65...1.1, synchrony: 0.8...1.2))
  }
}
