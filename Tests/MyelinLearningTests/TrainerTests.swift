// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore
@testable import MyelinLearning
import Testing

/// The Trainer executor on small graphs: structure checks, learning, event against dense,
/// threads, resume, and the repeated-input shortcut.
struct TrainerTests {
  /// input [1, 6, 6] → conv3×3 (4, BN) → LIF → max-pool 2 → sum [4, 3, 3] → dense → LIF [3].
  static func convGraph(output: NeuronModel = .lifNode(LIFNode()),
                        hidden: LIFNode.Kind = .lif(tau: 2)) -> Network {
    var n = Network(name: "tiny-conv")
    n.add(Population(name: "image", shape: [1, 6, 6], model: .input))
    n.add(Population(name: "conv", shape: [4, 6, 6], model: .lifNode(LIFNode(kind: hidden, surrogate: .atan(alpha: 2)))))
    n.add(Population(name: "pool", shape: [4, 3, 3], model: .sum))
    n.add(Population(name: "out", shape: [3], model: output))
    n.projections = [
      Projection(source: "image", target: "conv", kind: .conv2d(Conv2dGeometry(kernel: 3, padding: 1)), batchNorm: true),
      Projection(source: "conv", target: "pool", kind: .pool(PoolGeometry(.max, kernel: 2))),
      Projection(source: "pool", target: "out", kind: .dense(bias: true)),
    ]
    return n
  }

  /// Images whose class (0, 1, 2) is the third of the 6×6 image that is bright.
  static func stripes(count: Int, seed: UInt64) -> ImageSet {
    var random = RandomSequence(philox: Philox(seed: seed), stream: 1, index: 0)
    var pixels: [UInt8] = [], labels: [UInt8] = []
    for _ in 0..<count {
      let label = Int(random.nextInt(below: 3))
      for y in 0..<6 {
        for _ in 0..<6 {
          let bright = y / 2 == label
          pixels.append(UInt8((bright ? 150 : 0) + Int(random.nextInt(below: 100))))
        }
      }
      labels.append(UInt8(label))
    }
    return ImageSet(pixels: pixels, labels: labels, channels: 1, height: 6, width: 6, classes: 3)
  }

  static func configuration(epochs: Int = 1, loss: TrainingConfiguration.LossKind = .mse) -> TrainingConfiguration {
    var c = TrainingConfiguration()
    c.epochs = epochs
    c.batch = 8
    c.learningRate = 0.01
    c.loss = loss
    c.seed = 3
    return c
  }

  @Test func graphRulesAreChecked() throws {
    var cyclic = Self.convGraph()
    cyclic.projections.append(Projection(source: "out", target: "pool", kind: .identity))
    #expect(throws: ModelError.self) { try cyclic.validate() }
    var badShape = Self.convGraph()
    badShape.populations[2].shape = [4, 2, 4]
    badShape.populations[2].size = 32
    let error = #expect(throws: ModelError.self) { try badShape.validate() }
    #expect(error?.description.contains("[4, 3, 3]") == true)
    var mixed = Self.convGraph()
    mixed.connect("image", "out", .allToAll(), weight: .constant(1))
    #expect(throws: ModelError.self) { try mixed.validate() }
    var normalisedPool = Self.convGraph()
    normalisedPool.projections[1].batchNorm = true
    #expect(throws: ModelError.self) { try normalisedPool.validate() }
    // The Simulation executor does not run layer graphs.
    #expect(throws: ModelError.self) { _ = try Simulation(network: Self.convGraph(), options: SimulationOptions()) }
    #expect(try Self.convGraph().layerOrder() == [0, 1, 2, 3])
  }

  @Test func tinyGraphLearnsTheTaskCompletely() throws {
    let set = Self.stripes(count: 96, seed: 1)
    var run = try TrainingRun(trainer: try Trainer(network: Self.convGraph(), seed: 1), train: set,
                              normalization: .fashionMNIST, configuration: Self.configuration(epochs: 6))
    var losses: [Double] = []
    while !run.finished { losses.append(run.trainStep().loss) }
    let test = Self.stripes(count: 60, seed: 2)
    let e = try run.evaluate(test, normalization: .fashionMNIST)
    #expect(e.top1 == 1, "top-1 \(e.top1)")
    let early: Double = losses.prefix(12).reduce(0, +), late: Double = losses.suffix(12).reduce(0, +)
    #expect(late < early / 2)
    #expect(e.firingRates.map(\.population) == ["conv", "out"])
  }

  @Test func lossFallsOnAFixedBatch() throws {
    var trainer = try Trainer(network: Self.convGraph(output: .readout), seed: 2)
    let set = Self.stripes(count: 16, seed: 4)
    let loader = try BatchLoader(set: set, batchSize: 16, shuffle: false, seed: 1, normalization: .fashionMNIST)
    let batch = loader.batch(0, of: loader.order(epoch: 0), epoch: 0)
    let x = InputEncoding.direct.encode(batch.inputs, timeSteps: 4, seed: 1, trainingStep: 0)
    var optimizer = Optimizer(.adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8))
    var first = 0.0, last = 0.0
    for step in 0..<40 {
      let record = trainer.forward(x, steps: 4, batch: 16, training: true)
      let (loss, g) = Loss.crossEntropy(Loss.timeAverage(record.outputs[trainer.output], steps: 4), labels: batch.labels, classes: 3)
      if step == 0 { first = loss }
      last = loss
      var parameters = trainer.parameters
      optimizer.update(&parameters, gradients: trainer.backward(record, outputGradient: Loss.timeAverageBackward(g, steps: 4)), lr: 0.01)
      trainer.setParameters(parameters.map(\.values))
    }
    #expect(last < first / 4, "loss \(first) → \(last)")
  }

  /// PLIF's w gets its gradient through the graph, which needs the node's input current
  /// kept from the forward pass; a LIF node's current is not kept (its backward pass does
  /// not read it). The gradient is the same on 1 and 2 threads, finite and not zero.
  @Test func plifGetsItsGradientThroughTheGraph() throws {
    let set = Self.stripes(count: 8, seed: 4)
    let loader = try BatchLoader(set: set, batchSize: 8, shuffle: false, seed: 1, normalization: .fashionMNIST)
    let batch = loader.batch(0, of: loader.order(epoch: 0), epoch: 0)
    let x = InputEncoding.direct.encode(batch.inputs, timeSteps: 4, seed: 1, trainingStep: 0)
    var gradients: [[Float]] = []
    for threads in [1, 2] {
      var trainer = try Trainer(network: Self.convGraph(hidden: .plif(initialTau: 2)), seed: 2)
      trainer.threads = threads
      let record = trainer.forward(x, steps: 4, batch: 8, training: true)
      #expect(!record.currents[1].isEmpty && record.currents[3].isEmpty, "PLIF keeps its current, LIF does not")
      let (_, g) = Loss.mseOnRates(Loss.timeAverage(record.outputs[trainer.output], steps: 4), labels: batch.labels, classes: 3)
      let all = trainer.backward(record, outputGradient: Loss.timeAverageBackward(g, steps: 4))
      #expect(trainer.parameterNames.last == "conv.plif_w")
      gradients.append(try #require(all.last))
    }
    #expect(gradients[0] == gradients[1])
    let w = gradients[0][0]
    #expect(w.isFinite && w != 0, "dL/dw = \(w)")
  }

  /// Spike inputs [T·B, …] with about `density` ones.
  static func spikes(_ count: Int, density: Double, seed: UInt64) -> [Float] {
    var random = RandomSequence(philox: Philox(seed: seed), stream: 2, index: 0)
    return (0..<count).map { _ in random.nextUniform() < density ? 1 : 0 }
  }

  @Test func eventAndDensePathsAgreeThroughTheGraph() throws {
    // Spiking input: every projection after it sees spikes.
    var network = Self.convGraph(output: .readout)
    network.projections[0].batchNorm = false
    var event = try Trainer(network: network, seed: 5)
    event.mode = .event
    var dense = event
    dense.mode = .dense
    let x = Self.spikes(4 * 8 * 36, density: 0.2, seed: 9)
    let re = event.forward(x, steps: 4, batch: 8, training: true)
    let rd = dense.forward(x, steps: 4, batch: 8, training: true)
    let eventModes: [ForwardMode?] = [.event, nil, .event], denseModes: [ForwardMode?] = [.dense, nil, .dense]
    #expect(re.modes == eventModes)
    #expect(rd.modes == denseModes)
    let out = event.output
    let forwardGap = zip(re.outputs[out], rd.outputs[out]).map { abs($0 - $1) }.max() ?? 0
    #expect(forwardGap < 1e-5)
    let g = (0..<re.outputs[out].count).map { Float($0 % 7) / 7 - 0.4 }
    let ge = event.backward(re, outputGradient: g), gd = dense.backward(rd, outputGradient: g)
    for (a, b) in zip(ge, gd) {
      let gap = zip(a, b).map { abs($0 - $1) }.max() ?? 0
      let scale = b.map { abs($0) }.max() ?? 1
      #expect(gap <= 1e-4 * max(scale, 1))
    }
  }

  @Test func twoThreadsGiveBitIdenticalTraining() throws {
    let set = Self.stripes(count: 48, seed: 6)
    func train(threads: Int) throws -> [[Float]] {
      var trainer = try Trainer(network: Self.convGraph(), seed: 7)
      trainer.threads = threads
      BLASThreads.set(threads)
      defer { BLASThreads.set(1) }
      var run = try TrainingRun(trainer: trainer, train: set, normalization: .fashionMNIST, configuration: Self.configuration())
      while !run.finished { _ = run.trainStep() }
      return run.trainer.state.tensors
    }
    let one = try train(threads: 1), two = try train(threads: 2)
    #expect(one == two)
  }

  @Test func resumingFromSavedStateIsBitIdentical() throws {
    let set = Self.stripes(count: 40, seed: 8)
    let c = Self.configuration(epochs: 2)
    var straight = try TrainingRun(trainer: try Trainer(network: Self.convGraph(), seed: 9), train: set,
                                   normalization: .fashionMNIST, configuration: c)
    while !straight.finished { _ = straight.trainStep() }
    var first = try TrainingRun(trainer: try Trainer(network: Self.convGraph(), seed: 9), train: set,
                                normalization: .fashionMNIST, configuration: c)
    while first.epoch < 1 { _ = first.trainStep() }
    // What a checkpoint holds: tensors by name, optimizer state, epoch and step.
    let saved = first.trainer.state
    var resumed = try TrainingRun(trainer: try Trainer(network: Self.convGraph(), seed: 99), train: set,
                                  normalization: .fashionMNIST, configuration: c)
    try resumed.trainer.restore(names: saved.names, tensors: saved.tensors)
    resumed.optimizer = first.optimizer
    resumed.epoch = first.epoch
    resumed.step = first.step
    while !resumed.finished { _ = resumed.trainStep() }
    #expect(resumed.trainer.state.tensors == straight.trainer.state.tensors)
    #expect(throws: ModelError.self) { try resumed.trainer.restore(names: saved.names.reversed(), tensors: saved.tensors) }
  }

  @Test func aRepeatedInputRunsItsProjectionOnce() throws {
    var kernel = try LayerKernel(
      Projection(source: "a", target: "b", kind: .conv2d(Conv2dGeometry(kernel: 3, padding: 1)), batchNorm: true), index: 0,
      source: Population(name: "a", shape: [2, 5, 5], model: .input), target: Population(name: "b", shape: [3, 5, 5], model: .sum),
      seed: 1)
    var copy = kernel
    let once = Self.spikes(4 * 50, density: 0.5, seed: 3).map { $0 * 0.7 - 0.2 }
    let x = Array([once, once, once].joined())  // T = 3 steps of a batch of 4
    let (ya, ra) = kernel.forward(x, rows: 12, repeats: 3, mode: .dense, training: true, threads: 1)
    let (yb, rb) = copy.forward(x, rows: 12, repeats: 1, mode: .dense, training: true, threads: 1)
    #expect(zip(ya, yb).allSatisfy { abs($0 - $1) < 1e-5 })
    let g = (0..<ya.count).map { Float($0 % 5) * 0.1 - 0.2 }
    let ga = kernel.backward(x, gradient: g, record: ra, rows: 12, repeats: 3, needInput: false, threads: 1)
    let gb = copy.backward(x, gradient: g, record: rb, rows: 12, repeats: 1, needInput: false, threads: 1)
    for (a, b) in zip(ga.parameters, gb.parameters) { #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-4 }) }
  }

  /// The dense path must not depend on the thread count. OpenBLAS's own threads change
  /// the bits, so the kernels split rows themselves; checked on a size OpenBLAS would thread.
  @Test func denseAndConvPathsGiveTheSameBitsOnTwoThreads() throws {
    let p = DenseProjection(inputs: 1024, outputs: 512, seed: 4)
    let x = Self.spikes(256 * 1024, density: 0.3, seed: 5).map { $0 * 1.3 - 0.1 }
    let g = Self.spikes(256 * 512, density: 0.5, seed: 6).map { $0 - 0.5 }
    let y1 = p.forward(x, rows: 256, mode: .dense, threads: 1), b1 = p.backward(x, gradient: g, rows: 256, mode: .dense, threads: 1)
    let y2 = p.forward(x, rows: 256, mode: .dense, threads: 2), b2 = p.backward(x, gradient: g, rows: 256, mode: .dense, threads: 2)
    let sameForward = y1 == y2, sameWeights = b1.weight == b2.weight, sameInputs = b1.input == b2.input
    #expect(sameForward && sameWeights && sameInputs)
    let conv = try ConvProjection(inChannels: 4, outChannels: 8, kernel: 3, padding: 1, height: 8, width: 8, seed: 2)
    let cx = Self.spikes(32 * 256, density: 0.2, seed: 7), cg = Self.spikes(32 * 512, density: 0.5, seed: 8).map { $0 - 0.5 }
    for mode in [ForwardMode.event, .dense] {
      let c1 = conv.forward(cx, rows: 32, mode: mode, threads: 1), c2 = conv.forward(cx, rows: 32, mode: mode, threads: 2)
      let d1 = conv.backward(cx, gradient: cg, rows: 32, mode: mode, threads: 1)
      let d2 = conv.backward(cx, gradient: cg, rows: 32, mode: mode, threads: 2)
      let same = c1 == c2 && d1.weight == d2.weight && d1.input == d2.input
      #expect(same, "conv \(mode)")
    }
  }
}
