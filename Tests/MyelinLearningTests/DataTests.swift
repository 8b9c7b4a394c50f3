// SPDX-License-Identifier: Apache-2.0
import CZlib
import Foundation
import MyelinLearning
import Testing

/// Data readers on small generated files: IDX (raw and gzip), CIFAR-10 binary, and the
/// loader's shuffling, augmentation, normalisation and encodings.
struct DataTests {
  static func directory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("myelin-data-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  static func idx(_ dims: [Int], _ data: [UInt8]) -> [UInt8] {
    var bytes: [UInt8] = [0, 0, 0x08, UInt8(dims.count)]
    for d in dims { bytes += [UInt8(d >> 24 & 0xFF), UInt8(d >> 16 & 0xFF), UInt8(d >> 8 & 0xFF), UInt8(d & 0xFF)] }
    return bytes + data
  }

  static func write(_ bytes: [UInt8], to path: String, gzip: Bool = false) throws {
    if gzip {
      let file = try #require(gzopen(path, "wb"))
      _ = bytes.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
      gzclose(file)
    } else {
      try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
  }

  /// Five 3×4 images whose pixels encode (image, row, column), labels 0…4.
  static func tinySet(in dir: String, gzip: Bool, stem: String = "train") throws {
    var pixels: [UInt8] = []
    for n in 0..<5 { for y in 0..<3 { for x in 0..<4 { pixels.append(UInt8(n * 50 + y * 4 + x)) } } }
    let ext = gzip ? ".gz" : ""
    try write(idx([5, 3, 4], pixels), to: "\(dir)/\(stem)-images-idx3-ubyte\(ext)", gzip: gzip)
    try write(idx([5], [0, 1, 2, 3, 4]), to: "\(dir)/\(stem)-labels-idx1-ubyte\(ext)", gzip: gzip)
  }

  @Test(arguments: [false, true])
  func idxRoundTrip(gzip: Bool) throws {
    let dir = try Self.directory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try Self.tinySet(in: dir, gzip: gzip)
    let set = try ImageSet.idx(directory: dir, split: .train)
    #expect(set.count == 5 && set.channels == 1 && set.height == 3 && set.width == 4 && set.classes == 10)
    #expect(set.labels == [0, 1, 2, 3, 4])
    let pixel: UInt8 = set.pixels[2 * 12 + 1 * 4 + 3]
    #expect(pixel == 107)
    #expect(set.prefix(2).count == 2 && set.prefix(2).pixels.count == 24)
    // A validation split takes the last images, whole, and leaves the rest in order.
    let (kept, heldOut) = set.holdingOut(last: 2)
    #expect(kept.labels == [0, 1, 2] && heldOut.labels == [3, 4])
    #expect(kept.pixels == Array(set.pixels[0..<36]) && heldOut.pixels == Array(set.pixels[36..<60]))
    #expect(heldOut.height == 3 && heldOut.width == 4 && heldOut.classes == 10)
  }

  @Test func corruptIDXFilesAreRejected() throws {
    let dir = try Self.directory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let images = "\(dir)/train-images-idx3-ubyte", labels = "\(dir)/train-labels-idx1-ubyte"
    func failure() -> String? {
      do { _ = try ImageSet.idx(directory: dir, split: .train); return nil } catch { return error.description }
    }
    #expect(failure()?.contains("no such file") == true)
    #expect(failure()?.contains("--data DIR") == true || failure()?.contains("IDX files") == true)
    try Self.write(Self.idx([5], [0, 1, 2, 3, 4]), to: labels)
    try Self.write([0x12, 0x34, 0x08, 3], to: images)
    #expect(failure()?.contains("bad magic") == true)
    try Self.write(Self.idx([5, 3, 4], Array(repeating: 0, count: 59)), to: images)
    #expect(failure()?.contains("truncated or corrupt") == true)
    try Self.write(Array(Self.idx([5, 3, 4], Array(repeating: 0, count: 60)).prefix(10)), to: images)
    #expect(failure()?.contains("truncated IDX header") == true)
    try Self.write(Self.idx([5, 3, 4], Array(repeating: 0, count: 60)), to: images)
    try Self.write(Self.idx([4], [0, 1, 2, 3]), to: labels)
    #expect(failure()?.contains("for 5 images") == true)
    try Self.write(Self.idx([5], [0, 1, 2, 3, 12]), to: labels)
    #expect(failure()?.contains("label 12 of image 4") == true)
    // A gzip file cut short is an error, not a shorter data set.
    try FileManager.default.removeItem(atPath: labels)
    try Self.write(Self.idx([5], [0, 1, 2, 3, 4]), to: labels + ".gz", gzip: true)
    let whole = try Data(contentsOf: URL(fileURLWithPath: labels + ".gz"))
    try whole.prefix(whole.count - 6).write(to: URL(fileURLWithPath: labels + ".gz"))
    #expect(failure()?.contains("gzip") == true, "\(failure() ?? "no error")")
  }

  @Test func cifarBinaryIsReadAndCheckedRecordByRecord() throws {
    let dir = try Self.directory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var records: [UInt8] = []
    for r in 0..<3 { records.append(UInt8(r)); records += Array(repeating: UInt8(r * 10), count: 3072) }
    try Self.write(records, to: "\(dir)/test_batch.bin")
    let set = try ImageSet.cifar10(directory: dir, split: .test)
    #expect(set.count == 3 && set.channels == 3 && set.height == 32 && set.labels == [0, 1, 2])
    #expect(set.pixels[2 * 3072 + 100] == 20)
    try Self.write(Array(records.prefix(3073 * 2 + 17)), to: "\(dir)/test_batch.bin")
    #expect(throws: DatasetError.self) { try ImageSet.cifar10(directory: dir, split: .test) }
    records[3073] = 11
    try Self.write(records, to: "\(dir)/test_batch.bin")
    do {
      _ = try ImageSet.cifar10(directory: dir, split: .test)
      Issue.record("a label of 11 was accepted")
    } catch {
      #expect(error.description.contains("record 1 has label 11"))
    }
    do {
      _ = try ImageSet.cifar10(directory: dir, split: .train)
      Issue.record("missing train batches were accepted")
    } catch {
      #expect(error.description.contains("data_batch_1.bin: no such file") && error.description.contains("--data DIR"))
    }
  }

  static func loaderSet() -> ImageSet {
    // 10 images of 2 channels, 4×4, value = image · 16 + position (channel 1 adds 128).
    var pixels: [UInt8] = []
    for n in 0..<10 { for c in 0..<2 { for p in 0..<16 { pixels.append(UInt8(n * 8 + c * 128 + p)) } } }
    return ImageSet(pixels: pixels, labels: (0..<10).map { UInt8($0 % 3) }, channels: 2, height: 4, width: 4, classes: 3)
  }

  @Test func shufflingIsAPermutationFixedBySeedAndEpoch() throws {
    let set = Self.loaderSet()
    let a = try BatchLoader(set: set, batchSize: 4, shuffle: true, seed: 3, normalization: .unit(channels: 2))
    let b = try BatchLoader(set: set, batchSize: 4, shuffle: true, seed: 3, normalization: .unit(channels: 2))
    #expect(a.order(epoch: 0).sorted() == Array(0..<10))
    #expect(a.order(epoch: 0) == b.order(epoch: 0))
    #expect(a.order(epoch: 0) != a.order(epoch: 1))
    #expect(a.batchCount == 3)
    let order = a.order(epoch: 0)
    let last = a.batch(2, of: order, epoch: 0)
    #expect(last.size == 2 && last.indices == Array(order[8...]))
    let dropping = try BatchLoader(set: set, batchSize: 4, shuffle: false, seed: 3, normalization: .unit(channels: 2),
                                   dropLast: true)
    #expect(dropping.batchCount == 2 && dropping.order(epoch: 5) == Array(0..<10))
  }

  @Test func normalisationAndAugmentation() throws {
    let set = Self.loaderSet()
    let norm = Normalization(mean: [0.5, 0.25], std: [0.5, 2])
    let plain = try BatchLoader(set: set, batchSize: 10, shuffle: false, seed: 1, normalization: norm)
    let batch = plain.batch(0, of: plain.order(epoch: 0), epoch: 0)
    // Image 3, channel 1, row 2, column 1: pixel 3·8 + 128 + 9.
    let position: Int = ((3 * 2 + 1) * 4 + 2) * 4 + 1
    let value: Float = batch.inputs[position]
    let pixel: Float = Float(24 + 128 + 9) / 255
    let expected: Float = (pixel - 0.25) / 2
    #expect(abs(value - expected) < 1e-6)
    #expect(batch.labels == (0..<10).map { $0 % 3 })
    // Flip only: each image is itself or its mirror, and both occur.
    let flipping = try BatchLoader(set: set, batchSize: 10, shuffle: false, seed: 1, normalization: .unit(channels: 2),
                                   augmentation: Augmentation(horizontalFlip: true))
    let flipped = flipping.batch(0, of: flipping.order(epoch: 0), epoch: 0)
    let unit = try BatchLoader(set: set, batchSize: 10, shuffle: false, seed: 1, normalization: .unit(channels: 2))
    let original = unit.batch(0, of: unit.order(epoch: 0), epoch: 0)
    var mirrored = 0
    for n in 0..<10 {
      let image = Array(flipped.inputs[n * 32..<(n + 1) * 32]), source = Array(original.inputs[n * 32..<(n + 1) * 32])
      let mirror: [Float] = (0..<32).map { (i: Int) -> Float in
        let row: Int = i / 4, column: Int = 3 - i % 4
        return source[row * 4 + column]
      }
      #expect(image == source || image == mirror)
      if image == mirror { mirrored += 1 }
    }
    #expect(mirrored > 0 && mirrored < 10)
    // Crop with padding: every image is its original shifted by at most the padding, with
    // black (0 after unit normalisation) where it leaves the frame; the sum never grows.
    let cropping = try BatchLoader(set: set, batchSize: 10, shuffle: false, seed: 1, normalization: .unit(channels: 2),
                                   augmentation: Augmentation(cropPadding: 1))
    let cropped = cropping.batch(0, of: cropping.order(epoch: 0), epoch: 0)
    var shifted = 0
    for n in 0..<10 {
      let image = Array(cropped.inputs[n * 32..<(n + 1) * 32]), source = Array(original.inputs[n * 32..<(n + 1) * 32])
      var matched = false
      for dy in -1...1 {
        for dx in -1...1 {
          let candidate: [Float] = (0..<32).map { (i: Int) -> Float in
            let c: Int = i / 16, y: Int = i / 4 % 4 + dy, x: Int = i % 4 + dx
            if y < 0 || y > 3 || x < 0 || x > 3 { return 0 }
            return source[c * 16 + y * 4 + x]
          }
          if candidate == image { matched = true; if dy != 0 || dx != 0 { shifted += 1 } }
        }
      }
      #expect(matched, "image \(n) is not a padded crop of its original")
    }
    #expect(shifted > 0)
  }

  @Test func encodings() {
    let inputs: [Float] = [0, 0.25, 0.5, 1, 2, -1]
    let direct = InputEncoding.direct.encode(inputs, timeSteps: 3, seed: 1, trainingStep: 0)
    #expect(direct == inputs + inputs + inputs)
    // Poisson: each value's spike frequency over many steps is its clamped intensity.
    let many = InputEncoding.poisson.encode(inputs, timeSteps: 4000, seed: 1, trainingStep: 7)
    #expect(Set(many) == [0, 1])
    let intensities: [Double] = [0, 0.25, 0.5, 1, 1, 0]
    for i in intensities.indices {
      var spikes = 0
      for k in stride(from: i, to: many.count, by: inputs.count) where many[k] == 1 { spikes += 1 }
      let rate = Double(spikes) / 4000
      let error = abs(rate - intensities[i])
      #expect(error < 0.03, "value \(inputs[i]): rate \(rate)")
    }
    #expect(InputEncoding.poisson.encode(inputs, timeSteps: 4, seed: 1, trainingStep: 7)
            == InputEncoding.poisson.encode(inputs, timeSteps: 4, seed: 1, trainingStep: 7))
    #expect(InputEncoding.poisson.encode(inputs, timeSteps: 4, seed: 1, trainingStep: 7)
            != InputEncoding.poisson.encode(inputs, timeSteps: 4, seed: 1, trainingStep: 8))
  }

  /// The real Fashion-MNIST, when Debian's package is installed.
  @Test(.enabled(if: FileManager.default.fileExists(atPath: ImageSet.fashionMNISTDirectory)))
  func fashionMNISTFromDebian() throws {
    let test = try ImageSet.idx(split: .test)
    #expect(test.count == 10_000 && test.height == 28 && test.width == 28)
    #expect(Set(test.labels).count == 10)
  }
}
