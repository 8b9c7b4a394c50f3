// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore
import MyelinLearning

/// `myelin describe MODEL`: the graph of a trainable model, with parameter counts.
struct DescribeCommand {
  let arguments: Arguments

  init(_ words: [String]) throws(CLIError) {
    arguments = try Arguments(words, valued: ["--channels", "--dropout", "--neuron", "--dataset", "--config", "--depth", "--dim", "--heads", "--image-size", "--classes"], switches: ["--json", "--help"])
  }

  func execute() throws {
    if arguments.flag("--help") {
      print(Help.describe)
      return
    }
    guard arguments.positional.count == 1, let name = arguments.positional.first else {
      throw CLIError("describe needs one model: \(ModelChoice.names.joined(separator: ", "))")
    }
    let setup = try TrainingSetup(arguments, model: name)
    let network = try setup.model.network()
    let trainer = try Trainer(network: network, seed: 1)
    let populations = network.populations.map { p -> [String: Any] in
      ["name": p.name, "model": p.model.name, "shape": p.shape, "size": p.size]
    }
    let projections = network.projections.enumerated().map { j, p -> [String: Any] in
      ["name": p.name, "kind": p.kind.name, "source": p.source, "target": p.target, "batch_norm": p.batchNorm,
       "dropout": p.dropout, "parameters": trainer.parameterCount(projection: j)]
    }
    if arguments.flag("--json") {
      print(JSONText.encode(["model": network.name, "summary": network.summary, "populations": populations,
                             "projections": projections, "parameters": trainer.parameterCount]))
      return
    }
    print("\(network.name): \(network.summary)")
    print("populations:")
    for p in network.populations {
      print("  \(p.name.padding(toLength: 14, withPad: " ", startingAt: 0)) \(p.model.name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(p.shape.map(String.init).joined(separator: "×"))")
    }
    print("projections:")
    for (j, p) in network.projections.enumerated() {
      let kind = p.kind.name + (p.batchNorm ? " + BN" : "") + (p.dropout > 0 ? " + dropout \(p.dropout)" : "")
      print("  \(p.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(kind.padding(toLength: max(16, kind.count + 1), withPad: " ", startingAt: 0)) \(trainer.parameterCount(projection: j)) parameters")
    }
    print("parameters: \(trainer.parameterCount)")
  }
}
