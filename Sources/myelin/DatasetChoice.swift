// SPDX-License-Identifier: Apache-2.0
import MyelinLearning

/// Data sets by name, from `--data DIR` or their standard place.
enum DatasetChoice: String, CaseIterable {
  case fashionMNIST = "fashion-mnist"
  case mnist
  case cifar10

  /// The data set called `name`, or a usage error listing the known ones.
  init(named name: String) throws(CLIError) {
    guard let choice = DatasetChoice(rawValue: name) else {
      throw CLIError("unknown dataset '\(name)' (datasets: \(DatasetChoice.allCases.map(\.rawValue).joined(separator: ", ")))")
    }
    self = choice
  }

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
