// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinTraces
import Testing

/// `train --validation N --keep-best FILE` and csnn's `--neuron`, end to end on the small
/// generated IDX files of ``TrainCLITests``.
@Suite struct ValidationCLITests {
  /// A learning rate high enough that validation accuracy goes down as well as up, so
  /// that the best epoch is not simply the last one.
  static let options = ["--epochs", "6", "--threads", "1", "--lr", "0.2", "--validation", "16"]

  static func json(_ result: CLITests.Result) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stderr)")
  }

  @Test func theBestValidationEpochIsKeptAndSurvivesAResume() throws {
    let data = try TrainCLITests.dataset()
    defer { try? FileManager.default.removeItem(atPath: data) }
    let straight = try TrainCLITests.train(data, Self.options + ["--keep-best", "\(data)/best-a.h5", "--checkpoint", "\(data)/a.h5", "--json"])
    #expect(straight.status == 0, "\(straight.stderr)")
    let object = try Self.json(straight)
    let history = try #require(object["history"] as? [[String: Any]])
    let validation = history.compactMap { $0["validation_top1"] as? Double }
    let test = history.compactMap { $0["test_top1"] as? Double }
    #expect(validation.count == 6 && test.count == 6)
    // The earliest epoch with the highest validation top-1.
    let chosen = try #require(validation.firstIndex(of: validation.max() ?? -1))
    #expect(chosen < 5 && validation[5] < validation[chosen], "the last epoch is the best here, so this checks little: \(validation)")
    let best = try #require(object["best"] as? [String: Any])
    #expect(best["epoch"] as? Int == chosen + 1, "\(best) for \(validation)")
    #expect(best["validation_top1"] as? Double == validation[chosen])
    #expect(best["test_top1"] as? Double == test[chosen])
    #expect(straight.stderr.contains("(best: kept)"))

    // The file holds that epoch's model: eval gives that epoch's test figures.
    let eval = try CLITests.run(["eval", "--checkpoint", "\(data)/best-a.h5", "--data", data, "--json"])
    #expect(eval.status == 0, "\(eval.stderr)")
    let evaluated = try Self.json(eval)
    #expect(evaluated["test_top1"] as? Double == test[chosen])
    #expect(evaluated["test_loss"] as? Double == history[chosen]["test_loss"] as? Double)

    // Stopped after epoch 1 and resumed: the same choice and the same file.
    let half = try TrainCLITests.train(data, Self.options + ["--keep-best", "\(data)/best-b.h5", "--checkpoint", "\(data)/b.h5",
                                                             "--stop-after-epoch", "1"])
    let resumed = try TrainCLITests.train(data, Self.options + ["--keep-best", "\(data)/best-b.h5", "--checkpoint", "\(data)/b.h5",
                                                                "--resume", "--json"])
    #expect(half.status == 0 && resumed.status == 0, "\(resumed.stderr)")
    let resumedBest = try #require(try Self.json(resumed)["best"] as? [String: Any])
    #expect(resumedBest["epoch"] as? Int == chosen + 1 && resumedBest["test_top1"] as? Double == test[chosen])
    let (a, b) = (try CheckpointFile.read(path: "\(data)/best-a.h5"), try CheckpointFile.read(path: "\(data)/best-b.h5"))
    #expect(a.tensors == b.tensors && a.model == b.model)
    #expect(a.optimizerFirst.isEmpty, "the kept model carries no optimizer state")

    // A resume with another run's file is refused rather than mixed in.
    let foreign = try TrainCLITests.train(data, Self.options + ["--seed", "5", "--keep-best", "\(data)/best-a.h5",
                                                                "--checkpoint", "\(data)/c.h5", "--resume"])
    #expect(foreign.status == 2, "\(foreign.stderr)")
  }

  @Test func badValidationOptionsAreClearErrors() throws {
    let data = try TrainCLITests.dataset()
    defer { try? FileManager.default.removeItem(atPath: data) }
    let all = try TrainCLITests.train(data, ["--validation", "48"])
    #expect(all.status == 2 && all.stderr.contains("1...47"), "\(all.stderr)")
    let orphan = try TrainCLITests.train(data, ["--keep-best", "\(data)/x.h5"])
    #expect(orphan.status == 2 && orphan.stderr.contains("--validation"), "\(orphan.stderr)")
    FileManager.default.createFile(atPath: "\(data)/y.h5", contents: Data([1]))
    let exists = try TrainCLITests.train(data, ["--validation", "8", "--keep-best", "\(data)/y.h5"])
    #expect(exists.status == 2 && exists.stderr.contains("--force"), "\(exists.stderr)")
    let zero = try TrainCLITests.train(data, ["--validation", "0"])
    #expect(zero.status == 2, "\(zero.stderr)")
  }

  /// `--neuron if|plif` changes csnn's nodes: PLIF adds one learnable w per LIF population
  /// (4), which `describe` counts and the checkpoint stores, and `eval` rebuilds it.
  @Test func csnnNeuronsAreChosenStoredAndRebuilt() throws {
    let data = try TrainCLITests.dataset()
    defer { try? FileManager.default.removeItem(atPath: data) }
    func parameters(_ neuron: String) throws -> Int? {
      let described = try CLITests.run(["describe", "csnn", "--channels", "2", "--neuron", neuron, "--json"])
      return try Self.json(described)["parameters"] as? Int
    }
    let lif = try #require(try parameters("lif"))
    #expect(try parameters("if") == lif)
    #expect(try parameters("plif") == lif + 4)
    var results: [String: [[Float]]] = [:]
    for neuron in ["lif", "if", "plif"] {
      let trained = try TrainCLITests.train(data, ["--epochs", "1", "--threads", "1", "--neuron", neuron, "--checkpoint", "\(data)/\(neuron).h5", "--json"])
      #expect(trained.status == 0, "\(trained.stderr)")
      let checkpoint = try CheckpointFile.read(path: "\(data)/\(neuron).h5")
      results[neuron] = checkpoint.tensors
      #expect(checkpoint.names.filter { $0.hasSuffix(".plif_w") }.count == (neuron == "plif" ? 4 : 0))
      let eval = try CLITests.run(["eval", "--checkpoint", "\(data)/\(neuron).h5", "--data", data, "--json"])
      let (evaluated, reported) = (try Self.json(eval)["test_top1"] as? Double, try Self.json(trained)["test_top1"] as? Double)
      #expect(evaluated != nil && evaluated == reported)
    }
    #expect(results["lif"] != results["if"], "--neuron if trained the same model as lif")
    let bad = try TrainCLITests.train(data, ["--neuron", "izhikevich"])
    #expect(bad.status == 2 && bad.stderr.contains("lif, if, plif"), "\(bad.stderr)")
    let spikformer = try CLITests.run(["describe", "spikformer", "--neuron", "if"])
    #expect(spikformer.status == 2 && spikformer.stderr.contains("csnn only"), "\(spikformer.stderr)")
  }
}
