// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore
import MyelinLearning
import MyelinModels

/// The trainable models the CLI knows by name, with the options that shape them. The
/// description is stored in checkpoints (as JSON), so that `eval` rebuilds the same graph.
struct ModelChoice: Equatable {
  var name: String
  var channels = 128
  var inputShape = [1, 28, 28]
  var classes = 10
  /// csnn's dropout on the inputs of its linear layers (training only).
  var dropout = 0.0
  /// csnn's spiking neuron: lif (τ = 2), if (the tutorial's IFNode) or plif (learnable τ, from 2).
  var neuron = "lif"
  static let neurons = ["lif", "if", "plif"]
  /// Spikformer's configuration (depth, dim, heads, pooling), for `spikformer`.
  var spikformer: Spikformer.Configuration?

  static let names = ["csnn", "spikformer"] + Spikformer.Configuration.named.map(\.name)

  /// `csnn`, `spikformer` (default configuration spikformer-2-128) or a configuration's name.
  init(name: String, configuration: String? = nil) throws(CLIError) {
    if name == "csnn" {
      self.name = name
      return
    }
    let configName = name == "spikformer" ? configuration ?? Spikformer.Configuration.fashionMNIST.name : name
    guard name == "spikformer" || configuration == nil,
      let config = Spikformer.Configuration.named.first(where: { $0.name == configName })
    else {
      throw CLIError("unknown model '\(configuration ?? name)' (models: \(Self.names.joined(separator: ", ")))")
    }
    self.name = "spikformer"
    spikformer = config
    inputShape = [config.inputChannels, config.imageSize, config.imageSize]
    classes = config.classes
  }

  /// Command-line overrides of a Spikformer configuration.
  mutating func override(from arguments: Arguments) throws(CLIError) {
    guard var c = spikformer else {
      for option in ["--depth", "--dim", "--heads", "--image-size", "--classes"] where arguments.string(option) != nil {
        throw CLIError("\(option) applies to spikformer models only")
      }
      return
    }
    c.depth = try arguments.integer("--depth", in: 1...64) ?? c.depth
    c.dim = try arguments.integer("--dim", in: 8...8192) ?? c.dim
    c.heads = try arguments.integer("--heads", in: 1...256) ?? c.heads
    c.imageSize = try arguments.integer("--image-size", in: 4...4096) ?? c.imageSize
    c.classes = try arguments.integer("--classes", in: 2...100_000) ?? c.classes
    guard c.dim % 8 == 0, c.dim % c.heads == 0 else {
      throw CLIError("--dim \(c.dim) must be a multiple of 8 (SPS channels D/8) and of --heads \(c.heads)")
    }
    spikformer = c
    inputShape = [inputShape[0], c.imageSize, c.imageSize]
    classes = c.classes
  }

  func network() throws(CLIError) -> Network {
    switch name {
    case "csnn":
      var c = ConvSNN.Configuration()
      c.channels = channels
      c.inputChannels = inputShape[0]
      c.height = inputShape[1]
      c.width = inputShape[2]
      c.classes = classes
      c.dropout = dropout
      switch neuron {
      case "lif": break
      case "if": c.neuron.kind = .integrateAndFire
      case "plif": c.neuron.kind = .plif(initialTau: 2)
      default: throw CLIError("unknown neuron '\(neuron)' (allowed: \(Self.neurons.joined(separator: ", ")))")
      }
      guard c.height >= 4, c.width >= 4 else { throw CLIError("csnn needs images of at least 4×4 pixels") }
      return ConvSNN.network(c)
    case "spikformer":
      guard var c = spikformer else { throw CLIError("spikformer needs a configuration") }
      guard dropout == 0 else { throw CLIError("--dropout applies to csnn only") }
      guard neuron == "lif" else { throw CLIError("--neuron applies to csnn only (Spikformer uses LIF nodes)") }
      c.inputChannels = inputShape[0]
      c.imageSize = inputShape[1]
      c.classes = classes
      guard inputShape[1] == inputShape[2] else { throw CLIError("spikformer needs square images, not \(inputShape[1])×\(inputShape[2])") }
      return Spikformer.network(c)
    default:
      throw CLIError("unknown model '\(name)' (models: \(Self.names.joined(separator: ", ")))")
    }
  }

  var json: [String: Any] {
    var object: [String: Any] = ["name": name, "channels": channels, "input_shape": inputShape, "classes": classes]
    // Only when on, so that the recipes of earlier checkpoints still match on --resume.
    if dropout > 0 { object["dropout"] = dropout }
    if neuron != "lif" { object["neuron"] = neuron }
    if let c = spikformer {
      object["spikformer"] = ["config": c.name, "depth": c.depth, "dim": c.dim, "heads": c.heads,
                              "pool_after": c.poolAfter.sorted(), "qkv_bias": c.qkvBias] as [String: Any]
    }
    return object
  }

  init(json object: [String: Any], file: String) throws(CLIError) {
    guard let name = object["name"] as? String, let channels = object["channels"] as? Int,
      let shape = object["input_shape"] as? [Int], shape.count == 3, let classes = object["classes"] as? Int
    else { throw CLIError("\(file): /meta/model does not describe a model this version knows") }
    self.name = name
    self.channels = channels
    inputShape = shape
    self.classes = classes
    dropout = object["dropout"] as? Double ?? 0
    guard dropout >= 0, dropout < 1 else { throw CLIError("\(file): /meta/model has dropout \(dropout), outside [0, 1)") }
    neuron = object["neuron"] as? String ?? "lif"
    guard Self.neurons.contains(neuron) else {
      throw CLIError("\(file): /meta/model has neuron '\(neuron)' (allowed: \(Self.neurons.joined(separator: ", ")))")
    }
    if let s = object["spikformer"] as? [String: Any] {
      guard let config = s["config"] as? String, let depth = s["depth"] as? Int, let dim = s["dim"] as? Int,
        let heads = s["heads"] as? Int, let pools = s["pool_after"] as? [Int], let bias = s["qkv_bias"] as? Bool
      else { throw CLIError("\(file): /meta/model has an incomplete spikformer description") }
      spikformer = Spikformer.Configuration(name: config, depth: depth, dim: dim, heads: heads, imageSize: shape[1],
                                            inputChannels: shape[0], classes: classes, poolAfter: Set(pools), qkvBias: bias)
    }
  }
}
