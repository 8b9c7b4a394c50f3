// SPDX-License-Identifier: Apache-2.0
import MyelinCore
import Testing

/// Results depend on the seed only: not on threads, nor on how a run is split.
@Suite struct DeterminismTests {
  /// A small recurrent network touching every model, connector family and delay kind.
  static func network() -> Network {
    var network = Network(name: "mixed")
    var delta = IafPscDelta()
    delta.E_L = 0
    delta.V_reset = 10
    delta.V_th = 20
    delta.tau_m = 20
    var exc = IafPscExp()
    exc.I_e = 300
    network.add(Population(name: "E", size: 301, model: .iafPscDelta(delta),
                           initial: [.V_m: .distribution(.uniform(min: 0, max: 20))],
                           stimuli: [.poisson(rate: 14_000, weight: 0.12)]))
    network.add(Population(name: "X", size: 97, model: .iafPscExp(exc),
                           initial: [.V_m: .distribution(.normal(mean: -65, std: 5))]))
    network.add(Population(name: "C", size: 97, model: .iafCondExp(IafCondExp()),
                           stimuli: [.dc(amplitude: 450, start: 5, stop: 150),
                                     .poisson(rate: 2000, weight: -2)]))
    network.add(Population(name: "P", size: 40, model: .poissonGenerator(rate: 50)))
    network.connect("E", "E", .fixedIndegree(30), weight: .constant(0.2), delay: .constant(1.5))
    network.connect("X", "E", .pairwiseBernoulli(p: 0.2), weight: .constant(-0.5),
                    delay: .uniform(min: 0.1, max: 2))
    network.connect("E", "X", .fixedOutdegree(5), weight: .normal(mean: 150, std: 50, min: 0),
                    delay: .constant(0.7))
    network.connect("P", "C", .allToAll(), weight: .constant(3), delay: .constant(0.2))
    network.connect("X", "C", .fixedTotalNumber(200), weight: .uniform(min: -8, max: 4),
                    delay: .uniform(min: 0.3, max: 0.9))
    network.connect("C", "X", .oneToOne, weight: .constant(500), delay: .constant(1))
    return network
  }

  struct Outcome: Equatable {
    var spikes: [[Int64]] = []
    var nodes: [[UInt32]] = []
    var state: [[Double]] = []
  }

  static func outcome(
    seed: UInt64, threads: Int, precision: Precision = .float, split: [Int] = [2000]
  ) throws -> Outcome {
    let network = network()
    let simulation = try Simulation(
      network: network,
      options: SimulationOptions(seed: seed, threads: threads, precision: precision,
                                 recordSpikes: true))
    for steps in split { simulation.run(steps: steps) }
    var out = Outcome()
    for population in network.populations {
      let recorded = try #require(simulation.recordedSpikes(of: population.name))
      out.spikes.append(recorded.steps)
      out.nodes.append(recorded.nodes)
      for variable in population.model.stateVariables {
        out.state.append(try #require(simulation.values(variable, of: population.name)))
      }
    }
    return out
  }

  @Test func sameSeedGivesIdenticalTrains() throws {
    let a = try Self.outcome(seed: 11, threads: 1)
    #expect(a.spikes.allSatisfy { !$0.isEmpty }, "every population must spike")
    #expect(a == (try Self.outcome(seed: 11, threads: 1)))
  }

  @Test(arguments: [Precision.float, .double])
  func twoThreadsAreBitIdenticalToOne(precision: Precision) throws {
    let one = try Self.outcome(seed: 3, threads: 1, precision: precision)
    let two = try Self.outcome(seed: 3, threads: 2, precision: precision)
    #expect(one.spikes == two.spikes)
    #expect(one.nodes == two.nodes)
    // Bit-identical state, compared through the bit patterns.
    #expect(one.state.map { $0.map(\.bitPattern) } == two.state.map { $0.map(\.bitPattern) })
  }

  @Test func differentSeedsGiveDifferentTrains() throws {
    #expect(try Self.outcome(seed: 1, threads: 1).spikes != (try Self.outcome(seed: 2, threads: 1)).spikes)
  }

  @Test(arguments: [[1000, 1000], [1, 1999], [700, 13, 1287]])
  func splitRunsEqualOneLongRun(split: [Int]) throws {
    let whole = try Self.outcome(seed: 5, threads: 2)
    let pieces = try Self.outcome(seed: 5, threads: 2, split: split)
    #expect(whole == pieces)
  }
}
