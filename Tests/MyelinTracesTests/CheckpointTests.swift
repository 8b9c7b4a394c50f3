// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinTraces
import Testing

struct CheckpointTests {
  static func sample(epoch: Int) -> Checkpoint {
    Checkpoint(names: ["conv1.weight", "bn1.gamma", "fc.bias"],
               tensors: [[0.1, -2.5e-8, .greatestFiniteMagnitude], [1, 1], [Float.pi]], optimizerStep: 17,
               optimizerFirst: [[1, 2, 3], [4, 5], [6]], optimizerSecond: [[0.5, 0.25, 0.125], [0, 1e-30], [7]],
               epoch: epoch, step: 1234, seed: 0xFFFF_FFFF_FFFF_FFF0, model: "{\"name\": \"csnn\"}")
  }

  @Test func roundTripIsExactAndReplacesAtomically() throws {
    let path = TraceFileTests.temporary("checkpoint.h5")
    defer { try? FileManager.default.removeItem(atPath: path) }
    try CheckpointFile.write(Self.sample(epoch: 1), to: path)
    let first = try CheckpointFile.read(path: path)
    #expect(first == Self.sample(epoch: 1))
    #expect(first.tensors[0].map(\.bitPattern) == Self.sample(epoch: 1).tensors[0].map(\.bitPattern))
    // Writing again replaces the file whole; no temporary file is left behind.
    try CheckpointFile.write(Self.sample(epoch: 2), to: path)
    #expect(try CheckpointFile.read(path: path).epoch == 2)
    let folder = (path as NSString).deletingLastPathComponent
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix("checkpoint.h5.tmp") }
    #expect(leftovers.isEmpty)
  }

  /// Tensors and moments are stored as float32, 4 B per value. (The reader converts any
  /// float dataset and checks that each value is a float32, so the float64 files written
  /// before still read.)
  @Test func tensorsTakeFourBytesPerValue() throws {
    let path = TraceFileTests.temporary("checkpoint-size.h5")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let values = (0..<1_000_000).map { Float($0) * 0.001 }
    let big = Checkpoint(names: ["w"], tensors: [values], optimizerStep: 1, optimizerFirst: [values], optimizerSecond: [values],
                         epoch: 0, step: 0, seed: 1, model: "{}")
    try CheckpointFile.write(big, to: path)
    let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
    #expect(size < 3 * 4_000_000 + 100_000, "\(size) bytes for three tensors of 10⁶ float32 values")
  }

  @Test func aFailedWriteKeepsThePreviousCheckpoint() throws {
    let path = TraceFileTests.temporary("checkpoint-keep.h5")
    defer { try? FileManager.default.removeItem(atPath: path) }
    try CheckpointFile.write(Self.sample(epoch: 3), to: path)
    var bad = Self.sample(epoch: 4)
    bad.names.removeLast()
    #expect(throws: FileError.self) { try CheckpointFile.write(bad, to: path) }
    var mismatched = Self.sample(epoch: 5)
    mismatched.optimizerFirst.removeLast()
    #expect(throws: FileError.self) { try CheckpointFile.write(mismatched, to: path) }
    #expect(try CheckpointFile.read(path: path).epoch == 3)
  }

  @Test func foreignFilesAreRejected() throws {
    let trace = TraceFileTests.temporary("not-a-checkpoint.h5")
    defer { try? FileManager.default.removeItem(atPath: trace) }
    _ = try TraceFileTests.record(to: trace)
    do {
      _ = try CheckpointFile.read(path: trace)
      Issue.record("a trace file was read as a checkpoint")
    } catch {
      #expect(error.description.contains("not a Myelin checkpoint"))
    }
    #expect(throws: FileError.self) { try CheckpointFile.read(path: "/nonexistent/c.h5") }
  }
}
