// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore
import MyelinLearning
import MyelinTraces

/// `myelin bench layers --checkpoint FILE`: one training step (forward and backward) of a
/// trained model on a test batch, layer by layer, in event mode and in dense mode, at the
/// firing rates the trained model really has. Dropout of a projection's input is timed
/// apart: it is the same work on both paths.
enum LayerBench {
  static func run(checkpoint path: String, data: String?, batch: Int?, repeats: Int, threads: Int, json: Bool) throws {
    Trainer.keepFreedMemory()  // as in training: freed blocks are reused, not faulted in again
    let checkpoint = try CheckpointFile.read(path: path)
    var setup = try TrainingSetup(checkpoint: checkpoint.model, path: path)
    if let batch { setup.configuration.batch = batch }
    let c = setup.configuration
    let test = try setup.dataset.load(.test, directory: data).prefix(c.batch)
    var trainer = try Trainer(network: try setup.model.network(), seed: c.seed)
    do {
      try trainer.restore(names: checkpoint.names, tensors: checkpoint.tensors)
    } catch {
      throw CLIError("\(path): \(error.problem)")
    }
    trainer.threads = threads
    let loader = try BatchLoader(set: test, batchSize: c.batch, shuffle: false, seed: c.seed, normalization: setup.normalization)
    let b = loader.batch(0, of: loader.order(epoch: 0), epoch: 0)
    let x = c.encoding.encode(b.inputs, timeSteps: c.timeSteps, seed: c.seed, trainingStep: 0)
    let network = trainer.network
    var times: [ForwardMode: [[Double]]] = [:]  // per mode: per repeat, per projection forward + backward
    var dropout: [[Double]] = []  // per run: per projection, both passes (the same work in every mode)
    var densities = [Double](repeating: 0, count: network.projections.count)
    var chosen: [ForwardMode?] = []
    // One untimed pass in each mode first: the first pass of a process faults its buffers
    // in, and would otherwise be booked to whichever mode runs first.
    for mode in [ForwardMode.event, .dense, .auto] {
      for pass in 0..<(repeats + 1) {
        var t = trainer
        t.mode = mode
        t.projectionSeconds = Array(repeating: (0, 0), count: network.projections.count)
        t.dropoutSeconds = Array(repeating: 0, count: network.projections.count)
        let record = t.forward(x, steps: c.timeSteps, batch: b.size, training: true)
        let classes = network.populations[t.output].size
        let scores = Loss.timeAverage(record.outputs[t.output], steps: c.timeSteps)
        let g = c.loss == .mse ? Loss.mseOnRates(scores, labels: b.labels, classes: classes).gradient
          : Loss.crossEntropy(scores, labels: b.labels, classes: classes).gradient
        _ = t.backward(record, outputGradient: Loss.timeAverageBackward(g, steps: c.timeSteps))
        if pass == 0 { continue }
        times[mode, default: []].append(t.projectionSeconds.map { $0.forward + $0.backward })
        dropout.append(t.dropoutSeconds)
        if mode == .auto { chosen = record.modes }
        for (j, s) in t.sources.enumerated() { densities[j] = DenseProjection.density(record.outputs[s]) }
      }
    }
    func median(_ mode: ForwardMode, _ j: Int) -> Double {
      let values = (times[mode] ?? []).map { $0[j] }.sorted()
      return values.isEmpty ? 0 : values[values.count / 2]
    }
    let dropoutMs = network.projections.indices.map { j in dropout.map { $0[j] }.sorted()[dropout.count / 2] * 1000 }
    var rows: [[String: Any]] = []
    var lines = ["projection".padded(16) + " " + "kind".padded(9) + "  density   event ms   dense ms  auto"]
    for (j, p) in network.projections.enumerated() where p.kind.hasWeights {
      let e = median(.event, j) * 1000, d = median(.dense, j) * 1000
      rows.append(["projection": p.name, "kind": p.kind.name, "input_density": densities[j], "event_ms": e, "dense_ms": d,
                   "dropout_ms": dropoutMs[j], "auto": chosen.indices.contains(j) ? chosen[j]?.rawValue ?? "-" : "-"])
      let auto = chosen.indices.contains(j) ? chosen[j]?.rawValue ?? "-" : "-"
      lines.append(p.name.padded(16) + " " + p.kind.name.padded(9) + String(format: " %7.2f%% %10.1f %10.1f  ", densities[j] * 100, e, d) + auto)
    }
    if json {
      print(JSONText.encode(["batch": b.size, "time_steps": c.timeSteps, "threads": threads, "layers": rows]))
    } else {
      print("forward + backward of one batch of \(b.size) at T = \(c.timeSteps), \(threads) thread(s), median of \(repeats):")
      print(lines.joined(separator: "\n"))
      // Dropout on a projection's input is the same work on both paths: shown apart.
      let dropped = network.projections.indices.filter { dropoutMs[$0] > 0 }
      if !dropped.isEmpty {
        print("dropout of the input, not in the times above: "
              + dropped.map { network.projections[$0].name + String(format: " %.1f ms", dropoutMs[$0]) }.joined(separator: ", "))
      }
    }
  }
}

