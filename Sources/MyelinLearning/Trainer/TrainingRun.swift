// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore

/// How a model is trained: the recipe, with SpikingJelly-style defaults.
public struct TrainingConfiguration: Sendable, Equatable {
  public enum LossKind: String, Sendable, CaseIterable {
    /// Softmax cross-entropy on the output averaged over time (firing rates of a LIF output).
    case crossEntropy = "ce"
    /// MSE between the output's firing rates and one-hot labels (SpikingJelly's tutorial).
    case mse
  }
  public enum OptimizerKind: String, Sendable, CaseIterable { case sgd, adam, adamw, lamb }
  public enum ScheduleKind: String, Sendable, CaseIterable { case cosine, constant }

  public var epochs = 1
  public var batch = 64
  public var learningRate: Float = 1e-3
  public var optimizer = OptimizerKind.adam
  public var momentum: Float = 0.9
  public var weightDecay: Float = 0
  public var schedule = ScheduleKind.cosine
  public var warmupSteps = 0
  public var timeSteps = 4
  public var encoding = InputEncoding.direct
  public var loss = LossKind.crossEntropy
  public var labelSmoothing: Float = 0
  /// Global gradient-norm clip (0: none).
  public var clipNorm: Float = 0
  public var seed: UInt64 = 1
  public var augmentation = Augmentation.none
  public var mixup = Mixup.none
  public init() {}

  func validate() throws(ModelError) {
    guard epochs >= 1, epochs <= 100_000 else { throw ModelError(field: "epochs", problem: "is \(epochs)", allowed: "1...100000") }
    guard batch >= 1, batch <= 65_536 else { throw ModelError(field: "batch", problem: "is \(batch)", allowed: "1...65536") }
    guard learningRate.isFinite, learningRate > 0 else {
      throw ModelError(field: "lr", problem: "is \(learningRate)", allowed: "a finite rate > 0")
    }
    guard timeSteps >= 1, timeSteps <= 1024 else {
      throw ModelError(field: "time-steps", problem: "is \(timeSteps)", allowed: "1...1024")
    }
    guard weightDecay.isFinite, weightDecay >= 0 else {
      throw ModelError(field: "weight-decay", problem: "is \(weightDecay)", allowed: ">= 0")
    }
    guard labelSmoothing >= 0, labelSmoothing < 1 else {
      throw ModelError(field: "label-smoothing", problem: "is \(labelSmoothing)", allowed: "0 <= ε < 1")
    }
    guard clipNorm.isFinite, clipNorm >= 0 else { throw ModelError(field: "clip", problem: "is \(clipNorm)", allowed: ">= 0") }
    guard mixup.alpha.isFinite, mixup.alpha >= 0, mixup.alpha <= 100 else {
      throw ModelError(field: "mixup", problem: "is \(mixup.alpha)", allowed: "0 (off) or an α in (0, 100]")
    }
    if let off = mixup.offFromEpoch, off < 1 { throw ModelError(field: "mixup-off-epoch", problem: "is \(off)", allowed: ">= 1") }
  }

  func makeOptimizer() -> Optimizer {
    switch optimizer {
    case .sgd: Optimizer(.sgd(momentum: momentum, nesterov: false), weightDecay: weightDecay)
    case .adam: Optimizer(.adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8), weightDecay: weightDecay)
    case .adamw: Optimizer(.adamW(beta1: 0.9, beta2: 0.999, epsilon: 1e-8), weightDecay: weightDecay)
    case .lamb: Optimizer(.lamb(beta1: 0.9, beta2: 0.999, epsilon: 1e-6), weightDecay: weightDecay)
    }
  }
}

/// One step's figures, for progress lines.
public struct StepReport: Sendable {
  public var epoch: Int, step: Int, steps: Int
  public var loss: Double
  public var correct: Int, samples: Int
}

/// A training run: the Trainer, its optimizer, and where it is in the data.
public struct TrainingRun: Sendable {
  public var trainer: Trainer
  public var optimizer: Optimizer
  public let configuration: TrainingConfiguration
  public let train: BatchLoader
  /// Epoch and batch reached: the next step runs batch `step` of epoch `epoch`.
  public var epoch = 0
  public var step = 0
  /// The shuffled order of the current epoch, drawn once per epoch.
  private var order: (epoch: Int, images: [Int]) = (-1, [])

  public init(trainer: Trainer, train set: ImageSet, normalization: Normalization,
              configuration: TrainingConfiguration) throws(ModelError) {
    try configuration.validate()
    let inputSize = trainer.network.populations[trainer.input].size
    guard set.imageSize == inputSize else {
      throw ModelError(field: "dataset", problem: "images have \(set.channels)×\(set.height)×\(set.width) values",
                       allowed: "\(trainer.network.populations[trainer.input].shape) for the model's input")
    }
    let classes = trainer.network.populations[trainer.output].size
    guard set.classes <= classes else {
      throw ModelError(field: "dataset", problem: "has \(set.classes) classes", allowed: "at most the model's \(classes) outputs")
    }
    // What a training step holds: every population's output, and for LIF nodes the current,
    // H and spikes, for BN the normalised values, about five values per neuron and row.
    let rows = Double(configuration.timeSteps) * Double(configuration.batch)
    let neurons = trainer.network.populations.reduce(0.0) { $0 + Double($1.size) }
    let bytes = 5 * 4 * rows * neurons + 16 * Double(trainer.parameterCount)
    let available = Double(ProcessInfo.processInfo.physicalMemory)
    guard bytes < 0.8 * available else {
      throw ModelError(field: "batch", problem: String(format: "a step of batch %d at T = %d needs about %.1f GB", configuration.batch,
                                                       configuration.timeSteps, bytes / 1e9),
                       allowed: String(format: "under %.1f GB (80%% of this machine's memory): a smaller batch or T", 0.8 * available / 1e9))
    }
    self.trainer = trainer
    self.configuration = configuration
    optimizer = configuration.makeOptimizer()
    train = try BatchLoader(set: set, batchSize: configuration.batch, shuffle: true, seed: configuration.seed,
                            normalization: normalization, augmentation: configuration.augmentation, dropLast: true)
    guard train.batchCount > 0 else {
      throw ModelError(field: "train-limit", problem: "\(set.count) images give no batch of \(configuration.batch)",
                       allowed: "at least one full batch")
    }
  }

  public var stepsPerEpoch: Int { train.batchCount }
  public var globalStep: Int { epoch * stepsPerEpoch + step }
  public var totalSteps: Int { configuration.epochs * stepsPerEpoch }
  public var finished: Bool { epoch >= configuration.epochs }

  public var schedule: Schedule {
    switch configuration.schedule {
    case .cosine:
      .warmupCosine(base: configuration.learningRate, warmup: configuration.warmupSteps, total: totalSteps, minimum: 0)
    case .constant: .multistep(base: configuration.learningRate, milestones: [], gamma: 1)
    }
  }

  /// Scores [batch, classes] from the output population: its output averaged over time.
  static func scores(_ record: Trainer.Record, trainer: Trainer) -> [Float] {
    Loss.timeAverage(record.outputs[trainer.output], steps: record.steps)
  }

  /// One optimizer step on the next batch; advances `step` (and `epoch` at its end).
  public mutating func trainStep() -> StepReport {
    if order.epoch != epoch { order = (epoch, train.order(epoch: epoch)) }
    var batch = train.batch(step, of: order.images, epoch: epoch)
    let c = configuration
    let classes = trainer.network.populations[trainer.output].size
    var lambda: Float = 1
    if c.mixup.isActive(epoch: epoch) {
      lambda = c.mixup.lambda(seed: c.seed, trainingStep: globalStep)
      Mixup.mix(&batch.inputs, count: batch.size, lambda: lambda)
    }
    let targets = Mixup.targets(batch.labels, classes: classes, lambda: Double(lambda),
                                smoothing: c.loss == .mse ? 0 : Double(c.labelSmoothing))
    let x = c.encoding.encode(batch.inputs, timeSteps: c.timeSteps, seed: c.seed, trainingStep: globalStep)
    let record = trainer.forward(x, steps: c.timeSteps, batch: batch.size, training: true, step: globalStep)
    let scores = Self.scores(record, trainer: trainer)
    let (loss, g) = c.loss == .mse ? Loss.mseOnRates(scores, targets: targets) : Loss.crossEntropy(scores, targets: targets, classes: classes)
    var gradients = trainer.backward(record, outputGradient: Loss.timeAverageBackward(g, steps: c.timeSteps))
    if c.clipNorm > 0 { Optimizer.clip(&gradients, maxNorm: c.clipNorm) }
    let lr = schedule.rate(at: globalStep)
    trainer.updateParameters { optimizer.update(&$0, gradients: gradients, lr: lr) }
    let report = StepReport(epoch: epoch, step: step, steps: stepsPerEpoch, loss: loss,
                            correct: Loss.correct(scores, labels: batch.labels, classes: classes, top: 1), samples: batch.size)
    step += 1
    if step == stepsPerEpoch {
      step = 0
      epoch += 1
    }
    return report
  }

  /// Evaluation-mode pass over `set` (BN with running statistics), in batches of the run's size.
  public mutating func evaluate(_ set: ImageSet, normalization: Normalization) throws(ModelError) -> Evaluation {
    try Self.evaluate(&trainer, set: set, normalization: normalization, configuration: configuration)
  }
}
