// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore
import MyelinLearning
import MyelinTraces

/// `myelin train MODEL`: surrogate-gradient training with progress on stderr, a test pass
/// after every epoch, atomic checkpoints and bit-identical resume.
struct TrainCommand {
  let arguments: Arguments

  init(_ words: [String]) throws(CLIError) {
    arguments = try Arguments(
      words,
      valued: ["--dataset", "--data", "--epochs", "--batch", "--lr", "--time-steps", "--threads", "--mode",
               "--checkpoint", "--train-limit", "--test-limit", "--seed", "--optimizer", "--weight-decay", "--loss",
               "--channels", "--encoding", "--warmup", "--stop-after-epoch", "--label-smoothing", "--checkpoint-every",
               "--config", "--depth", "--dim", "--heads", "--image-size", "--classes", "--crop-padding",
               "--mixup", "--mixup-off-epoch", "--dropout", "--neuron", "--validation", "--keep-best"],
      switches: ["--json", "--help", "--resume", "--force", "--profile", "--flip"])
  }

  func execute() throws {
    if arguments.flag("--help") {
      print(Help.train)
      return
    }
    guard arguments.positional.count == 1, let name = arguments.positional.first else {
      throw CLIError("train needs one model: \(ModelChoice.names.joined(separator: ", "))")
    }
    var setup = try TrainingSetup(arguments, model: name)
    let checkpointPath = arguments.string("--checkpoint")
    let resume = arguments.flag("--resume")
    if resume, checkpointPath == nil { throw CLIError("--resume needs --checkpoint FILE") }
    if let checkpointPath, !resume, !arguments.flag("--force"), FileManager.default.fileExists(atPath: checkpointPath) {
      throw CLIError("'\(checkpointPath)' exists: pass --resume to continue from it, or --force to start over")
    }
    var train = try setup.dataset.load(.train, directory: arguments.string("--data"))
      .prefix(try arguments.integer("--train-limit", in: 1...Int.max))
    var validation: ImageSet?
    if setup.validation > 0 {
      guard setup.validation < train.count else {
        throw CLIError("--validation \(setup.validation) leaves no images to train on: the training set has \(train.count)"
                       + " (after --train-limit); allowed: 1...\(train.count - 1)")
      }
      (train, validation) = train.holdingOut(last: setup.validation)
    }
    let bestPath = arguments.string("--keep-best")
    if bestPath != nil, validation == nil { throw CLIError("--keep-best FILE needs --validation N (it chooses by validation top-1)") }
    if let bestPath, !resume, !arguments.flag("--force"), FileManager.default.fileExists(atPath: bestPath) {
      throw CLIError("'\(bestPath)' exists: pass --resume to continue the run it belongs to, or --force to start over")
    }
    let test = try setup.dataset.load(.test, directory: arguments.string("--data"))
      .prefix(try arguments.integer("--test-limit", in: 1...Int.max))
    // The model's input takes the data set's image shape; an --image-size that differs
    // would otherwise be dropped without a word.
    if let size = try arguments.integer("--image-size", in: 4...4096), size != train.height || size != train.width {
      throw CLIError("--image-size \(size) does not match the data set's \(train.height)×\(train.width) images "
                     + "(train takes the images' size: omit --image-size)")
    }
    setup.model.inputShape = [train.channels, train.height, train.width]
    var trainer = try Trainer(network: try setup.model.network(), seed: setup.configuration.seed)
    trainer.mode = setup.mode
    trainer.threads = setup.threads
    var run = try TrainingRun(trainer: trainer, train: train, normalization: setup.normalization,
                              configuration: setup.configuration)
    if resume, let checkpointPath {
      try setup.restore(&run, from: checkpointPath)
      FileHandle.standardError.write(Data("resuming from \(checkpointPath) at epoch \(run.epoch + 1), step \(run.step)\n".utf8))
    }
    var best = try bestPath.map { path throws in try BestModel(path: path, setup: setup, resuming: resume) }
    let stopAfter = try arguments.integer("--stop-after-epoch", in: 1...100_000)
    let every = try arguments.integer("--checkpoint-every", in: 1...Int.max)
    RunCommand.installInterruptHandlers()
    let progress = TrainingProgress(run: run)
    var history: [[String: Any]] = []
    var last = Evaluation()
    let started = Date()
    var trainSeconds = 0.0, trainSamples = 0
    while !run.finished {
      let epoch = run.epoch
      let epochStart = Date()
      while run.epoch == epoch {
        if interruption.load(ordering: .relaxed) {
          if let checkpointPath { try setup.save(run, to: checkpointPath) }
          throw TrainingInterrupted(epoch: run.epoch, step: run.step, checkpoint: checkpointPath)
        }
        let report = run.trainStep()
        trainSamples += report.samples
        progress.update(report, run: run)
        if let every, let checkpointPath, run.step > 0, run.step % every == 0 { try setup.save(run, to: checkpointPath) }
      }
      trainSeconds += Date().timeIntervalSince(epochStart)
      // The best model is written before the epoch's checkpoint: a kill in between makes a
      // resume redo the epoch's end, so no epoch goes unconsidered.
      let validated = try validation.map { set throws in
        try TrainingRun.evaluate(&run.trainer, set: set, normalization: setup.normalization, configuration: setup.configuration)
      }
      last = try TrainingRun.evaluate(&run.trainer, set: test, normalization: setup.normalization,
                                      configuration: setup.configuration)
      let kept = try validated.map { v throws in try best?.consider(run, setup: setup, epoch: epoch + 1, validation: v, test: last) ?? false }
      if let checkpointPath { try setup.save(run, to: checkpointPath) }
      progress.finishEpoch(epoch, evaluation: last, validation: validated, kept: kept ?? false)
      var entry: [String: Any] = ["epoch": epoch + 1, "test_top1": last.top1, "test_loss": last.loss,
                                  "wall_s": Date().timeIntervalSince(started)]
      if let validated {
        entry["validation_top1"] = validated.top1
        entry["validation_loss"] = validated.loss
      }
      history.append(entry)
      if let stopAfter, run.epoch >= stopAfter, !run.finished { break }
    }
    let wall = Date().timeIntervalSince(started)
    if arguments.flag("--profile") { Self.printProfile(run.trainer, steps: max(trainSamples / setup.configuration.batch, 1)) }
    let samplesPerSecond = trainSeconds > 0 ? Double(trainSamples) / trainSeconds : 0
    if arguments.flag("--json") {
      var object = EvalCommand.json(last)
      object["epochs"] = run.epoch
      object["wall_s"] = wall
      object["train_samples_per_s"] = samplesPerSecond
      object["history"] = history
      object["model"] = setup.model.json
      object["parameters"] = run.trainer.parameterCount
      if let best { object["best"] = best.json }
      print(JSONText.encode(object))
    } else {
      print(String(format: "trained %d epoch(s) in %.1f s (%.1f samples/s): test top-1 %.2f%%, top-5 %.2f%%",
                   run.epoch, wall, samplesPerSecond, last.top1 * 100, last.top5 * 100))
      if let best, let epoch = best.epoch {
        print(String(format: "best validation top-1 %.2f%% at epoch %d (test top-1 %.2f%%), kept in %@",
                     best.validationTop1 * 100, epoch, best.testTop1 * 100, best.path))
      }
    }
  }
}

extension TrainCommand {
  /// Seconds per step, layer by layer: per training step (training and test passes
  /// together), or per evaluated batch.
  static func printProfile(_ trainer: Trainer, steps: Int, title: String = "time per training step (ms), all passes:") {
    var lines = [title]
    for (j, p) in trainer.network.projections.enumerated() {
      let t = trainer.projectionSeconds[j]
      lines.append("  " + p.name.padded(16) + " " + p.kind.name.padded(9)
                   + String(format: " forward %8.1f  backward %8.1f", t.forward * 1000 / Double(steps), t.backward * 1000 / Double(steps)))
    }
    for (j, p) in trainer.network.projections.enumerated() where trainer.dropoutSeconds[j] > 0 {
      lines.append("  " + p.name.padded(16) + " " + "dropout".padded(9) + String(format: " %8.1f", trainer.dropoutSeconds[j] * 1000 / Double(steps)))
    }
    for (i, p) in trainer.network.populations.enumerated() where trainer.populationSeconds[i] > 0 {
      lines.append("  " + p.name.padded(16) + " " + p.model.name.padded(9) + String(format: " %8.1f", trainer.populationSeconds[i] * 1000 / Double(steps)))
    }
    FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
  }
}

/// Stopped by SIGINT or SIGTERM at a step boundary, after saving the checkpoint.
struct TrainingInterrupted: Error, CustomStringConvertible {
  let epoch: Int, step: Int
  let checkpoint: String?
  var description: String {
    "interrupted at epoch \(epoch + 1), step \(step)" + (checkpoint.map { "; checkpoint saved to \($0) (continue with --resume)" } ?? "")
  }
}

/// Progress lines on stderr: rewritten in place on a terminal, one every 30 s otherwise.
final class TrainingProgress {
  private let started = Date()
  private var lastLine = Date.distantPast
  private var correct = 0, samples = 0, lossSum = 0.0, steps = 0
  private let terminal = isatty(2) != 0
  private let firstStep: Int
  private var totalSamples = 0

  init(run: TrainingRun) { firstStep = run.globalStep }

  func update(_ report: StepReport, run: TrainingRun) {
    correct += report.correct
    samples += report.samples
    totalSamples += report.samples
    lossSum += report.loss
    steps += 1
    let now = Date()
    guard now.timeIntervalSince(lastLine) >= (terminal ? 0.5 : 30) || report.step + 1 == report.steps else { return }
    lastLine = now
    let elapsed = now.timeIntervalSince(started)
    let done = run.globalStep - firstStep
    let rate = Double(totalSamples) / max(elapsed, 1e-9)
    let eta = done > 0 ? elapsed / Double(done) * Double(run.totalSteps - run.globalStep) : 0
    let line = String(format: "epoch %d/%d  step %d/%d  loss %.4f  acc %.2f%%  %.1f samples/s  ETA %@",
                      report.epoch + 1, run.configuration.epochs, report.step + 1, report.steps, lossSum / Double(max(steps, 1)),
                      100 * Double(correct) / Double(max(samples, 1)), rate, Self.duration(eta))
    FileHandle.standardError.write(Data((terminal ? "\r\u{1B}[K" : "") .utf8) + Data((line + (terminal ? "" : "\n")).utf8))
  }

  func finishEpoch(_ epoch: Int, evaluation e: Evaluation, validation v: Evaluation? = nil, kept: Bool = false) {
    var line = String(format: "epoch %d: train loss %.4f, train acc %.2f%%; ", epoch + 1, lossSum / Double(max(steps, 1)),
                      100 * Double(correct) / Double(max(samples, 1)))
    if let v { line += String(format: "validation top-1 %.2f%%%@; ", v.top1 * 100, kept ? " (best: kept)" : "") }
    line += String(format: "test top-1 %.2f%%, top-5 %.2f%%, loss %.4f (%d images)", e.top1 * 100, e.top5 * 100, e.loss, e.samples)
    FileHandle.standardError.write(Data(((terminal ? "\r\u{1B}[K" : "") + line + "\n").utf8))
    correct = 0
    samples = 0
    lossSum = 0
    steps = 0
  }

  static func duration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    return s >= 3600 ? "\(s / 3600)h\(String(format: "%02d", s / 60 % 60))m" : "\(s / 60)m\(String(format: "%02d", s % 60))s"
  }
}
