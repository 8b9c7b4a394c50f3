// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore
import MyelinLearning
import MyelinTraces

/// `myelin eval --checkpoint FILE`: test accuracy, loss, firing rates and synaptic
/// operations of a trained model, rebuilt from what its checkpoint says.
struct EvalCommand {
  let arguments: Arguments

  init(_ words: [String]) throws(CLIError) {
    arguments = try Arguments(words, valued: ["--checkpoint", "--data", "--test-limit", "--threads", "--mode", "--batch"],
                              switches: ["--json", "--help", "--profile"])
  }

  func execute() throws {
    if arguments.flag("--help") {
      print(Help.eval)
      return
    }
    guard arguments.positional.isEmpty else { throw CLIError("eval takes no positional arguments (use --checkpoint FILE)") }
    guard let path = arguments.string("--checkpoint") else { throw CLIError("eval needs --checkpoint FILE") }
    let checkpoint = try CheckpointFile.read(path: path)
    var setup = try TrainingSetup(checkpoint: checkpoint.model, path: path)
    if let batch = try arguments.integer("--batch", in: 1...65_536) { setup.configuration.batch = batch }
    let threads = try arguments.integer("--threads", in: 1...2) ?? 2
    let test = try setup.dataset.load(.test, directory: arguments.string("--data"))
      .prefix(try arguments.integer("--test-limit", in: 1...Int.max))
    var trainer = try setup.trainer(restoring: checkpoint, path: path)
    if let text = arguments.string("--mode") {
      guard let mode = ForwardMode(rawValue: text) else { throw CLIError("invalid value '\(text)' for '--mode' (allowed: event, dense, auto)") }
      trainer.mode = mode
    }
    trainer.threads = threads
    let started = Date()
    let e = try TrainingRun.evaluate(&trainer, set: test, normalization: setup.normalization, configuration: setup.configuration)
    let wall = Date().timeIntervalSince(started)
    if arguments.flag("--profile") {
      let batches = (e.samples + setup.configuration.batch - 1) / max(setup.configuration.batch, 1)
      TrainCommand.printProfile(trainer, steps: max(batches, 1), title: "time per batch of \(setup.configuration.batch) (ms):")
    }
    if arguments.flag("--json") {
      var object = Self.json(e)
      object["wall_s"] = wall
      object["samples_per_s"] = Double(e.samples) / max(wall, 1e-9)
      print(JSONText.encode(object))
      return
    }
    print(String(format: "%@ on %d test images (%.1f s): top-1 %.2f%%, top-5 %.2f%%, loss %.4f", setup.model.name, e.samples, wall,
                 e.top1 * 100, e.top5 * 100, e.loss))
    print("firing rates (fraction of neurons per step):")
    for (name, rate) in e.firingRates { print("  " + name.padded(12) + String(format: " %.4f", rate)) }
    print(String(format: "synaptic operations per sample: %.3g accumulates, %.3g multiply-accumulates; energy %.3f µJ (0.9 pJ/AC, 4.6 pJ/MAC, 45 nm)",
                 e.accumulates, e.multiplyAccumulates, e.energyMicrojoules))
  }

  static func json(_ e: Evaluation) -> [String: Any] {
    [
      "test_top1": e.top1, "test_top5": e.top5, "test_loss": e.loss, "test_samples": e.samples,
      "firing_rates": Dictionary(uniqueKeysWithValues: e.firingRates.map { ($0.population, $0.rate) }),
      "accumulates_per_sample": e.accumulates, "multiply_accumulates_per_sample": e.multiplyAccumulates,
      "energy_uj_per_sample": e.energyMicrojoules,
    ]
  }
}
