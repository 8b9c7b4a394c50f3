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
