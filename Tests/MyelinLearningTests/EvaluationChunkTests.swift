// SPDX-License-Identifier: Apache-2.0
import MyelinCore
@testable import MyelinLearning
import MyelinModels
import Testing

/// Evaluation runs each batch in chunks of ``TrainingRun/evaluationChunk`` samples, and with
/// 2 threads each thread takes half of the chunks: neither may change a value.
struct EvaluationChunkTests {
  static func images(count: Int, seed: UInt64) -> ImageSet {
    var random = RandomSequence(philox: Philox(seed: seed), stream: 1, index: 0)
    let pixels = (0..<count * 64).map { _ in UInt8(random.nextInt(below: 256)) }
    let labels = (0..<count).map { _ in UInt8(random.nextInt(below: 3)) }
    return ImageSet(pixels: pixels, labels: labels, channels: 1, height: 8, width: 8, classes: 3)
  }

  static func trainer(threads: Int, mode: ForwardMode) throws -> Trainer {
    var config = SpikformerTests.tiny
    config.attentionScale = 1  // so that the tiny attention fires
    var trainer = try Trainer(network: Spikformer.network(config), seed: 4)
    LayerSimulationTests.excite(&trainer, gain: 6)
    trainer.threads = threads
    trainer.mode = mode
    return trainer
  }

  /// On a fixed path, the chunks of a batch of 40 (16, 16 and 8 samples; on 2 threads the
  /// threads' shares differ) give every sample the scores, and every population the
  /// non-zero count, of one forward pass over the whole batch.
  @Test(arguments: [ForwardMode.event, .dense], [1, 2])
  func chunksGiveTheWholeBatchsValues(mode: ForwardMode, threads: Int) throws {
    var trainer = try Self.trainer(threads: threads, mode: mode)
    let (T, B) = (3, 40)
    let loader = try BatchLoader(set: Self.images(count: B, seed: 7), batchSize: B, shuffle: false, seed: 1,
                                 normalization: .fashionMNIST)
    let batch = loader.batch(0, of: loader.order(epoch: 0), epoch: 0)
    let x = InputEncoding.direct.encode(batch.inputs, timeSteps: T, seed: 1, trainingStep: 0)
    var whole = trainer.forward(x, steps: T, batch: B, training: false)
    let chunks = TrainingRun.forwardChunks(&trainer, x, steps: T, batch: B)
    #expect(chunks.map(\.samples) == [0..<16, 16..<32, 32..<40])
    #expect(Array(chunks.map(\.scores).joined()) == TrainingRun.scores(whole, trainer: trainer))
    var silent: [String] = []
    for (p, population) in trainer.network.populations.enumerated() {
      #expect(chunks.reduce(0) { $0 + $1.nonZero[p] } == whole.nonZeroCount(p), "\(population.name)")
      if case .lifNode = population.model, whole.nonZeroCount(p) == 0 { silent.append(population.name) }
    }
    // Something to compare: spikes in every layer, and scores that differ between samples.
    #expect(silent.isEmpty, "silent: \(silent)")
    let scores = TrainingRun.scores(whole, trainer: trainer)
    #expect(Set((0..<B).map { b in Array(scores[(3 * b)..<(3 * b + 3)]) }).count > B / 2)
  }

  /// A whole evaluation (batches of 40, 40 and 20) gives the same bits on 1 and 2 threads,
  /// in `auto` mode too, whose paths are chosen per chunk.
  @Test func evaluationDoesNotDependOnTheThreadCount() throws {
    var c = TrainerTests.configuration()
    c.batch = 40
    c.timeSteps = 3
    let set = Self.images(count: 100, seed: 9)
    var results: [Evaluation] = []
    for threads in [1, 2] {
      var trainer = try Self.trainer(threads: threads, mode: .auto)
      results.append(try TrainingRun.evaluate(&trainer, set: set, normalization: .fashionMNIST, configuration: c))
    }
    #expect(results[0].samples == 100 && results[1].samples == 100)
    #expect(results[0].loss == results[1].loss && results[0].top1 == results[1].top1 && results[0].top5 == results[1].top5)
    #expect(results[0].firingRates.map(\.rate) == results[1].firingRates.map(\.rate))
    #expect(results[0].accumulates == results[1].accumulates && results[0].accumulates > 0)
    #expect(results[0].firingRates.allSatisfy { $0.rate > 0 }, "\(results[0].firingRates)")
  }
}
