// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore
import MyelinLearning
import MyelinTraces

/// What `train` and `eval` share: the model, the data set and the recipe, read from the
/// command line or from a checkpoint's /meta/model, and checkpoint saving and restoring.
struct TrainingSetup {
  var model: ModelChoice
  var dataset: DatasetChoice
  var configuration = TrainingConfiguration()
  var mode = ForwardMode.auto
  var threads = 2
  /// Training images held out (the last ones) to validate on after every epoch.
  var validation = 0

  init(_ arguments: Arguments, model name: String) throws {
    model = try ModelChoice(name: name, configuration: arguments.string("--config"))
    dataset = try DatasetChoice(named: arguments.string("--dataset") ?? "fashion-mnist")
    // A Spikformer configuration names its image size; the data set's shape replaces it
    // when given (`train` always takes the loaded images' shape).
    if model.spikformer == nil || arguments.string("--dataset") != nil {
      switch dataset {
      case .fashionMNIST, .mnist: model.inputShape = [1, 28, 28]
      case .cifar10: model.inputShape = [3, 32, 32]
      }
    }
    try model.override(from: arguments)
    if let channels = try arguments.integer("--channels", in: 1...4096) { model.channels = channels }
    if let p = try arguments.double("--dropout", positive: false) {
      guard p >= 0, p < 1 else { throw CLIError("invalid value '\(p)' for '--dropout': expected a probability in [0, 1)") }
      model.dropout = p
    }
    if let neuron = arguments.string("--neuron") {
      guard ModelChoice.neurons.contains(neuron) else {
        throw CLIError("invalid value '\(neuron)' for '--neuron' (allowed: \(ModelChoice.neurons.joined(separator: ", ")))")
      }
      model.neuron = neuron
    }
    var c = TrainingConfiguration()
    c.epochs = try arguments.integer("--epochs", in: 1...100_000) ?? 1
    c.batch = try arguments.integer("--batch", in: 1...65_536) ?? 64
    c.learningRate = Float(try arguments.double("--lr") ?? 1e-3)
    c.timeSteps = try arguments.integer("--time-steps", in: 1...1024) ?? 4
    c.seed = UInt64(try arguments.integer("--seed", in: 0...Int.max) ?? 1)
    c.weightDecay = Float(try arguments.double("--weight-decay", positive: false) ?? 0)
    c.warmupSteps = try arguments.integer("--warmup", in: 0...10_000_000) ?? 0
    c.labelSmoothing = Float(try arguments.double("--label-smoothing", positive: false) ?? 0)
    c.augmentation = Augmentation(cropPadding: try arguments.integer("--crop-padding", in: 0...64) ?? 0,
                                  horizontalFlip: arguments.flag("--flip"))
    c.mixup = Mixup(alpha: Float(try arguments.double("--mixup", positive: false) ?? 0),
                    offFromEpoch: try arguments.integer("--mixup-off-epoch", in: 1...100_000))
    if c.mixup.offFromEpoch != nil, c.mixup.alpha == 0 { throw CLIError("--mixup-off-epoch needs --mixup ALPHA") }
    func choice<T: RawRepresentable & CaseIterable>(_ option: String, _ fallback: T) throws(CLIError) -> T where T.RawValue == String {
      guard let text = arguments.string(option) else { return fallback }
      guard let value = T(rawValue: text) else {
        throw CLIError("invalid value '\(text)' for '\(option)' (allowed: \(T.allCases.map(\.rawValue).joined(separator: ", ")))")
      }
      return value
    }
    c.optimizer = try choice("--optimizer", .adam)
    // A LIF output's rates lie in [0, 1], too flat for softmax: csnn uses MSE on rates, as
    // SpikingJelly's tutorial does (measured: 75.9% against 53.7% after 150 steps).
    c.loss = try choice("--loss", .mse)
    c.encoding = try choice("--encoding", .direct)
    configuration = c
    mode = try choice("--mode", .auto)
    threads = try arguments.integer("--threads", in: 1...2) ?? 2
    validation = try arguments.integer("--validation", in: 1...Int.max) ?? 0
  }

  /// Poisson encoding needs intensities in [0, 1]; direct encoding uses the data set's statistics.
  var normalization: Normalization {
    configuration.encoding == .poisson ? .unit(channels: model.inputShape[0]) : dataset.normalization
  }

  /// The setup a checkpoint was trained with, from its /meta/model text.
  init(checkpoint text: String, path: String) throws {
    guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any],
      let modelObject = object["model"] as? [String: Any], let datasetName = object["dataset"] as? String,
      let dataset = DatasetChoice(rawValue: datasetName), let t = object["training"] as? [String: Any],
      let batch = t["batch"] as? Int, let steps = t["time_steps"] as? Int, let loss = (t["loss"] as? String).flatMap(TrainingConfiguration.LossKind.init),
      let encoding = (t["encoding"] as? String).flatMap(InputEncoding.init), let seed = t["seed"] as? Int
    else { throw CLIError("\(path): /meta/model does not describe a training run this version knows") }
    model = try ModelChoice(json: modelObject, file: path)
    self.dataset = dataset
    configuration.batch = batch
    configuration.timeSteps = steps
    configuration.loss = loss
    configuration.encoding = encoding
    configuration.seed = UInt64(seed)
    configuration.mixup = Mixup(alpha: Float(t["mixup"] as? Double ?? 0), offFromEpoch: t["mixup_off_epoch"] as? Int)
  }

  /// The text stored as /meta/model: the model and the recipe; with `selected`, also the
  /// epoch a `--keep-best` file holds and its scores.
  var metadata: String { metadata(selected: nil) }

  func metadata(selected: [String: Any]?) -> String {
    let c = configuration
    var training: [String: Any] = [
      "epochs": c.epochs, "batch": c.batch, "lr": Double(c.learningRate), "time_steps": c.timeSteps,
      "optimizer": c.optimizer.rawValue, "weight_decay": Double(c.weightDecay), "loss": c.loss.rawValue,
      "encoding": c.encoding.rawValue, "warmup": c.warmupSteps, "seed": Int(c.seed),
      "label_smoothing": Double(c.labelSmoothing), "crop_padding": c.augmentation.cropPadding,
      "flip": c.augmentation.horizontalFlip,
    ]
    // Only when on, so that the recipes of earlier checkpoints still match on --resume.
    if c.mixup.alpha > 0 {
      training["mixup"] = Double(c.mixup.alpha)
      if let off = c.mixup.offFromEpoch { training["mixup_off_epoch"] = off }
    }
    if validation > 0 { training["validation"] = validation }
    var object: [String: Any] = ["model": model.json, "dataset": dataset.rawValue, "training": training]
    if let selected { object["selected"] = selected }
    return JSONText.encode(object)
  }

  func save(_ run: TrainingRun, to path: String) throws {
    let state = run.trainer.state
    let extra = state.tensors.count - run.optimizer.first.count
    // Buffers (BN running statistics) have no moments: zeros keep one moment per tensor.
    func pad(_ moments: [[Float]]) -> [[Float]] {
      moments.isEmpty ? [] : moments + state.tensors.suffix(extra).map { [Float](repeating: 0, count: $0.count) }
    }
    let checkpoint = Checkpoint(
      names: state.names, tensors: state.tensors, optimizerStep: run.optimizer.step,
      optimizerFirst: pad(run.optimizer.first), optimizerSecond: pad(run.optimizer.second),
      epoch: run.epoch, step: run.step, seed: configuration.seed, model: metadata)
    try CheckpointFile.write(checkpoint, to: path)
  }

  /// The Trainer for this setup's model with a checkpoint's tensors (`eval`, `infer`).
  func trainer(restoring checkpoint: Checkpoint, path: String) throws -> Trainer {
    var trainer = try Trainer(network: try model.network(), seed: configuration.seed)
    do {
      try trainer.restore(names: checkpoint.names, tensors: checkpoint.tensors)
    } catch {
      throw CLIError("\(path): \(error.problem)")
    }
    return trainer
  }

  func restore(_ run: inout TrainingRun, from path: String) throws {
    let checkpoint = try CheckpointFile.read(path: path)
    guard checkpoint.model == metadata else {
      throw CLIError("\(path) was trained with other settings: \(checkpoint.model); resume with the same options")
    }
    do {
      try run.trainer.restore(names: checkpoint.names, tensors: checkpoint.tensors)
    } catch {
      throw CLIError("\(path): \(error.problem)")
    }
    let trainable = run.trainer.parameters.count
    run.optimizer.step = checkpoint.optimizerStep
    run.optimizer.first = Array(checkpoint.optimizerFirst.prefix(trainable))
    run.optimizer.second = Array(checkpoint.optimizerSecond.prefix(trainable))
    guard checkpoint.epoch <= configuration.epochs, checkpoint.step < run.stepsPerEpoch else {
      throw CLIError("\(path): epoch \(checkpoint.epoch), step \(checkpoint.step) lies outside this run")
    }
    run.epoch = checkpoint.epoch
    run.step = checkpoint.step
  }
}
