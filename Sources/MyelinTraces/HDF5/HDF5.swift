// SPDX-License-Identifier: Apache-2.0
internal import CHDF5
#if canImport(Glibc)
  import Glibc
#endif

/// An error reading or writing an HDF5 file, naming the file and the object.
public struct FileError: Error, Equatable, Sendable, CustomStringConvertible {
  public var path: String
  public var object: String
  public var problem: String

  public var description: String {
    object.isEmpty ? "\(path): \(problem)" : "\(path): \(object): \(problem)"
  }
}

/// Sole owner of an open HDF5 file. This file is the only one that calls H5*; HDF5's own
/// error printing is silenced and statuses become ``FileError``s.
package final class HDF5File {
  let path: String
  let id: hid_t

  /// Opens a dataset for the caller to close; missing or not a dataset is a FileError.
  func openDataset(_ name: String) throws(FileError) -> hid_t {
    guard exists(name) else { throw FileError(path: path, object: name, problem: "dataset is missing") }
    let dataset = H5Dopen2(id, name, chdf5_default())
    guard dataset >= 0 else { throw FileError(path: path, object: name, problem: "is not a dataset") }
    return dataset
  }

  /// Takes ownership of an open file identifier.
  init(adopting id: hid_t, path: String) {
    self.id = id
    self.path = path
  }

  /// Creates (or truncates) a file for writing.
  package init(creating path: String) throws(FileError) {
    chdf5_silence_errors()
    self.path = path
    let file = H5Fcreate(path, chdf5_acc_trunc(), chdf5_default(), chdf5_default())
    guard file >= 0 else { throw FileError(path: path, object: "", problem: "cannot be created") }
    id = file
  }

  package init(readingFrom path: String) throws(FileError) {
    chdf5_silence_errors()
    self.path = path
    guard H5Fis_hdf5(path) > 0 else {
      let problem = FileManagerLite.exists(path) ? "is not an HDF5 file" : "no such file"
      throw FileError(path: path, object: "", problem: problem)
    }
    let file = H5Fopen(path, chdf5_acc_rdonly(), chdf5_default())
    guard file >= 0 else { throw FileError(path: path, object: "", problem: "cannot be opened") }
    id = file
  }

  private var isOpen = true

  /// Closes the file now, reporting a failure (a full disk shows up here, when HDF5 writes
  /// what it buffered); `deinit` closes files nobody closed.
  package func close() throws(FileError) {
    guard isOpen else { return }
    isOpen = false
    guard H5Fclose(id) >= 0 else { throw FileError(path: path, object: "", problem: "cannot be closed (disk full?)") }
  }

  deinit { if isOpen { H5Fclose(id) } }

  /// The largest 1-D dataset read: 2^31 values (16 GiB as float64).
  static let maximumElements: hsize_t = 1 << 31

  /// Writes a one-dimensional float64 dataset.
  package func write(_ name: String, doubles values: [Double]) throws(FileError) {
    try write(name, values, type: chdf5_native_double())
  }

  /// Writes a one-dimensional float32 dataset.
  package func write(_ name: String, floats values: [Float]) throws(FileError) {
    try write(name, values, type: chdf5_native_float())
  }

  /// Writes a one-dimensional uint64 dataset.
  package func write(_ name: String, uint64 values: [UInt64]) throws(FileError) {
    try write(name, values, type: chdf5_native_uint64())
  }

  private func write<T>(_ name: String, _ values: [T], type: hid_t) throws(FileError) {
    var count = hsize_t(values.count)
    let space = H5Screate_simple(1, &count, nil)
    guard space >= 0 else { throw FileError(path: path, object: name, problem: "no dataspace") }
    defer { H5Sclose(space) }
    let dataset = H5Dcreate2(id, name, type, space, chdf5_default(), chdf5_default(), chdf5_default())
    guard dataset >= 0 else { throw FileError(path: path, object: name, problem: "cannot be created") }
    defer { H5Dclose(dataset) }
    let status = values.withUnsafeBytes {
      H5Dwrite(dataset, type, chdf5_all(), chdf5_all(), chdf5_default(), $0.baseAddress)
    }
    guard status >= 0 else { throw FileError(path: path, object: name, problem: "cannot be written") }
  }

  /// A one-dimensional dataset converted to `Double` (any integer or float type).
  package func readDoubles(_ name: String) throws(FileError) -> [Double] {
    try read(name, type: chdf5_native_double(), zero: 0.0)
  }

  /// A one-dimensional integer dataset converted to `Int64` (by HDF5, without a copy).
  package func readInt64(_ name: String) throws(FileError) -> [Int64] {
    try read(name, type: chdf5_native_int64(), zero: Int64(0))
  }

  /// A one-dimensional integer dataset converted to `UInt32` (values must fit).
  package func readUInt32(_ name: String) throws(FileError) -> [UInt32] {
    try read(name, type: chdf5_native_uint32(), zero: UInt32(0))
  }

  private func read<T>(_ name: String, type: hid_t, zero: T) throws(FileError) -> [T] {
    let dataset = try openDataset(name)
    defer { H5Dclose(dataset) }
    let count = try length(of: dataset, name)
    // A small compressed file can declare a huge extent; refuse before allocating.
    guard count <= HDF5File.maximumElements else {
      throw FileError(path: path, object: name,
                      problem: "declares \(count) values, more than \(HDF5File.maximumElements)")
    }
    var values = [T](repeating: zero, count: Int(count))
    let status = values.withUnsafeMutableBytes {
      H5Dread(dataset, type, chdf5_all(), chdf5_all(), chdf5_default(), $0.baseAddress)
    }
    guard status >= 0 else {
      throw FileError(path: path, object: name, problem: "cannot be read as numbers")
    }
    return values
  }
}

/// File existence without importing Foundation into the HDF5 layer.
enum FileManagerLite {
  static func exists(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0
  }
}
