// SPDX-License-Identifier: Apache-2.0
import MyelinCore

/// Per-channel normalisation of 8-bit pixels: x = (p / 255 − mean) / std.
public struct Normalization: Sendable, Equatable {
  public var mean: [Float]
  public var std: [Float]

  public init(mean: [Float], std: [Float]) {
    self.mean = mean
    self.std = std
  }

  /// Pixels scaled to [0, 1] and nothing else (what Poisson rate coding needs).
  public static func unit(channels: Int) -> Normalization {
    Normalization(mean: Array(repeating: 0, count: channels), std: Array(repeating: 1, count: channels))
  }

  /// The training-set statistics published with each data set.
  public static let fashionMNIST = Normalization(mean: [0.2860], std: [0.3530])
  public static let mnist = Normalization(mean: [0.1307], std: [0.3081])
  public static let cifar10 = Normalization(mean: [0.4914, 0.4822, 0.4465], std: [0.2470, 0.2435, 0.2616])
}

/// Training-time augmentation: random crop after zero padding, and horizontal flips.
public struct Augmentation: Sendable, Equatable {
  /// Pixels of zero padding on each side before cropping back to the image size; 0: none.
  public var cropPadding: Int
  public var horizontalFlip: Bool

  public init(cropPadding: Int = 0, horizontalFlip: Bool = false) {
    self.cropPadding = cropPadding
    self.horizontalFlip = horizontalFlip
  }

  public static let none = Augmentation()
}

/// One mini-batch: inputs [size, channels, height, width] row-major, and labels.
public struct Batch: Sendable, Equatable {
  public var inputs: [Float]
  public var labels: [Int]
  /// The images' indices in the set.
  public var indices: [Int]
  public var size: Int { labels.count }
}

/// Seeded shuffling, batching, augmentation and normalisation of an ``ImageSet``.
///
/// Every random choice is drawn from Philox keyed by (seed, epoch, image), so a batch is
/// the same whichever thread builds it and whether or not a run was resumed.
public struct BatchLoader: Sendable {
  public let set: ImageSet
  public let batchSize: Int
  public let shuffle: Bool
  public let normalization: Normalization
  public let augmentation: Augmentation
  public let dropLast: Bool
  private let philox: Philox

  public init(set: ImageSet, batchSize: Int, shuffle: Bool, seed: UInt64, normalization: Normalization,
              augmentation: Augmentation = .none, dropLast: Bool = false) throws(ModelError) {
    guard batchSize >= 1 else { throw ModelError(field: "batch", problem: "is \(batchSize)", allowed: ">= 1") }
    guard normalization.mean.count == set.channels, normalization.std.count == set.channels,
      normalization.std.allSatisfy({ $0 > 0 && $0.isFinite })
    else {
      throw ModelError(field: "normalization", problem: "needs one mean and one positive std per channel",
                       allowed: "\(set.channels) channel(s)")
    }
    guard augmentation.cropPadding >= 0, augmentation.cropPadding <= max(set.height, set.width) else {
      throw ModelError(field: "crop padding", problem: "is \(augmentation.cropPadding)",
                       allowed: "0...\(max(set.height, set.width))")
    }
    self.set = set
    self.batchSize = batchSize
    self.shuffle = shuffle
    self.normalization = normalization
    self.augmentation = augmentation
    self.dropLast = dropLast
    philox = Philox(seed: seed)
  }

  public var batchCount: Int {
    dropLast || set.count == 0 ? set.count / batchSize : (set.count - 1) / batchSize + 1
  }

  static func shuffleStream(_ epoch: Int) -> UInt32 { UInt32(truncatingIfNeeded: 0x5000_0000 + epoch & 0xFF_FFFF) }
  static func augmentStream(_ epoch: Int) -> UInt32 { UInt32(truncatingIfNeeded: 0x6000_0000 + epoch & 0xFF_FFFF) }

  /// The order of the images in `epoch`: a Fisher–Yates shuffle, or 0..<count.
  public func order(epoch: Int) -> [Int] {
    var order = Array(0..<set.count)
    guard shuffle, order.count > 1 else { return order }
    var random = RandomSequence(philox: philox, stream: Self.shuffleStream(epoch), index: 0)
    for i in stride(from: order.count - 1, to: 0, by: -1) {
      order.swapAt(i, Int(random.nextInt(below: UInt32(i + 1))))
    }
    return order
  }

  /// Batch `index` of `epoch`, given that epoch's `order`.
  public func batch(_ index: Int, of order: [Int], epoch: Int) -> Batch {
    precondition(order.allSatisfy { $0 >= 0 && $0 < set.count }, "BatchLoader.batch: order holds indices outside the set")
    let (lo, overflow) = index.multipliedReportingOverflow(by: batchSize)
    let hi = overflow || index < 0 ? 0 : min(lo + min(batchSize, order.count), order.count)
    let indices = !overflow && index >= 0 && lo < hi ? Array(order[lo..<hi]) : []
    let c = set.channels, h = set.height, w = set.width, size = set.imageSize
    var inputs = [Float](repeating: 0, count: indices.count * size)
    let scale = normalization.std.map { 1 / (255 * $0) }
    let shift = zip(normalization.mean, normalization.std).map { -$0 / $1 }
    let pad = augmentation.cropPadding
    set.pixels.withUnsafeBufferPointer { pixels in
      inputs.withUnsafeMutableBufferPointer { out in
        for (b, image) in indices.enumerated() {
          var random = RandomSequence(philox: philox, stream: Self.augmentStream(epoch), wideIndex: image)
          // Offsets into the padded image: (dy, dx) in 0...2·pad, the unpadded crop is (pad, pad).
          let dy = pad > 0 ? Int(random.nextInt(below: UInt32(2 * pad + 1))) - pad : 0
          let dx = pad > 0 ? Int(random.nextInt(below: UInt32(2 * pad + 1))) - pad : 0
          let flip = augmentation.horizontalFlip && random.nextUInt32() & 1 == 1
          for ch in 0..<c {
            // Padding is zero *after* normalisation's inverse: the padded value is black.
            let black = shift[ch]
            for y in 0..<h {
              let sy = y + dy
              for x in 0..<w {
                let sx0 = x + dx
                let sx = flip ? w - 1 - sx0 : sx0
                let o = ((b * c + ch) * h + y) * w + x
                if sy < 0 || sy >= h || sx0 < 0 || sx0 >= w {
                  out[o] = black
                } else {
                  out[o] = Float(pixels[image * size + (ch * h + sy) * w + sx]) * scale[ch] + shift[ch]
                }
              }
            }
          }
        }
      }
    }
    return Batch(inputs: inputs, labels: indices.map { Int(set.labels[$0]) }, indices: indices)
  }
}
