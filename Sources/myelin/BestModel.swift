// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinLearning
import MyelinTraces

/// `train --keep-best FILE`: the model of the epoch with the highest validation top-1 (the
/// earliest such epoch on ties), as Keras' `ModelCheckpoint(save_best_only=True)` keeps it.
/// Choosing an epoch by the test set would make the test score a biased one; the
/// validation images are held out of training (`--validation N`), so it stays clean.
///
/// The file is a checkpoint without optimizer moments: `eval` and `infer` read it. Its
/// /meta/model adds `selected` (epoch, validation_top1, test_top1), from which a resumed
/// run takes the best score so far.
struct BestModel {
  let path: String
  private(set) var epoch: Int?
  private(set) var validationTop1 = -Double.infinity
  private(set) var testTop1 = 0.0

  /// On `--resume`, continues from the file's selection when the file is there.
  init(path: String, setup: TrainingSetup, resuming: Bool) throws {
    self.path = path
    guard resuming, FileManager.default.fileExists(atPath: path) else { return }
    let text = try CheckpointFile.read(path: path).model
    guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any],
      let selected = object["selected"] as? [String: Any], let epoch = selected["epoch"] as? Int,
      let validation = selected["validation_top1"] as? Double, let test = selected["test_top1"] as? Double,
      text == setup.metadata(selected: selected)
    else {
      throw CLIError("\(path): not the --keep-best file of this run (its /meta/model differs); move it away to start a new one")
    }
    self.epoch = epoch
    validationTop1 = validation
    testTop1 = test
  }

  /// Keeps the run's current model if `validation` beats the best so far; true if it did.
  /// `epoch` counts from 1.
  mutating func consider(_ run: TrainingRun, setup: TrainingSetup, epoch: Int, validation: Evaluation,
                         test: Evaluation) throws -> Bool {
    guard validation.top1 > validationTop1 else { return false }
    let selected: [String: Any] = ["epoch": epoch, "validation_top1": validation.top1, "test_top1": test.top1]
    let state = run.trainer.state
    try CheckpointFile.write(
      Checkpoint(names: state.names, tensors: state.tensors, epoch: run.epoch, step: run.step,
                 seed: setup.configuration.seed, model: setup.metadata(selected: selected)), to: path)
    self.epoch = epoch
    validationTop1 = validation.top1
    testTop1 = test.top1
    return true
  }

  var json: [String: Any] {
    ["file": path, "epoch": epoch ?? 0, "validation_top1": epoch == nil ? 0 : validationTop1, "test_top1": testTop1]
  }
}
