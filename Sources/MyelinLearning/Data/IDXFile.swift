// SPDX-License-Identifier: Apache-2.0
import CZlib
import Foundation

/// The IDX format of MNIST and Fashion-MNIST: a 4-byte magic (0, 0, type 0x08 for unsigned
/// bytes, number of dimensions), the dimensions as big-endian 32-bit integers, then the
/// data. Files may be gzip-compressed (`.gz`), as Debian's dataset-fashion-mnist ships them.
public enum IDXFile {
  /// Reads a file of unsigned bytes: its dimensions and data, checked to match exactly.
  public static func read(path: String, maximumBytes: Int = 1 << 28) throws(DatasetError) -> (dims: [Int], data: [UInt8]) {
    let bytes = try load(path: path, maximumBytes: maximumBytes)
    guard bytes.count >= 4, bytes[0] == 0, bytes[1] == 0 else {
      throw DatasetError(path: path, problem: "is not an IDX file (bad magic number)")
    }
    guard bytes[2] == 0x08 else {
      throw DatasetError(path: path, problem: "holds IDX type 0x\(String(bytes[2], radix: 16)), not unsigned bytes (0x08)")
    }
    let rank = Int(bytes[3])
    guard rank >= 1, rank <= 4, bytes.count >= 4 + 4 * rank else {
      throw DatasetError(path: path, problem: "has a truncated IDX header (\(rank) dimensions)")
    }
    var dims: [Int] = []
    var total = 1
    for d in 0..<rank {
      let o = 4 + 4 * d
      let value = Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3])
      dims.append(value)
      total = total.multipliedReportingOverflow(by: value).overflow ? Int.max : total * value
    }
    let header = 4 + 4 * rank
    guard total == bytes.count - header else {
      throw DatasetError(path: path, problem: "dimensions \(dims) need \(total) bytes of data, the file has \(bytes.count - header) (truncated or corrupt)")
    }
    return (dims, Array(bytes[header...]))
  }

  /// The file's bytes, inflated when it starts with the gzip magic.
  static func load(path: String, maximumBytes: Int) throws(DatasetError) -> [UInt8] {
    guard FileManager.default.fileExists(atPath: path) else {
      throw DatasetError(path: path, problem: "no such file")
    }
    guard let raw = FileManager.default.contents(atPath: path) else {
      throw DatasetError(path: path, problem: "cannot be read")
    }
    guard raw.count >= 2, raw[raw.startIndex] == 0x1F, raw[raw.startIndex + 1] == 0x8B else { return [UInt8](raw) }
    guard let file = gzopen(path, "rb") else { throw DatasetError(path: path, problem: "cannot be opened by zlib") }
    defer { gzclose(file) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
      let n = chunk.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
      if n < 0 { throw DatasetError(path: path, problem: "is a corrupt gzip file") }
      if n == 0 { break }
      // Checked before growing, so a small file that inflates hugely fails early.
      guard out.count + Int(n) <= maximumBytes else {
        throw DatasetError(path: path, problem: "inflates to more than \(maximumBytes) bytes")
      }
      out.append(contentsOf: chunk[0..<Int(n)])
    }
    // gzread may return everything it could inflate from a cut stream; the error state says
    // whether the stream ended cleanly (with its checksum).
    var status: Int32 = 0
    _ = gzerror(file, &status)
    guard status == Z_OK || status == Z_STREAM_END else {
      throw DatasetError(path: path, problem: "is a truncated or corrupt gzip file")
    }
    return out
  }
}
