// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Labelled images, 8 bits per value, stored planar per image: image n, channel c, row y,
/// column x is `pixels[((n · channels + c) · height + y) · width + x]`.
public struct ImageSet: Sendable, Equatable {
  public let pixels: [UInt8]
  public let labels: [UInt8]
  public let channels: Int
  public let height: Int
  public let width: Int
  public let classes: Int

  public var count: Int { labels.count }
  public var imageSize: Int { channels * height * width }

  public init(pixels: [UInt8], labels: [UInt8], channels: Int, height: Int, width: Int, classes: Int) {
    self.pixels = pixels
    self.labels = labels
    self.channels = channels
    self.height = height
    self.width = width
    self.classes = classes
  }

  /// The first `limit` images (all when nil or larger).
  public func prefix(_ limit: Int?) -> ImageSet {
    guard let limit, limit < count else { return self }
    let n = max(limit, 0)
    return ImageSet(pixels: Array(pixels[0..<n * imageSize]), labels: Array(labels[0..<n]), channels: channels,
                    height: height, width: width, classes: classes)
  }

  /// Splits off the last `count` images as a validation set, as Keras' `validation_split`
  /// does: (the images before them, the last `count`).
  public func holdingOut(last count: Int) -> (kept: ImageSet, heldOut: ImageSet) {
    let n = min(max(count, 0), self.count), cut = self.count - n
    func part(_ range: Range<Int>) -> ImageSet {
      ImageSet(pixels: Array(pixels[range.lowerBound * imageSize..<range.upperBound * imageSize]), labels: Array(labels[range]),
               channels: channels, height: height, width: width, classes: classes)
    }
    return (part(0..<cut), part(cut..<self.count))
  }

  public enum Split: String, Sendable { case train, test }

  /// Where Debian's `dataset-fashion-mnist` puts Fashion-MNIST.
  public static let fashionMNISTDirectory = "/usr/share/datasets/fashion-mnist"

  /// MNIST or Fashion-MNIST from IDX files in `directory` (`train-images-idx3-ubyte` and
  /// `train-labels-idx1-ubyte`, or `t10k-…` for the test split, each optionally `.gz`).
  public static func idx(directory: String = fashionMNISTDirectory, split: Split) throws(DatasetError) -> ImageSet {
    let stem = split == .train ? "train" : "t10k"
    let images = try find(directory, "\(stem)-images-idx3-ubyte")
    let labels = try find(directory, "\(stem)-labels-idx1-ubyte")
    let (imageDims, pixels) = try IDXFile.read(path: images)
    let (labelDims, labelBytes) = try IDXFile.read(path: labels)
    guard imageDims.count == 3, imageDims[1] > 0, imageDims[2] > 0 else {
      throw DatasetError(path: images, problem: "has dimensions \(imageDims), expected [images, rows, columns]")
    }
    guard labelDims.count == 1, labelDims[0] == imageDims[0] else {
      throw DatasetError(path: labels, problem: "has dimensions \(labelDims) for \(imageDims[0]) images")
    }
    if let bad = labelBytes.firstIndex(where: { $0 > 9 }) {
      throw DatasetError(path: labels, problem: "label \(labelBytes[bad]) of image \(bad) is outside 0...9")
    }
    return ImageSet(pixels: pixels, labels: labelBytes, channels: 1, height: imageDims[1], width: imageDims[2], classes: 10)
  }

  /// CIFAR-10's binary version: `data_batch_1.bin` … `data_batch_5.bin` (train) or
  /// `test_batch.bin` (test) in `directory` or its `cifar-10-batches-bin` folder; each
  /// record is a label byte and 3 × 32 × 32 pixel bytes (red, green, blue planes).
  public static func cifar10(directory: String, split: Split) throws(DatasetError) -> ImageSet {
    let nested = directory + "/cifar-10-batches-bin"
    let base = FileManager.default.fileExists(atPath: nested) ? nested : directory
    let names = split == .train ? (1...5).map { "data_batch_\($0).bin" } : ["test_batch.bin"]
    let record = 1 + 3 * 32 * 32
    var pixels: [UInt8] = [], labels: [UInt8] = []
    for name in names {
      let path = base + "/" + name
      guard FileManager.default.fileExists(atPath: path) else {
        throw DatasetError(path: path, problem: "no such file",
                           hint: "download the binary version from https://www.cs.toronto.edu/~kriz/cifar.html, unpack it and pass --data DIR")
      }
      guard let data = FileManager.default.contents(atPath: path) else {
        throw DatasetError(path: path, problem: "cannot be read")
      }
      guard !data.isEmpty, data.count % record == 0 else {
        throw DatasetError(path: path, problem: "has \(data.count) bytes, not a whole number of \(record)-byte records (truncated or not the binary version)")
      }
      let bytes = [UInt8](data)
      for r in 0..<(bytes.count / record) {
        let label = bytes[r * record]
        guard label <= 9 else {
          throw DatasetError(path: path, problem: "record \(r) has label \(label), outside 0...9")
        }
        labels.append(label)
        pixels.append(contentsOf: bytes[(r * record + 1)..<((r + 1) * record)])
      }
    }
    return ImageSet(pixels: pixels, labels: labels, channels: 3, height: 32, width: 32, classes: 10)
  }

  private static func find(_ directory: String, _ name: String) throws(DatasetError) -> String {
    for candidate in [name, name + ".gz"] where FileManager.default.fileExists(atPath: directory + "/" + candidate) {
      return directory + "/" + candidate
    }
    throw DatasetError(
      path: directory + "/" + name + "[.gz]", problem: "no such file",
      hint: directory == fashionMNISTDirectory
        ? "install it with: sudo apt-get install dataset-fashion-mnist, or pass --data DIR"
        : "put the four IDX files of MNIST or Fashion-MNIST there")
  }
}
