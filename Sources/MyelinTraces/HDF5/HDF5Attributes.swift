// SPDX-License-Identifier: Apache-2.0
internal import CHDF5

/// An attribute value of the kinds the traces use.
package enum AttributeValue: Equatable {
  case string(String)
  case float64(Double)
  case uint64(UInt64)
  case uint32(UInt32)
  case uint32s([UInt32])
  case uint8(UInt8)
  /// SONATA's `sorting`: an HDF5 enum {none = 0, by_id = 1, by_time = 2} over uint8.
  case sorting(UInt8)

  package var double: Double? { if case .float64(let x) = self { x } else { nil } }
  package var text: String? { if case .string(let x) = self { x } else { nil } }
}

extension HDF5File {
  /// Sets attribute `name` of the group or dataset `object` ("/" for the root).
  package func setAttribute(_ object: String, _ name: String, _ value: AttributeValue)
    throws(FileError)
  {
    let (type, owned) = Self.fileType(of: value)
    defer { if owned { H5Tclose(type) } }
    let space: hid_t
    if case .uint32s(let values) = value {
      var n = hsize_t(values.count)
      space = H5Screate_simple(1, &n, nil)
    } else {
      space = H5Screate(H5S_SCALAR)
    }
    defer { H5Sclose(space) }
    if H5Aexists_by_name(id, object, name, chdf5_default()) > 0 {
      H5Adelete_by_name(id, object, name, chdf5_default())
    }
    let attribute = H5Acreate_by_name(id, object, name, type, space, chdf5_default(), chdf5_default(), chdf5_default())
    guard attribute >= 0 else {
      throw FileError(path: path, object: "\(object)@\(name)", problem: "cannot create attribute")
    }
    defer { H5Aclose(attribute) }
    let status: herr_t
    switch value {
    case .string(let text):
      status = text.withCString { pointer in
        var p: UnsafePointer<CChar>? = pointer
        return H5Awrite(attribute, type, &p)
      }
    case .float64(var x): status = H5Awrite(attribute, type, &x)
    case .uint64(var x): status = H5Awrite(attribute, type, &x)
    case .uint32(var x): status = H5Awrite(attribute, type, &x)
    case .uint32s(let values): status = values.withUnsafeBytes { H5Awrite(attribute, type, $0.baseAddress) }
    case .uint8(var x), .sorting(var x): status = H5Awrite(attribute, type, &x)
    }
    guard status >= 0 else {
      throw FileError(path: path, object: "\(object)@\(name)", problem: "cannot write attribute")
    }
  }

  /// Reads attribute `name` of `object`, or nil when it is missing or of another kind.
  package func attribute(_ object: String, _ name: String) -> AttributeValue? {
    guard exists(object) || object == "/", H5Aexists_by_name(id, object, name, chdf5_default()) > 0 else {
      return nil
    }
    let attribute = H5Aopen_by_name(id, object, name, chdf5_default(), chdf5_default())
    guard attribute >= 0 else { return nil }
    defer { H5Aclose(attribute) }
    let type = H5Aget_type(attribute)
    defer { H5Tclose(type) }
    let space = H5Aget_space(attribute)
    defer { H5Sclose(space) }
    let count = Int(H5Sget_simple_extent_npoints(space))
    // Only integer attributes may hold several values (the version pair); anything else
    // must be a single value, or reading it would overrun the variable it goes into.
    guard count == 1 || (H5Tget_class(type) == H5T_INTEGER && count > 1 && count <= 16) else {
      return nil
    }
    switch H5Tget_class(type) {
    case H5T_STRING:
      let memory = Self.variableString()
      defer { H5Tclose(memory) }
      guard H5Tis_variable_str(type) > 0 else { return nil }
      var pointer: UnsafeMutablePointer<CChar>?
      guard H5Aread(attribute, memory, &pointer) >= 0, let pointer else { return nil }
      defer { H5free_memory(pointer) }
      return .string(String(cString: pointer))
    case H5T_FLOAT:
      var x = 0.0
      return H5Aread(attribute, chdf5_native_double(), &x) >= 0 ? .float64(x) : nil
    case H5T_INTEGER:
      var values = [UInt64](repeating: 0, count: max(count, 1))
      guard H5Aread(attribute, chdf5_native_uint64(), &values) >= 0 else { return nil }
      if count > 1 { return .uint32s(values.map { UInt32(truncatingIfNeeded: $0) }) }
      switch H5Tget_size(type) {
      case 1: return .uint8(UInt8(truncatingIfNeeded: values[0]))
      case 4: return .uint32(UInt32(truncatingIfNeeded: values[0]))
      default: return .uint64(values[0])
      }
    case H5T_ENUM:
      guard H5Tget_size(type) == 1 else { return nil }
      var x: UInt8 = 0
      return H5Aread(attribute, type, &x) >= 0 ? .sorting(x) : nil
    default:
      return nil
    }
  }

  /// Writes a scalar variable-length UTF-8 string dataset (model text, command line).
  package func writeText(_ name: String, _ text: String) throws(FileError) {
    let type = Self.variableString()
    defer { H5Tclose(type) }
    let space = H5Screate(H5S_SCALAR)
    defer { H5Sclose(space) }
    let dataset = H5Dcreate2(id, name, type, space, chdf5_default(), chdf5_default(), chdf5_default())
    guard dataset >= 0 else { throw FileError(path: path, object: name, problem: "cannot create dataset") }
    defer { H5Dclose(dataset) }
    let status = text.withCString { pointer in
      var p: UnsafePointer<CChar>? = pointer
      return H5Dwrite(dataset, type, chdf5_all(), chdf5_all(), chdf5_default(), &p)
    }
    guard status >= 0 else { throw FileError(path: path, object: name, problem: "cannot be written") }
  }

  /// Reads a scalar string dataset written by ``writeText``.
  package func readText(_ name: String) throws(FileError) -> String {
    let dataset = try openDataset(name)
    defer { H5Dclose(dataset) }
    let space = H5Dget_space(dataset)
    defer { H5Sclose(space) }
    let stored = H5Dget_type(dataset)
    defer { H5Tclose(stored) }
    guard H5Sget_simple_extent_npoints(space) == 1, H5Tget_class(stored) == H5T_STRING,
      H5Tis_variable_str(stored) > 0
    else { throw FileError(path: path, object: name, problem: "is not a single string") }
    let type = Self.variableString()
    defer { H5Tclose(type) }
    var pointer: UnsafeMutablePointer<CChar>?
    guard H5Dread(dataset, type, chdf5_all(), chdf5_all(), chdf5_default(), &pointer) >= 0,
      let pointer
    else { throw FileError(path: path, object: name, problem: "is not a string") }
    defer { H5free_memory(pointer) }
    return String(cString: pointer)
  }

  private static func variableString() -> hid_t {
    let type = H5Tcopy(chdf5_c_s1())
    H5Tset_size(type, chdf5_variable())
    H5Tset_cset(type, H5T_CSET_UTF8)
    return type
  }

  /// The file type for a value, and whether the caller must close it.
  private static func fileType(of value: AttributeValue) -> (hid_t, Bool) {
    switch value {
    case .string: return (variableString(), true)
    case .float64: return (chdf5_native_double(), false)
    case .uint64: return (chdf5_native_uint64(), false)
    case .uint32, .uint32s: return (chdf5_native_uint32(), false)
    case .uint8: return (chdf5_native_uint8(), false)
    case .sorting:
      let type = H5Tenum_create(chdf5_native_uint8())
      for (name, value) in [("none", UInt8(0)), ("by_id", 1), ("by_time", 2)] {
        var v = value
        H5Tenum_insert(type, name, &v)
      }
      return (type, true)
    }
  }
}
