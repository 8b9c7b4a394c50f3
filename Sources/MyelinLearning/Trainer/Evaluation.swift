// SPDX-License-Identifier: Apache-2.0
import Dispatch
import MyelinCore

/// Figures of an evaluation pass.
public struct Evaluation: Sendable {
  public var samples = 0
  public var loss = 0.0
  public var top1 = 0.0, top5 = 0.0
  /// Mean fraction of neurons firing per step, per population (LIF nodes only).
  public var firingRates: [(population: String, rate: Double)] = []
  /// Per sample over all steps: accumulates (event inputs) and multiply-accumulates (analog inputs).
  public var accumulates = 0.0, multiplyAccumulates = 0.0
  /// 0.9 pJ per accumulate and 4.6 pJ per multiply-accumulate (45 nm, as the Spikformer paper).
  public var energyMicrojoules: Double { (accumulates * 0.9 + multiplyAccumulates * 4.6) * 1e-6 }
  public init() {}
}

extension TrainingRun {
  /// Samples per chunk of an evaluation batch. A chunk goes through the whole network before
  /// the next one starts, so each layer's output (for Spikformer's SPS a few MB per chunk,
  /// four times as much per batch of 64) is read back from the cache rather than from
  /// memory; with 2 threads each takes every other chunk, with no synchronisation per
  /// layer. The chunks do not depend on the thread count, nor does `auto`'s choice of
  /// path, which is made per chunk: 1 and 2 threads give the same bits. (A chunk can take
  /// another path than its whole batch would, so `auto` results differ in the last bits
  /// from a pass over the whole batch, as they differ between batch sizes.)
  public static let evaluationChunk = 16

  /// Evaluation-mode pass over `set` (BN with running statistics) in batches of the
  /// configuration's size, encoded as in training (Poisson draws are keyed by the batch),
  /// each run in chunks of ``evaluationChunk`` samples.
  public static func evaluate(_ trainer: inout Trainer, set: ImageSet, normalization: Normalization,
                              configuration c: TrainingConfiguration) throws(ModelError) -> Evaluation {
    let loader = try BatchLoader(set: set, batchSize: c.batch, shuffle: false, seed: c.seed, normalization: normalization)
    let order = loader.order(epoch: 0)
    let populations = trainer.network.populations
    let classes = populations[trainer.output].size
    var result = Evaluation()
    var nonZero = [Double](repeating: 0, count: populations.count)
    var lossSum = 0.0, top1 = 0, top5 = 0
    for b in 0..<loader.batchCount {
      let batch = loader.batch(b, of: order, epoch: 0)
      let x = c.encoding.encode(batch.inputs, timeSteps: c.timeSteps, seed: c.seed &+ 0x5EED, trainingStep: b)
      // Summed in chunk order, whichever thread ran a chunk.
      for chunk in forwardChunks(&trainer, x, steps: c.timeSteps, batch: batch.size) {
        let labels = Array(batch.labels[chunk.samples])
        let loss = c.loss == .mse
          ? Loss.mseOnRates(chunk.scores, labels: labels, classes: classes).loss
          : Loss.crossEntropy(chunk.scores, labels: labels, classes: classes).loss
        lossSum += loss * Double(labels.count)
        top1 += Loss.correct(chunk.scores, labels: labels, classes: classes, top: 1)
        top5 += Loss.correct(chunk.scores, labels: labels, classes: classes, top: min(5, classes))
        for p in populations.indices { nonZero[p] += Double(chunk.nonZero[p]) }
      }
      result.samples += batch.size
    }
    let n = Double(max(result.samples, 1))
    result.loss = lossSum / n
    result.top1 = Double(top1) / n
    result.top5 = Double(top5) / n
    // A LIF node's outputs are 0 or 1: its spikes are its non-zero values.
    for p in populations.indices {
      if case .lifNode = populations[p].model {
        result.firingRates.append((populations[p].name, nonZero[p] / (n * Double(c.timeSteps * populations[p].size))))
      }
    }
    for (j, s) in trainer.sources.enumerated() {
      // Synaptic operations as the Spikformer paper counts them: the dense count times the
      // input's firing rate for spiking inputs (accumulates), the full count for analog ones.
      let density = nonZero[s] / (n * Double(c.timeSteps * populations[s].size))
      let dense = Double(trainer.denseOperations(projection: j)) * Double(c.timeSteps)
      if populations[s].model == .input && c.encoding == .direct {
        result.multiplyAccumulates += dense
      } else {
        result.accumulates += dense * density
      }
    }
    return result
  }

  /// One chunk's outcome: its samples (positions in the batch), their time-averaged output
  /// [samples, classes], and every population's number of non-zero outputs.
  struct Chunk: Sendable {
    var samples: Range<Int>
    var scores: [Float]
    var nonZero: [Int]
  }

  /// The chunks of `x` ([T, batch, input size]) in order. With 2 threads each thread runs
  /// every other chunk on its own copy of the Trainer (1 thread inside: the kernels' row
  /// halves would only add a synchronisation per layer); their timings are added up.
  static func forwardChunks(_ trainer: inout Trainer, _ x: [Float], steps T: Int, batch B: Int) -> [Chunk] {
    let ranges = stride(from: 0, to: B, by: evaluationChunk).map { $0..<min($0 + evaluationChunk, B) }
    guard trainer.threads > 1, ranges.count > 1 else { return ranges.map { forwardChunk(&trainer, x, steps: T, batch: B, $0) } }
    var copies = [trainer, trainer]
    for k in copies.indices {
      copies[k].threads = 1
      copies[k].resetTimings()
    }
    var chunks = [Chunk?](repeating: nil, count: ranges.count)
    BLASThreads.set(1)  // once, before both threads' kernels call it again
    copies.withUnsafeMutableBufferPointer { cb in
      chunks.withUnsafeMutableBufferPointer { ob in
        nonisolated(unsafe) let (trainers, out) = (cb.baseAddress!, ob.baseAddress!)
        DispatchQueue.concurrentPerform(iterations: 2) { k in
          for i in Swift.stride(from: k, to: ranges.count, by: 2) {
            out[i] = forwardChunk(&trainers[k], x, steps: T, batch: B, ranges[i])
          }
        }
      }
    }
    for copy in copies { trainer.addTimings(of: copy) }
    return chunks.compactMap { $0 }
  }

  /// The forward pass of the samples `samples` of `x`, freeing outputs once read.
  static func forwardChunk(_ trainer: inout Trainer, _ x: [Float], steps T: Int, batch B: Int, _ samples: Range<Int>) -> Chunk {
    let size = x.count / max(T * B, 1)
    var rows = [Float]()
    rows.reserveCapacity(T * samples.count * size)
    for t in 0..<T { rows.append(contentsOf: x[((t * B + samples.lowerBound) * size)..<((t * B + samples.upperBound) * size)]) }
    var record = trainer.forward(rows, steps: T, batch: samples.count, training: false, keepingOutputs: false)
    let nonZero = trainer.network.populations.indices.map { record.nonZeroCount($0) }
    return Chunk(samples: samples, scores: scores(record, trainer: trainer), nonZero: nonZero)
  }
}
