// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Everything a training run needs to continue bit for bit: named parameter tensors
/// (weights, biases, BN parameters and running statistics), the optimizer's moments and
/// step, the epoch and step reached, the seed, and the model's description.
public struct Checkpoint: Sendable, Equatable {
  public var names: [String]
  public var tensors: [[Float]]
  public var optimizerStep: Int
  public var optimizerFirst: [[Float]]
  public var optimizerSecond: [[Float]]
  public var epoch: Int
  public var step: Int
  public var seed: UInt64
  /// The model's configuration (JSON text), so that a checkpoint says what it belongs to.
  public var model: String

  public init(names: [String], tensors: [[Float]], optimizerStep: Int = 0, optimizerFirst: [[Float]] = [],
              optimizerSecond: [[Float]] = [], epoch: Int, step: Int, seed: UInt64, model: String) {
    self.names = names
    self.tensors = tensors
    self.optimizerStep = optimizerStep
    self.optimizerFirst = optimizerFirst
    self.optimizerSecond = optimizerSecond
    self.epoch = epoch
    self.step = step
    self.seed = seed
    self.model = model
  }
}

/// Checkpoints in HDF5:
///
///     /                       attributes magic (0x0C4B), version {0, 1}, epoch, step, seed, optimizer_step
///     /meta/model             the model's JSON text
///     /meta/names             JSON list of the tensor names, in order
///     /parameters/<k>         float32 [n], k = 0, 1, … (files before 2026-12-05 hold them
///                             as float64, which the reader still accepts)
///     /optimizer/first/<k>, /optimizer/second/<k>   the moments, when the optimizer has them
///
/// A checkpoint is written to a temporary file beside the target and renamed over it, so a
/// kill leaves the previous checkpoint or the new one, never a broken file.
public enum CheckpointFile {
  static let magic: UInt32 = 0x0C4B

  public static func write(_ checkpoint: Checkpoint, to path: String) throws(FileError) {
    guard checkpoint.names.count == checkpoint.tensors.count else {
      throw FileError(path: path, object: "", problem: "\(checkpoint.names.count) names for \(checkpoint.tensors.count) tensors")
    }
    // Moments are stored for every tensor or for none (tensors the optimizer does not
    // touch, such as BN running statistics, get zeros).
    for moments in [checkpoint.optimizerFirst, checkpoint.optimizerSecond] where !moments.isEmpty {
      guard moments.count == checkpoint.tensors.count,
        zip(moments, checkpoint.tensors).allSatisfy({ $0.count == $1.count })
      else {
        throw FileError(path: path, object: "", problem: "optimizer moments do not match the tensors in number and size")
      }
    }
    let temporary = path + ".tmp-\(getpid())"
    do {
      let file = try HDF5File(creating: temporary)
      try file.setAttribute("/", "magic", .uint32(magic))
      try file.setAttribute("/", "version", .uint32s([0, 1]))
      try file.setAttribute("/", "epoch", .uint64(UInt64(max(checkpoint.epoch, 0))))
      try file.setAttribute("/", "step", .uint64(UInt64(max(checkpoint.step, 0))))
      try file.setAttribute("/", "seed", .uint64(checkpoint.seed))
      try file.setAttribute("/", "optimizer_step", .uint64(UInt64(max(checkpoint.optimizerStep, 0))))
      try file.createGroup("/meta")
      try file.writeText("/meta/model", checkpoint.model)
      let names = (try? JSONSerialization.data(withJSONObject: checkpoint.names)).flatMap { String(data: $0, encoding: .utf8) } ?? "[]"
      try file.writeText("/meta/names", names)
      try file.createGroup("/parameters")
      for (k, tensor) in checkpoint.tensors.enumerated() {
        try file.write("/parameters/\(k)", floats: tensor)
      }
      for (group, moments) in [("first", checkpoint.optimizerFirst), ("second", checkpoint.optimizerSecond)] where !moments.isEmpty {
        try file.createGroup("/optimizer/\(group)")
        for (k, tensor) in moments.enumerated() {
          try file.write("/optimizer/\(group)/\(k)", floats: tensor)
        }
      }
      file.flush()
      try file.close()
      // On the disk before the rename makes it the checkpoint.
      let handle = open(temporary, O_RDONLY)
      if handle >= 0 {
        fsync(handle)
        Glibc.close(handle)
      }
    } catch {
      unlink(temporary)
      throw error
    }
    guard rename(temporary, path) == 0 else {
      unlink(temporary)
      throw FileError(path: path, object: "", problem: "cannot be replaced (\(String(cString: strerror(errno))))")
    }
    // And the rename itself on the disk.
    let folder = open((path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent, O_RDONLY)
    if folder >= 0 {
      fsync(folder)
      Glibc.close(folder)
    }
  }

  public static func read(path: String) throws(FileError) -> Checkpoint {
    let file = try HDF5File(readingFrom: path)
    guard case .uint32(let m)? = file.attribute("/", "magic"), m == magic else {
      throw FileError(path: path, object: "", problem: "is an HDF5 file but not a Myelin checkpoint (no magic 0x0C4B)")
    }
    guard case .uint32s(let version)? = file.attribute("/", "version"), version.first == 0 else {
      throw FileError(path: path, object: "/@version", problem: "is a checkpoint version this reader does not know")
    }
    func count(_ name: String) throws(FileError) -> Int {
      guard case .uint64(let value)? = file.attribute("/", name), value < 1 << 62 else {
        throw FileError(path: path, object: "/@\(name)", problem: "is missing")
      }
      return Int(value)
    }
    guard case .uint64(let seed)? = file.attribute("/", "seed") else {
      throw FileError(path: path, object: "/@seed", problem: "is missing")
    }
    let namesText = try file.readText("/meta/names")
    guard let names = (try? JSONSerialization.jsonObject(with: Data(namesText.utf8))) as? [String] else {
      throw FileError(path: path, object: "/meta/names", problem: "is not a JSON list of names")
    }
    func tensors(_ group: String, count n: Int) throws(FileError) -> [[Float]] {
      var out: [[Float]] = []
      for k in 0..<n {
        let values = try file.readDoubles("\(group)/\(k)")
        // Values were float32: each must come back exactly (NaN is kept as it was saved).
        guard values.allSatisfy({ $0.isNaN || Double(Float($0)) == $0 }) else {
          throw FileError(path: path, object: "\(group)/\(k)", problem: "holds values that are not float32")
        }
        out.append(values.map { Float($0) })
      }
      return out
    }
    let parameters = try tensors("/parameters", count: names.count)
    let hasFirst = file.exists("/optimizer/first"), hasSecond = file.exists("/optimizer/second")
    guard hasFirst == hasSecond else {
      throw FileError(path: path, object: "/optimizer", problem: "holds one set of moments without the other")
    }
    let first = hasFirst ? try tensors("/optimizer/first", count: names.count) : []
    let second = hasSecond ? try tensors("/optimizer/second", count: names.count) : []
    for moments in [first, second] where !moments.isEmpty {
      guard zip(moments, parameters).allSatisfy({ $0.count == $1.count }) else {
        throw FileError(path: path, object: "/optimizer", problem: "moments and parameters differ in size")
      }
    }
    return Checkpoint(names: names, tensors: parameters, optimizerStep: try count("optimizer_step"), optimizerFirst: first,
                      optimizerSecond: second, epoch: try count("epoch"), step: try count("step"), seed: seed,
                      model: try file.readText("/meta/model"))
  }
}
