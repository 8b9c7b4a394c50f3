// SPDX-License-Identifier: Apache-2.0
import MyelinCore
import Testing

@Suite struct ConnectorTests {
  private func synapses(
    _ connector: Connector, sources: Int = 200, targets: Int = 150, same: Bool = false,
    seed: UInt64 = 5
  ) throws -> SynapseList {
    var network = Network(name: "connect")
    network.add(Population(name: "a", size: sources, model: .iafPscExp(IafPscExp())))
    if !same { network.add(Population(name: "b", size: targets, model: .iafPscExp(IafPscExp()))) }
    network.connect("a", same ? "a" : "b", connector, weight: .constant(1), delay: .constant(1),
                    name: "p")
    let simulation = try Simulation(network: network, options: SimulationOptions(seed: seed))
    return try #require(simulation.synapses(of: "p"))
  }

  @Test(arguments: [0.01, 0.1, 0.5])
  func pairwiseBernoulliCountIsWithinFiveSigma(p: Double) throws {
    let list = try synapses(.pairwiseBernoulli(p: p), sources: 400, targets: 300)
    let n = 400.0 * 300
    let sigma = (n * p * (1 - p)).squareRoot()
    #expect(abs(Double(list.sources.count) - n * p) < 5 * sigma)
  }

  @Test func fixedIndegreeIsExact() throws {
    let list = try synapses(.fixedIndegree(37))
    var counts = [Int](repeating: 0, count: 150)
    for t in list.targets { counts[Int(t)] += 1 }
    #expect(counts.allSatisfy { $0 == 37 })
  }

  @Test func fixedOutdegreeIsExact() throws {
    let list = try synapses(.fixedOutdegree(11))
    var counts = [Int](repeating: 0, count: 200)
    for s in list.sources { counts[Int(s)] += 1 }
    #expect(counts.allSatisfy { $0 == 11 })
  }

  @Test func fixedTotalNumberIsExact() throws {
    #expect(try synapses(.fixedTotalNumber(1234)).sources.count == 1234)
  }

  @Test func allToAllAndOneToOne() throws {
    #expect(try synapses(.allToAll()).sources.count == 200 * 150)
    #expect(try synapses(.allToAll(allowAutapses: false), same: true).sources.count == 200 * 199)
    let diagonal = try synapses(.oneToOne, sources: 80, targets: 80)
    #expect(diagonal.sources == diagonal.targets)
    #expect(diagonal.sources.count == 80)
  }

  @Test(arguments: [
    Connector.pairwiseBernoulli(p: 0.3, allowAutapses: false),
    .fixedIndegree(50, allowAutapses: false),
    .fixedOutdegree(50, allowAutapses: false),
    .fixedTotalNumber(5000, allowAutapses: false),
    .allToAll(allowAutapses: false),
  ])
  func noAutapsesWhenForbidden(connector: Connector) throws {
    let list = try synapses(connector, same: true)
    #expect(!list.sources.isEmpty)
    #expect(zip(list.sources, list.targets).allSatisfy { $0 != $1 })
  }

  @Test(arguments: [
    Connector.fixedIndegree(120, allowMultapses: false),
    .fixedOutdegree(100, allowMultapses: false),
    .fixedTotalNumber(20_000, allowMultapses: false),
  ])
  func noMultapsesWhenForbidden(connector: Connector) throws {
    let list = try synapses(connector)
    let pairs = Set(zip(list.sources, list.targets).map { UInt64($0) << 32 | UInt64($1) })
    #expect(pairs.count == list.sources.count)
  }

  @Test func connectivityDependsOnTheSeedOnly() throws {
    let a = try synapses(.fixedIndegree(20), seed: 1)
    let b = try synapses(.fixedIndegree(20), seed: 1)
    let c = try synapses(.fixedIndegree(20), seed: 2)
    #expect(a == b)
    #expect(a.sources != c.sources)
  }

  @Test func inhibitoryWeightsKeepTheirSign() throws {
    var network = Network(name: "signs")
    network.add(Population(name: "a", size: 20, model: .iafCondExp(IafCondExp())))
    network.connect("a", "a", .allToAll(), weight: .uniform(min: -3, max: 2), name: "p")
    let simulation = try Simulation(network: network, options: SimulationOptions())
    let weights = try #require(simulation.synapses(of: "p")?.weights)
    #expect(weights.contains { $0 < 0 } && weights.contains { $0 > 0 })
    #expect(weights.allSatisfy { $0 >= -3 && $0 < 2 })
  }
}
