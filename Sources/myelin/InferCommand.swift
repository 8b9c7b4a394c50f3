// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore
import MyelinLearning
import MyelinTraces

/// `myelin infer --checkpoint F --index N --output FILE.h5`: one image through a trained
/// model with the Simulation executor (step-major, event-driven), every LIF population's
/// spikes recorded into a trace file that `inspect` and `plot raster` read.
struct InferCommand {
  let arguments: Arguments

  init(_ words: [String]) throws(CLIError) {
    arguments = try Arguments(words, valued: ["--checkpoint", "--data", "--dataset", "--index", "--split", "--output"],
                              switches: ["--json", "--force", "--help", "--no-check"])
  }

  func execute() throws {
    if arguments.flag("--help") {
      print(Help.infer)
      return
    }
    guard arguments.positional.isEmpty else { throw CLIError("infer takes no positional arguments (use --checkpoint FILE)") }
    guard let path = arguments.string("--checkpoint") else { throw CLIError("infer needs --checkpoint FILE") }
    let checkpoint = try CheckpointFile.read(path: path)
    var setup = try TrainingSetup(checkpoint: checkpoint.model, path: path)
    if let name = arguments.string("--dataset") { setup.dataset = try DatasetChoice(named: name) }
    let splitName = arguments.string("--split") ?? "test"
    guard let split = ImageSet.Split(rawValue: splitName) else { throw CLIError("invalid value '\(splitName)' for '--split' (allowed: train, test)") }
    let set = try setup.dataset.load(split, directory: arguments.string("--data"))
    let index = try arguments.integer("--index", in: 0...Int.max) ?? 0
    guard index < set.count else { throw CLIError("--index \(index) is outside the \(splitName) set (0...\(set.count - 1))") }
    var trainer = try setup.trainer(restoring: checkpoint, path: path)
    guard trainer.network.populations[trainer.input].size == set.imageSize else {
      throw CLIError("\(path): the model takes \(trainer.network.populations[trainer.input].shape) images, the \(setup.dataset.rawValue) set has [\(set.channels), \(set.height), \(set.width)]")
    }
    let c = setup.configuration
    // The input `eval` gives this image: its batch, normalised and encoded as there (Poisson
    // draws are keyed by the batch), then this image's rows.
    let loader = try BatchLoader(set: set, batchSize: c.batch, shuffle: false, seed: c.seed, normalization: setup.normalization)
    let batch = loader.batch(index / c.batch, of: loader.order(epoch: 0), epoch: 0)
    let encoded = c.encoding.encode(batch.inputs, timeSteps: c.timeSteps, seed: c.seed &+ 0x5EED, trainingStep: index / c.batch)
    let size = set.imageSize, position = index % c.batch
    var x: [Float] = []
    for t in 0..<c.timeSteps {
      let row = (t * batch.size + position) * size
      x += encoded[row..<(row + size)]
    }
    let label = batch.labels[position]

    let network = trainer.network
    let recorded = network.populations.filter { if case .lifNode = $0.model { true } else { false } }
    var simulation = try trainer.layerSimulation()
    let outputPath: String
    if let given = arguments.string("--output") {
      outputPath = given
    } else {
      do {
        try FileManager.default.createDirectory(atPath: "traces", withIntermediateDirectories: true)
      } catch {
        throw CLIError("cannot create the folder 'traces' for the trace (use --output FILE.h5)")
      }
      outputPath = "traces/\(network.name)-infer-\(index).h5"
    }
    let metadata = TraceMetadata(
      modelName: network.name, modelText: checkpoint.model, command: (["myelin"] + CommandLine.arguments.dropFirst()).joined(separator: " "),
      dt: 1, seed: c.seed, populations: network.populations.map { .init(name: $0.name, size: $0.size, model: $0.model.name) },
      simulator: "myelin \(Myelin.version) (LayerSimulation)")
    let writer = try TraceWriter(path: outputPath, overwrite: arguments.flag("--force"), metadata: metadata, spikes: recorded.map(\.name), chunk: 4096)
    var counts = [Int](repeating: 0, count: network.populations.count)
    var spikeLists: [[(step: Int64, node: UInt32)]] = Array(repeating: [], count: network.populations.count)
    let started = Date()
    let scores = try simulation.run(x, steps: c.timeSteps) { t, p, spikes in
      for (i, s) in spikes.enumerated() where s != 0 {
        spikeLists[p].append((Int64(t), UInt32(i)))
        counts[p] += 1
      }
    }
    let wall = Date().timeIntervalSince(started)
    for (p, list) in spikeLists.enumerated() where !list.isEmpty {
      try writer.appendSpikes(of: network.populations[p].name, steps: list.map(\.step), nodes: list.map(\.node))
    }
    try writer.finish(timeReached: Double(c.timeSteps), wallTime: wall)
    // The first of the highest scores; `eval` counts a tie as wrong, so ties are reported.
    let predicted = scores.indices.max { scores[$0] < scores[$1] } ?? 0
    let tied = scores.filter { $0 == scores[predicted] }.count - 1

    // The Trainer's evaluation pass in event mode on the same input: the same spikes, or a failure.
    var agrees: Bool?
    if !arguments.flag("--no-check") {
      trainer.mode = .event
      let record = trainer.forward(x, steps: c.timeSteps, batch: 1, training: false)
      var same = Loss.timeAverage(record.outputs[trainer.output], steps: c.timeSteps) == scores
      for p in network.populations.indices where counts[p] > 0 || recorded.contains(where: { $0.name == network.populations[p].name }) {
        var spikes = [Float](repeating: 0, count: record.outputs[p].count)
        let n = network.populations[p].size
        for e in spikeLists[p] { spikes[Int(e.step) * n + Int(e.node)] = 1 }
        same = same && spikes == record.outputs[p]
      }
      agrees = same
    }
    let rates = recorded.compactMap { population -> (String, Double)? in
      guard let p = network.populationIndex(named: population.name) else { return nil }
      return (population.name, Double(counts[p]) / Double(c.timeSteps * population.size))
    }
    if arguments.flag("--json") {
      var object: [String: Any] = [
        "index": index, "split": splitName, "label": label, "predicted": predicted, "tied": tied, "scores": scores.map(Double.init),
        "firing_rates": Dictionary(uniqueKeysWithValues: rates), "trace": outputPath, "time_steps": c.timeSteps, "wall_s": wall,
        "spikes": counts.reduce(0, +),
      ]
      if let agrees { object["matches_trainer"] = agrees }
      print(JSONText.encode(object))
    } else {
      print("\(network.name), \(splitName) image \(index) (label \(label)): predicted \(predicted)"
            + (tied > 0 ? " (tied with \(tied) other class\(tied == 1 ? "" : "es"))" : "")
            + String(format: ", score %.3f; %d steps in %.1f ms", scores[predicted], c.timeSteps, wall * 1000))
      print("firing rates (fraction of neurons per step):")
      for (name, rate) in rates { print("  " + name.padded(18) + String(format: " %.4f", rate)) }
      print("spikes of \(recorded.count) populations written to \(outputPath)")
      if let agrees { print(agrees ? "the Trainer's event-mode forward pass gives the same spikes and scores" : "MISMATCH with the Trainer's event-mode forward pass") }
    }
    if agrees == false { throw RuntimeFailure("infer: the Simulation executor and the Trainer disagree (please report this)") }
  }
}
