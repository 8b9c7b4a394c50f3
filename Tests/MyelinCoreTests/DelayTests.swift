// SPDX-License-Identifier: Apache-2.0
import MyelinCore
import Testing

/// A spike stamped s with delay d enters the target at s + d: for iaf_psc_delta the jump
/// of V shows at exactly that step.
@Suite struct DelayTests {
  /// Steps after which V of each target neuron first differs from rest.
  private func arrivalSteps(_ network: Network, targets: Int, steps: Int) throws -> [Int?] {
    let simulation = try Simulation(network: network, options: SimulationOptions(precision: .double))
    var arrival = [Int?](repeating: nil, count: targets)
    for step in 1...steps {
      simulation.run(steps: 1)
      let v = try #require(simulation.values(.V_m, of: "out"))
      for n in 0..<targets where arrival[n] == nil && v[n] != 0 { arrival[n] = step }
    }
    return arrival
  }

  private func deltaTargets(_ size: Int) -> Population {
    var p = IafPscDelta()
    p.E_L = 0
    p.V_reset = 0
    p.V_th = 1000
    p.tau_m = 1e9  // no leak to speak of
    return Population(name: "out", size: size, model: .iafPscDelta(p))
  }

  @Test(arguments: [0.1, 0.3, 1.5, 2.0, 6.5])
  func uniformDelayArrivesExactly(delay: Double) throws {
    var network = Network(name: "delay")
    network.add(Population(name: "in", size: 1, model: .spikeGenerator(spikeTimes: [[1.0]])))
    network.add(deltaTargets(1))
    network.connect("in", "out", .allToAll(), weight: .constant(5), delay: .constant(delay))
    let arrival = try arrivalSteps(network, targets: 1, steps: 120)
    #expect(arrival == [10 + Int((delay / 0.1).rounded())])
  }

  @Test func perSynapseDelaysAreEachHonoured() throws {
    var network = Network(name: "mixed")
    network.add(
      Population(name: "in", size: 2, model: .spikeGenerator(spikeTimes: [[0.5], [2.0]])))
    network.add(deltaTargets(4))
    let list = SynapseList(
      sources: [0, 0, 1, 1], targets: [0, 1, 2, 3], weights: [1, 2, 3, -4],
      delays: [0.1, 1.7, 0.4, 3.0])
    network.connect("in", "out", .explicit(list), weight: .constant(0))
    let arrival = try arrivalSteps(network, targets: 4, steps: 80)
    #expect(arrival == [6, 22, 24, 50])
  }

  @Test func drawnDelaysStayWithinTheirBounds() throws {
    var network = Network(name: "drawn")
    network.add(Population(name: "in", size: 50, model: .poissonGenerator(rate: 100)))
    network.add(deltaTargets(50))
    network.connect("in", "out", .fixedIndegree(10), weight: .constant(0.1),
                    delay: .uniform(min: 0.5, max: 3.0))
    let simulation = try Fixtures.run(network, duration: 10)
    let delays = try #require(simulation.synapses(of: "in->out")?.delays)
    #expect(delays.count == 500)
    #expect(delays.allSatisfy { $0 >= 0.5 - 1e-12 && $0 <= 3.0 + 1e-12 })
    #expect(Set(delays.map { ($0 * 10).rounded() }).count > 10)
  }
}
