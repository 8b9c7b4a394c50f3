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

  static let names = ["csnn"]

  func network() throws(CLIError) -> Network {
    switch name {
    case "csnn":
      var c = ConvSNN.Configuration()
      c.channels = channels
      c.inputChannels = inputShape[0]
      c.height = inputShape[1]
      c.width = inputShape[2]
      c.classes = classes
      guard c.height >= 4, c.width >= 4 else { throw CLIError("csnn needs images of at least 4×4 pixels") }
      return ConvSNN.network(c)
    default:
      throw CLIError("unknown model '\(name)' (models: \(Self.names.joined(separator: ", ")))")
    }
  }

  var json: [String: Any] { ["name": name, "channels": channels, "input_shape": inputShape, "classes": classes] }

  init(name: String) { self.name = name }

  init(json object: [String: Any], file: String) throws(CLIError) {
    guard let name = object["name"] as? String, let channels = object["channels"] as? Int,
      let shape = object["input_shape"] as? [Int], shape.count == 3, let classes = object["classes"] as? Int
    else { throw CLIError("\(file): /meta/model does not describe a model this version knows") }
    self.name = name
    self.channels = channels
    inputShape = shape
    self.classes = classes
  }
}

/// Data sets by name, from `--data DIR` or their standard place.
enum DatasetChoice: String, CaseIterable {
  case fashionMNIST = "fashion-mnist"
  case mnist
  case cifar10

  func load(_ split: ImageSet.Split, directory: String?) throws(DatasetError) -> ImageSet {
    switch self {
    case .fashionMNIST: return try ImageSet.idx(directory: directory ?? ImageSet.fashionMNISTDirectory, split: split)
    case .mnist:
      guard let directory else { throw DatasetError(path: "--data", problem: "MNIST has no standard place", hint: "pass --data DIR with the IDX files") }
      return try ImageSet.idx(directory: directory, split: split)
    case .cifar10:
      guard let directory else { throw DatasetError(path: "--data", problem: "CIFAR-10 has no standard place", hint: "pass --data DIR with the binary version's files") }
      return try ImageSet.cifar10(directory: directory, split: split)
    }
  }

  var normalization: Normalization {
    switch self {
    case .fashionMNIST: .fashionMNIST
    case .mnist: .mnist
    case .cifar10: .cifar10
    }
  }
}
