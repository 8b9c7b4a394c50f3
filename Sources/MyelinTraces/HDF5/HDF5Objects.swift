// SPDX-License-Identifier: Apache-2.0
internal import CHDF5

/// Groups, attributes and appendable datasets on top of ``HDF5File``: what the trace writer
/// and reader need, and nothing more. Every H5* call of the traces layer is in this folder.
extension HDF5File {
  /// Creates a new file that keeps the widest readability: superblock and object formats
  /// of HDF5 1.8 at most (libver bounds EARLIEST..V18), never "latest".
  package convenience init(creatingTrace path: String, overwrite: Bool) throws(FileError) {
    chdf5_silence_errors()
    let fapl = H5Pcreate(chdf5_file_access())
    defer { H5Pclose(fapl) }
    H5Pset_libver_bounds(fapl, H5F_LIBVER_EARLIEST, H5F_LIBVER_V18)
    let file = H5Fcreate(path, overwrite ? chdf5_acc_trunc() : chdf5_acc_excl(), chdf5_default(), fapl)
    guard file >= 0 else {
      let exists = FileManagerLite.exists(path)
      throw FileError(path: path, object: "",
                      problem: exists && !overwrite ? "exists already (use --force to overwrite)"
                        : "cannot be created")
    }
    self.init(adopting: file, path: path)
  }

  /// Creates the group `path` and any missing parents.
  package func createGroup(_ path: String) throws(FileError) {
    var prefix = ""
    for part in path.split(separator: "/") {
      prefix += "/" + part
      if H5Lexists(id, prefix, chdf5_default()) > 0 { continue }
      let group = H5Gcreate2(id, prefix, chdf5_default(), chdf5_default(), chdf5_default())
      guard group >= 0 else { throw FileError(path: self.path, object: prefix, problem: "cannot create group") }
      H5Gclose(group)
    }
  }

  /// Names of the members of group `path`, in name order; empty if it does not exist.
  package func members(of path: String) -> [String] {
    guard exists(path) else { return [] }
    let group = H5Gopen2(id, path, chdf5_default())
    guard group >= 0 else { return [] }
    defer { H5Gclose(group) }
    var info = H5G_info_t()
    guard H5Gget_info(group, &info) >= 0 else { return [] }
    var names: [String] = []
    for n in 0..<info.nlinks {
      let length = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, n, nil, 0, chdf5_default())
      guard length > 0, length < 4096 else { continue }
      var buffer = [CChar](repeating: 0, count: Int(length) + 1)
      _ = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, n, &buffer, buffer.count, chdf5_default())
      names.append(String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
    return names
  }

  package func exists(_ object: String) -> Bool {
    // Check each level: H5Lexists fails on a path whose parent is missing.
    var prefix = ""
    for part in object.split(separator: "/") {
      prefix += "/" + part
      guard H5Lexists(id, prefix, chdf5_default()) > 0 else { return false }
    }
    return true
  }

  /// Creates an empty one-dimensional dataset that grows by appends, chunked by `chunk`.
  /// With `compress`, chunks go through HDF5's shuffle and gzip (deflate level 4) filters;
  /// h5py reads them, but some SONATA readers are built without zlib.
  package func createAppendable(
    _ name: String, type: HDF5Type, chunk: Int = 65_536, compress: Bool = false
  ) throws(FileError) {
    var dims: hsize_t = 0
    var maxDims = chdf5_unlimited()
    let space = H5Screate_simple(1, &dims, &maxDims)
    defer { H5Sclose(space) }
    let dcpl = H5Pcreate(chdf5_dataset_create())
    defer { H5Pclose(dcpl) }
    var chunkDims = hsize_t(chunk)
    H5Pset_chunk(dcpl, 1, &chunkDims)
    if compress {
      H5Pset_shuffle(dcpl)
      H5Pset_deflate(dcpl, 4)
    }
    let dataset = H5Dcreate2(id, name, type.id, space, chdf5_default(), dcpl, chdf5_default())
    guard dataset >= 0 else { throw FileError(path: path, object: name, problem: "cannot create dataset") }
    H5Dclose(dataset)
  }

  /// Appends `values` at the end of a one-dimensional appendable dataset.
  package func append<T>(_ name: String, _ values: [T], type: HDF5Type) throws(FileError) {
    guard !values.isEmpty else { return }
    let dataset = try openDataset(name)
    defer { H5Dclose(dataset) }
    let old = try length(of: dataset, name)
    var size = old + hsize_t(values.count)
    guard H5Dset_extent(dataset, &size) >= 0 else {
      throw FileError(path: path, object: name, problem: "cannot grow")
    }
    let fileSpace = H5Dget_space(dataset)
    defer { H5Sclose(fileSpace) }
    var start = old, count = hsize_t(values.count)
    H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, &start, nil, &count, nil)
    let memorySpace = H5Screate_simple(1, &count, nil)
    defer { H5Sclose(memorySpace) }
    let status = values.withUnsafeBytes {
      H5Dwrite(dataset, type.id, memorySpace, fileSpace, chdf5_default(), $0.baseAddress)
    }
    guard status >= 0 else { throw FileError(path: path, object: name, problem: "cannot be written") }
  }

  /// The number of values in a one-dimensional dataset.
  package func length(_ name: String) throws(FileError) -> Int {
    let dataset = try openDataset(name)
    defer { H5Dclose(dataset) }
    return Int(try length(of: dataset, name))
  }

  func length(of dataset: hid_t, _ name: String) throws(FileError) -> hsize_t {
    let space = H5Dget_space(dataset)
    defer { H5Sclose(space) }
    guard H5Sget_simple_extent_ndims(space) == 1 else {
      throw FileError(path: path, object: name, problem: "is not one-dimensional")
    }
    var count: hsize_t = 0
    H5Sget_simple_extent_dims(space, &count, nil)
    return count
  }

  /// Writes everything buffered by HDF5 to the file.
  package func flush() { H5Fflush(id, H5F_SCOPE_GLOBAL) }
}

/// The element types the traces use.
package enum HDF5Type {
  case float64, float32, uint64, uint32, uint8

  var id: hid_t {
    switch self {
    case .float64: chdf5_native_double()
    case .float32: chdf5_native_float()
    case .uint64: chdf5_native_uint64()
    case .uint32: chdf5_native_uint32()
    case .uint8: chdf5_native_uint8()
    }
  }
}

extension HDF5File {
  /// The element type of a dataset, as "float64", "uint64", "string"…; nil if missing.
  package func elementType(_ name: String) -> String? {
    guard exists(name) else { return nil }
    let dataset = H5Dopen2(id, name, chdf5_default())
    guard dataset >= 0 else { return nil }
    defer { H5Dclose(dataset) }
    let type = H5Dget_type(dataset)
    defer { H5Tclose(type) }
    let bits = H5Tget_size(type) * 8
    switch H5Tget_class(type) {
    case H5T_FLOAT: return "float\(bits)"
    case H5T_INTEGER: return (H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") + "\(bits)"
    case H5T_STRING: return "string"
    default: return "other"
    }
  }
}

extension HDF5File {
  /// Creates an empty two-dimensional float32 dataset [frames, columns] that grows by rows.
  package func createAppendableRows(
    _ name: String, columns: Int, chunkRows: Int, compress: Bool = false
  ) throws(FileError) {
    var dims: [hsize_t] = [0, hsize_t(columns)]
    var maxDims: [hsize_t] = [chdf5_unlimited(), hsize_t(columns)]
    let space = H5Screate_simple(2, &dims, &maxDims)
    defer { H5Sclose(space) }
    let dcpl = H5Pcreate(chdf5_dataset_create())
    defer { H5Pclose(dcpl) }
    var chunk: [hsize_t] = [hsize_t(max(chunkRows, 1)), hsize_t(max(columns, 1))]
    H5Pset_chunk(dcpl, 2, &chunk)
    if compress {
      H5Pset_shuffle(dcpl)
      H5Pset_deflate(dcpl, 4)
    }
    let dataset = H5Dcreate2(id, name, chdf5_native_float(), space, chdf5_default(), dcpl, chdf5_default())
    guard dataset >= 0 else { throw FileError(path: path, object: name, problem: "cannot create dataset") }
    H5Dclose(dataset)
  }

  /// Appends rows (row-major, `columns` values each) to a dataset made by
  /// ``createAppendableRows(_:columns:chunkRows:compress:)``.
  package func appendRows(_ name: String, _ values: [Float], columns: Int) throws(FileError) {
    guard columns > 0, !values.isEmpty else { return }
    let dataset = try openDataset(name)
    defer { H5Dclose(dataset) }
    let rows = hsize_t(values.count / columns)
    var dims: [hsize_t] = [0, 0]
    let old = H5Dget_space(dataset)
    H5Sget_simple_extent_dims(old, &dims, nil)
    H5Sclose(old)
    var size: [hsize_t] = [dims[0] + rows, hsize_t(columns)]
    guard H5Dset_extent(dataset, &size) >= 0 else { throw FileError(path: path, object: name, problem: "cannot grow") }
    let fileSpace = H5Dget_space(dataset)
    defer { H5Sclose(fileSpace) }
    var start: [hsize_t] = [dims[0], 0], count: [hsize_t] = [rows, hsize_t(columns)]
    H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, &start, nil, &count, nil)
    let memorySpace = H5Screate_simple(2, &count, nil)
    defer { H5Sclose(memorySpace) }
    let status = values.withUnsafeBytes {
      H5Dwrite(dataset, chdf5_native_float(), memorySpace, fileSpace, chdf5_default(), $0.baseAddress)
    }
    guard status >= 0 else { throw FileError(path: path, object: name, problem: "cannot be written") }
  }

  /// A two-dimensional float dataset as (rows, columns, row-major values).
  package func readRows(_ name: String) throws(FileError) -> (rows: Int, columns: Int, values: [Float]) {
    let dataset = try openDataset(name)
    defer { H5Dclose(dataset) }
    let space = H5Dget_space(dataset)
    defer { H5Sclose(space) }
    guard H5Sget_simple_extent_ndims(space) == 2 else {
      throw FileError(path: path, object: name, problem: "is not two-dimensional")
    }
    var dims: [hsize_t] = [0, 0]
    H5Sget_simple_extent_dims(space, &dims, nil)
    let (total, overflow) = dims[0].multipliedReportingOverflow(by: max(dims[1], 1))
    guard !overflow, total <= HDF5File.maximumElements else {
      throw FileError(path: path, object: name, problem: "is too large to read")
    }
    var values = [Float](repeating: 0, count: Int(dims[0] * dims[1]))
    let status = values.withUnsafeMutableBytes {
      H5Dread(dataset, chdf5_native_float(), chdf5_all(), chdf5_all(), chdf5_default(), $0.baseAddress)
    }
    guard status >= 0 else { throw FileError(path: path, object: name, problem: "cannot be read") }
    return (Int(dims[0]), Int(dims[1]), values)
  }

  /// Replaces the contents of an existing fixed-size float64 dataset.
  package func overwrite(_ name: String, doubles values: [Double]) throws(FileError) {
    let dataset = try openDataset(name)
    defer { H5Dclose(dataset) }
    let status = values.withUnsafeBytes {
      H5Dwrite(dataset, chdf5_native_double(), chdf5_all(), chdf5_all(), chdf5_default(), $0.baseAddress)
    }
    guard status >= 0 else { throw FileError(path: path, object: name, problem: "cannot be written") }
  }
}
