// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinTraces
import Testing

/// `myelin train`, `eval` and `describe` end to end, on small generated IDX files.
@Suite struct TrainCLITests {
  /// A folder with MNIST-style IDX files of 8×8 images: the class (0, 1, 2) is the band of
  /// rows that is bright. 48 training and 24 test images.
  static func dataset() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("myelin-train-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    func idx(_ dims: [Int], _ data: [UInt8]) -> Data {
      var bytes: [UInt8] = [0, 0, 0x08, UInt8(dims.count)]
      for d in dims { bytes += [0, 0, UInt8(d >> 8), UInt8(d & 0xFF)] }
      return Data(bytes + data)
    }
    for (stem, count) in [("train", 48), ("t10k", 24)] {
      var pixels: [UInt8] = [], labels: [UInt8] = []
      for n in 0..<count {
        let label = (n * 7 + count) % 3
        for y in 0..<8 { for x in 0..<8 { pixels.append(UInt8((y * 3 / 8 == label ? 180 : 10) + (x * 5 + n) % 40)) } }
        labels.append(UInt8(label))
      }
      try idx([count, 8, 8], pixels).write(to: URL(fileURLWithPath: "\(dir)/\(stem)-images-idx3-ubyte"))
      try idx([count], labels).write(to: URL(fileURLWithPath: "\(dir)/\(stem)-labels-idx1-ubyte"))
    }
    return dir
  }

  static func train(_ data: String, _ extra: [String]) throws -> CLITests.Result {
    try CLITests.run(["train", "csnn", "--dataset", "mnist", "--data", data, "--channels", "2", "--batch", "8",
                      "--lr", "0.01"] + extra)
  }

  @Test func trainingReportsJSONAndResumesBitIdentically() throws {
    let data = try Self.dataset()
    defer { try? FileManager.default.removeItem(atPath: data) }
    let straight = try Self.train(data, ["--epochs", "2", "--threads", "1", "--checkpoint", "\(data)/a.h5", "--json"])
    #expect(straight.status == 0, "\(straight.stderr)")
    let object = try #require(try JSONSerialization.jsonObject(with: Data(straight.stdout.utf8)) as? [String: Any])
    for key in ["test_top1", "test_top5", "train_samples_per_s", "epochs", "wall_s", "firing_rates"] {
      #expect(object[key] != nil, "missing \(key)")
    }
    #expect(object["epochs"] as? Int == 2)
    #expect(straight.stderr.contains("epoch 2: train loss"))
    // Split in two: one epoch, stop, resume for the second.
    let half = try Self.train(data, ["--epochs", "2", "--threads", "1", "--checkpoint", "\(data)/b.h5", "--stop-after-epoch", "1"])
    #expect(half.status == 0, "\(half.stderr)")
    let resumed = try Self.train(data, ["--epochs", "2", "--threads", "1", "--checkpoint", "\(data)/b.h5", "--resume"])
    #expect(resumed.status == 0, "\(resumed.stderr)")
    #expect(resumed.stderr.contains("resuming from"))
    // Two threads, same seed.
    let two = try Self.train(data, ["--epochs", "2", "--threads", "2", "--checkpoint", "\(data)/c.h5"])
    #expect(two.status == 0, "\(two.stderr)")
    let a = try CheckpointFile.read(path: "\(data)/a.h5")
    let b = try CheckpointFile.read(path: "\(data)/b.h5")
    let c = try CheckpointFile.read(path: "\(data)/c.h5")
    #expect(a.epoch == 2 && b.epoch == 2)
    #expect(a.tensors == b.tensors, "resume differs")
    #expect(a.optimizerFirst == b.optimizerFirst)
    #expect(a.tensors == c.tensors, "2 threads differ")

    // An existing checkpoint is neither overwritten nor resumed silently.
    let refused = try Self.train(data, ["--epochs", "1", "--checkpoint", "\(data)/a.h5"])
    #expect(refused.status == 2)
    #expect(refused.stderr.contains("--resume"))
    // Resuming with other settings is refused.
    let changed = try Self.train(data, ["--epochs", "3", "--checkpoint", "\(data)/a.h5", "--resume"])
    #expect(changed.status == 2)

    let eval = try CLITests.run(["eval", "--checkpoint", "\(data)/a.h5", "--data", data, "--json"])
    #expect(eval.status == 0, "\(eval.stderr)")
    let e = try #require(try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])
    #expect(e["test_top1"] as? Double == object["test_top1"] as? Double)
    #expect(e["energy_uj_per_sample"] as? Double ?? 0 > 0)
    let text = try CLITests.run(["eval", "--checkpoint", "\(data)/a.h5", "--data", data, "--profile"])
    #expect(text.stdout.contains("firing rates") && text.stdout.contains("conv1"))
    #expect(text.stderr.contains("time per batch of 8") && text.stderr.contains("pool1->conv2"), "\(text.stderr)")
  }

  @Test func inferRecordsSpikesThatInspectAndPlotRead() throws {
    let data = try Self.dataset()
    defer { try? FileManager.default.removeItem(atPath: data) }
    let trained = try Self.train(data, ["--epochs", "1", "--checkpoint", "\(data)/m.h5"])
    #expect(trained.status == 0, "\(trained.stderr)")
    let trace = "\(data)/infer.h5"
    let infer = try CLITests.run(["infer", "--checkpoint", "\(data)/m.h5", "--data", data, "--index", "5", "--output", trace, "--json"])
    #expect(infer.status == 0, "\(infer.stderr)")
    let o = try #require(try JSONSerialization.jsonObject(with: Data(infer.stdout.utf8)) as? [String: Any])
    #expect(o["matches_trainer"] as? Bool == true)
    #expect((0..<3).contains(o["predicted"] as? Int ?? -1) && o["label"] as? Int == (5 * 7 + 24) % 3)
    let rates = try #require(o["firing_rates"] as? [String: Double])
    #expect(Set(rates.keys) == ["conv1", "conv2", "fc1", "fc2"])
    #expect(o["spikes"] as? Int ?? 0 > 0)
    let inspect = try CLITests.run(["inspect", trace])
    #expect(inspect.status == 0 && inspect.stdout.contains("conv2") && inspect.stdout.contains("LayerSimulation"), "\(inspect.stderr)")
    let raster = try CLITests.run(["plot", "raster", trace, "--output", "\(data)/raster.svg"])
    #expect(raster.status == 0, "\(raster.stderr)")
    // The file exists now: no overwrite without --force; an index outside the set is an input error.
    let again = try CLITests.run(["infer", "--checkpoint", "\(data)/m.h5", "--data", data, "--output", trace])
    #expect(again.status == 2)
    let outside = try CLITests.run(["infer", "--checkpoint", "\(data)/m.h5", "--data", data, "--index", "24", "--output", "\(data)/x.h5"])
    #expect(outside.status == 2 && outside.stderr.contains("0...23"), "\(outside.stderr)")
  }

  /// Trains with `options` straight into a.h5, and as epoch 1, then a resume, into b.h5.
  static func trainStraightAndResumed(_ data: String, _ options: [String]) throws {
    let straight = try Self.train(data, options + ["--checkpoint", "\(data)/a.h5"])
    #expect(straight.status == 0, "\(straight.stderr)")
    let half = try Self.train(data, options + ["--checkpoint", "\(data)/b.h5", "--stop-after-epoch", "1"])
    let resumed = try Self.train(data, options + ["--checkpoint", "\(data)/b.h5", "--resume"])
    #expect(half.status == 0 && resumed.status == 0, "\(resumed.stderr)")
  }

  @Test func mixupTrainsAndResumesBitIdentically() throws {
    let data = try Self.dataset()
    defer { try? FileManager.default.removeItem(atPath: data) }
    // Mixup in both epochs: the resumed epoch draws its λ by the global step.
    let mixup = ["--epochs", "2", "--threads", "1", "--mixup", "0.5"]
    try Self.trainStraightAndResumed(data, mixup)
    let off = try Self.train(data, mixup + ["--mixup-off-epoch", "2", "--checkpoint", "\(data)/d.h5"])
    let plain = try Self.train(data, ["--epochs", "2", "--threads", "1", "--checkpoint", "\(data)/c.h5"])
    #expect(off.status == 0 && plain.status == 0, "\(off.stderr)")
    let read = { (name: String) throws -> Checkpoint in try CheckpointFile.read(path: "\(data)/\(name).h5") }
    let (a, b, c, d) = (try read("a"), try read("b"), try read("c"), try read("d"))
    #expect(a.tensors == b.tensors, "resume differs")
    #expect(a.tensors != c.tensors && d.tensors != a.tensors && d.tensors != c.tensors, "mixup or its off epoch changed nothing")
    #expect(a.model.contains("\"mixup\":0.5") && d.model.contains("\"mixup_off_epoch\":2") && !c.model.contains("mixup"))
    let bad = try Self.train(data, ["--mixup", "-1"])
    #expect(bad.status == 2 && bad.stderr.contains("mixup"), "\(bad.stderr)")
    let orphan = try Self.train(data, ["--mixup-off-epoch", "3"])
    #expect(orphan.status == 2, "\(orphan.stderr)")
  }

  @Test func dropoutTrainsResumesBitIdenticallyAndEvalsWithoutIt() throws {
    let data = try Self.dataset()
    defer { try? FileManager.default.removeItem(atPath: data) }
    // Masks are keyed by the global step, so a resumed epoch draws the ones it would have.
    try Self.trainStraightAndResumed(data, ["--epochs", "2", "--threads", "1", "--dropout", "0.5"])
    _ = try Self.train(data, ["--epochs", "2", "--threads", "1", "--checkpoint", "\(data)/c.h5"])
    let read = { (name: String) throws -> Checkpoint in try CheckpointFile.read(path: "\(data)/\(name).h5") }
    let (a, b, c) = (try read("a"), try read("b"), try read("c"))
    #expect(a.tensors == b.tensors, "resume differs")
    #expect(a.tensors != c.tensors, "dropout changed nothing")
    #expect(a.model.contains("\"dropout\":0.5") && !c.model.contains("dropout"))
    let mismatch = try Self.train(data, ["--epochs", "2", "--threads", "1", "--checkpoint", "\(data)/b.h5", "--resume"])
    #expect(mismatch.status != 0, "resuming without --dropout must be refused")
    let eval = try CLITests.run(["eval", "--checkpoint", "\(data)/a.h5", "--data", data, "--json"])
    #expect(eval.status == 0, "\(eval.stderr)")
    // bench layers times dropout apart from the projections it feeds (the same on both paths).
    let bench = try CLITests.run(["bench", "layers", "--checkpoint", "\(data)/a.h5", "--data", data, "--repeats", "1", "--json"])
    #expect(bench.status == 0, "\(bench.stderr)")
    let layers = try #require((try JSONSerialization.jsonObject(with: Data(bench.stdout.utf8)) as? [String: Any])?["layers"]
      as? [[String: Any]])
    #expect(layers.map { ($0["dropout_ms"] as? Double ?? -1) > 0 } == [false, false, true, true], "\(layers)")
    let profiled = try Self.train(data, ["--threads", "1", "--dropout", "0.5", "--profile"])
    #expect(profiled.stderr.components(separatedBy: "\n").filter { $0.contains(" dropout ") }.count == 2, "\(profiled.stderr)")
    let described = try CLITests.run(["describe", "csnn", "--dropout", "0.5", "--json"])
    let object = try #require(try JSONSerialization.jsonObject(with: Data(described.stdout.utf8)) as? [String: Any])
    let projections = try #require(object["projections"] as? [[String: Any]])
    #expect(projections.map { $0["dropout"] as? Double } == [0, 0, 0, 0, 0.5, 0.5])
    for bad in ["1", "-0.1"] {
      let refused = try Self.train(data, ["--dropout", bad])
      #expect(refused.status == 2 && refused.stderr.contains("--dropout"), "\(refused.stderr)")
    }
    let spikformer = try CLITests.run(["describe", "spikformer", "--dropout", "0.5"])
    #expect(spikformer.status == 2 && spikformer.stderr.contains("csnn only"), "\(spikformer.stderr)")
  }

  /// Every test image through `infer` is right exactly as often as `eval` in event mode
  /// says: infer gives each image the input eval gives it (here Poisson-encoded, so the
  /// normalisation and the draws must both match).
  @Test func inferPredictsAsEvalDoes() throws {
    let data = try Self.dataset()
    defer { try? FileManager.default.removeItem(atPath: data) }
    // 4 channels at lr 0.05 get 9 of the 24 test images right after 3 epochs: neither none
    // nor all, so a wrong input shows in the count.
    let trained = try CLITests.run(["train", "csnn", "--dataset", "mnist", "--data", data, "--channels", "4", "--batch", "8",
                                    "--lr", "0.05", "--epochs", "3", "--encoding", "poisson", "--checkpoint", "\(data)/p.h5"])
    #expect(trained.status == 0, "\(trained.stderr)")
    let eval = try CLITests.run(["eval", "--checkpoint", "\(data)/p.h5", "--data", data, "--mode", "event", "--json"])
    let e = try #require(try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])
    var correct = 0
    for index in 0..<24 {
      let infer = try CLITests.run(["infer", "--checkpoint", "\(data)/p.h5", "--data", data, "--index", "\(index)",
                                    "--output", "\(data)/i\(index).h5", "--json"])
      let o = try #require(try JSONSerialization.jsonObject(with: Data(infer.stdout.utf8)) as? [String: Any], "\(infer.stderr)")
      #expect(o["matches_trainer"] as? Bool == true)
      if o["tied"] as? Int == 0, o["predicted"] as? Int == o["label"] as? Int { correct += 1 }
    }
    let top1 = try #require(e["test_top1"] as? Double)
    #expect(correct == Int((top1 * 24).rounded()), "infer right on \(correct) of 24, eval top-1 \(top1)")
    #expect(correct > 4 && correct < 20, "right on \(correct) of 24: the comparison says little")
  }

  @Test func describePrintsTheGraphAndItsParameterCount() throws {
    let result = try CLITests.run(["describe", "csnn", "--json"])
    #expect(result.status == 0)
    let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    // SpikingJelly's CSNN: convolutions without bias, BN γ and β, linear layers without bias.
    let conv1: Int = 1 * 128 * 9 + 2 * 128, conv2: Int = 128 * 128 * 9 + 2 * 128
    let fc1: Int = 128 * 7 * 7 * 2048, fc2: Int = 2048 * 10
    let expected = conv1 + conv2 + fc1 + fc2
    #expect(object["parameters"] as? Int == expected)
    let projections = try #require(object["projections"] as? [[String: Any]])
    #expect(projections.map { $0["kind"] as? String } == ["conv2d", "max_pool", "conv2d", "max_pool", "dense", "dense"])
    let small = try CLITests.run(["describe", "csnn", "--channels", "8"])
    let smallConv1: Int = (9 + 2) * 8, smallConv2: Int = 8 * 8 * 9 + 2 * 8, smallFC: Int = 8 * 49 * 128 + 128 * 10
    #expect(small.stdout.contains("parameters: \(smallConv1 + smallConv2 + smallFC)"))
  }

  /// Spikformer's published sizes, from the official code's layers: SPS convolutions
  /// without bias + BN, RPE, per block Q/K/V/proj 1×1 + BN (Q/K/V bias only in the CIFAR
  /// code), MLP D→4D→D with bias + BN, and the linear head.
  @Test(arguments: [("spikformer-4-384", 384, 4, 3, 10, true, 9.32e6), ("spikformer-8-512", 512, 8, 3, 1000, false, 29.68e6)])
  func spikformerParameterCountsMatchThePaper(config: (String, Int, Int, Int, Int, Bool, Double)) throws {
    let (name, d, depth, input, classes, qkvBias, published) = config
    let channels: [Int] = [input, d / 8, d / 4, d / 2, d, d]
    var sps = 0
    for i in 0..<5 { sps += channels[i] * channels[i + 1] * 9 + 2 * channels[i + 1] }
    let qkv: Int = 3 * (d * d + (qkvBias ? d : 0) + 2 * d)
    let proj: Int = d * d + d + 2 * d
    let mlp: Int = (d * 4 * d + 4 * d + 8 * d) + (4 * d * d + d + 2 * d)
    let head: Int = d * classes + classes
    let expected = sps + depth * (qkv + proj + mlp) + head
    let result = try CLITests.run(["describe", name, "--json"])
    #expect(result.status == 0, "\(result.stderr)")
    let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    let count = try #require(object["parameters"] as? Int)
    #expect(count == expected)
    #expect(abs(Double(count) - published) / published < 0.005)
    let kinds = (object["projections"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
    #expect(kinds.filter { $0 == "attention" }.count == depth)
  }

  /// CIFAR-10's binary version end to end: generated batches of 32×32×3 records (the class
  /// picks the bright colour plane), a small csnn and a small Spikformer.
  @Test func cifar10TrainsEndToEnd() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("myelin-cifar-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    for name in (1...5).map({ "data_batch_\($0).bin" }) + ["test_batch.bin"] {
      var bytes: [UInt8] = []
      for r in 0..<8 {
        let label = r % 3
        bytes.append(UInt8(label))
        for plane in 0..<3 { bytes += Array(repeating: UInt8(plane == label ? 200 : 20), count: 1024) }
      }
      try Data(bytes).write(to: URL(fileURLWithPath: "\(dir)/\(name)"))
    }
    let csnn = try CLITests.run(["train", "csnn", "--dataset", "cifar10", "--data", dir, "--channels", "2", "--batch", "8", "--json"])
    #expect(csnn.status == 0, "\(csnn.stderr)")
    let spikformer = try CLITests.run(["train", "spikformer", "--dataset", "cifar10", "--data", dir, "--depth", "1", "--dim", "16",
                                       "--heads", "2", "--batch", "8", "--loss", "ce", "--json"])
    #expect(spikformer.status == 0, "\(spikformer.stderr)")
    let object = try #require(try JSONSerialization.jsonObject(with: Data(spikformer.stdout.utf8)) as? [String: Any])
    #expect((object["model"] as? [String: Any])?["input_shape"] as? [Int] == [3, 32, 32])
    #expect(object["test_samples"] as? Int == 8)
    // An image size that differs from the data's is refused, not silently replaced.
    let resized = try CLITests.run(["train", "spikformer", "--dataset", "cifar10", "--data", dir, "--depth", "1", "--dim", "16",
                                    "--heads", "2", "--image-size", "28"])
    #expect(resized.status == 2 && resized.stderr.contains("--image-size 28 does not match the data set's 32×32"), "\(resized.stderr)")
  }

  @Test func badTrainingInputIsAClearError() throws {
    let missing = try CLITests.run(["train", "csnn", "--data", "/nonexistent/fmnist"])
    #expect(missing.status == 2)
    #expect(missing.stderr.contains("/nonexistent/fmnist"))
    let unknown = try CLITests.run(["train", "resnet"])
    #expect(unknown.status == 2 && unknown.stderr.contains("csnn"))
    let badMode = try CLITests.run(["train", "csnn", "--mode", "sparse"])
    #expect(badMode.status == 2 && badMode.stderr.contains("event, dense, auto"))
    let noCheckpoint = try CLITests.run(["eval", "--checkpoint", "/nonexistent.h5"])
    #expect(noCheckpoint.status == 2)
  }

  /// SIGINT stops at a step boundary, saves the checkpoint and exits with 130; the run
  /// then resumes from where it stopped.
  @Test func interruptedTrainingSavesACheckpointAndResumes() throws {
    let data = try Self.dataset()
    defer { try? FileManager.default.removeItem(atPath: data) }
    let arguments = ["train", "csnn", "--dataset", "mnist", "--data", data, "--channels", "2", "--batch", "8",
                     "--epochs", "100000", "--checkpoint", "\(data)/i.h5"]
    let (process, stderr) = try Self.runUntilSignal(arguments, SIGINT, after: "epoch 2: train loss")
    #expect(process.terminationStatus == 130, "\(stderr)")
    #expect(stderr.contains("interrupted at epoch"))
    let saved = try CheckpointFile.read(path: "\(data)/i.h5")
    #expect(saved.epoch * 6 + saved.step > 0)
    // The whole recipe is checked on resume: the same options continue.
    let (resumed, resumedText) = try Self.runUntilSignal(arguments + ["--resume"], SIGTERM, after: "epoch 4: train loss")
    #expect(resumedText.contains("resuming from"), "\(resumedText)")
    #expect(resumed.terminationStatus == 130)
    let later = try CheckpointFile.read(path: "\(data)/i.h5")
    #expect(later.epoch * 6 + later.step > saved.epoch * 6 + saved.step)
  }

  /// Starts `myelin` with `arguments`, waits until its stderr shows `marker` (so the run
  /// is past its setup, whatever the machine's load), sends `signal`, and returns the
  /// finished process with its stderr.
  static func runUntilSignal(_ arguments: [String], _ signal: Int32, after marker: String) throws -> (Process, String) {
    let process = Process()
    process.executableURL = CLITests.binary
    process.arguments = arguments
    let err = Pipe()
    process.standardError = err
    process.standardOutput = Pipe()
    try process.run()
    var text = ""
    let deadline = Date().addingTimeInterval(120)
    while !text.contains(marker), process.isRunning, Date() < deadline {
      let chunk = err.fileHandleForReading.availableData
      if chunk.isEmpty { break }
      text += String(decoding: chunk, as: UTF8.self)
    }
    kill(process.processIdentifier, signal)
    text += String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process, text)
  }
}
