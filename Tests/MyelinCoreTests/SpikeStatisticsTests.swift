// SPDX-License-Identifier: Apache-2.0
import MyelinCore
import Testing

@Suite struct SpikeStatisticsTests {
  @Test func regularTrainHasZeroCV() throws {
    let steps = (1...100).map { Int64($0 * 50) }  // every 5 ms
    let stats = SpikeStatistics(steps: steps, nodes: Array(repeating: 0, count: 100), neurons: 1,
                                dt: 0.1, duration: 500)
    #expect(abs(stats.rate - 200) < 1e-9)
    #expect(try #require(stats.cvISI) < 1e-9)
  }

  @Test func poissonTrainHasCVNearOneAndFanoNearOne() throws {
    var random = RandomSequence(philox: Philox(seed: 8), stream: 0, index: 0)
    var steps: [Int64] = []
    var nodes: [UInt32] = []
    for neuron in 0..<20 {
      for step in 1...200_000 where random.nextUniform() < 0.002 {  // 20 Hz at dt 0.1 ms
        steps.append(Int64(step))
        nodes.append(UInt32(neuron))
      }
    }
    let stats = SpikeStatistics(steps: steps, nodes: nodes, neurons: 20, dt: 0.1, duration: 20_000)
    #expect(abs(stats.rate - 20) < 1)
    #expect(abs(try #require(stats.cvISI) - 1) < 0.05)
    #expect(abs(try #require(stats.fano) - 1) < 0.15)
  }
}
