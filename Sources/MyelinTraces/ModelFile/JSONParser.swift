// SPDX-License-Identifier: Apache-2.0

/// A parsed JSON value. Model files are parsed by this small reader rather than
/// Foundation's, so that a syntax error names its line and column, and booleans stay
/// distinct from numbers.
enum JSON: Equatable {
  case null
  case bool(Bool)
  case number(Double)
  case string(String)
  case array([JSON])
  case object([String: JSON], order: [String])
}

/// A syntax error, with its position in the text.
struct JSONSyntaxError: Error, Equatable {
  let line: Int
  let column: Int
  let message: String
}

/// A recursive-descent parser over UTF-8 bytes (RFC 8259).
struct JSONParser {
  private let bytes: [UInt8]
  private var index = 0
  private var depth = 0

  static func parse(_ text: String) throws(JSONSyntaxError) -> JSON {
    var parser = JSONParser(bytes: Array(text.utf8))
    parser.skipSpace()
    let value = try parser.value()
    parser.skipSpace()
    guard parser.index == parser.bytes.count else { throw parser.error("unexpected text after the value") }
    return value
  }

  private init(bytes: [UInt8]) { self.bytes = bytes }

  private func error(_ message: String) -> JSONSyntaxError {
    var line = 1, column = 1
    for b in bytes[..<min(index, bytes.count)] {
      if b == UInt8(ascii: "\n") {
        line += 1
        column = 1
      } else {
        column += 1
      }
    }
    return JSONSyntaxError(line: line, column: column, message: message)
  }

  private mutating func skipSpace() {
    while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
  }

  private mutating func expect(_ literal: String, _ result: JSON) throws(JSONSyntaxError) -> JSON {
    for b in literal.utf8 {
      guard index < bytes.count, bytes[index] == b else { throw error("invalid literal") }
      index += 1
    }
    return result
  }

  private mutating func value() throws(JSONSyntaxError) -> JSON {
    guard index < bytes.count else { throw error("unexpected end of input") }
    switch bytes[index] {
    case UInt8(ascii: "{"): return try object()
    case UInt8(ascii: "["): return try array()
    case UInt8(ascii: "\""): return .string(try string())
    case UInt8(ascii: "t"): return try expect("true", .bool(true))
    case UInt8(ascii: "f"): return try expect("false", .bool(false))
    case UInt8(ascii: "n"): return try expect("null", .null)
    default: return .number(try number())
    }
  }

  private mutating func nested() throws(JSONSyntaxError) {
    depth += 1
    guard depth <= 512 else { throw error("nesting deeper than 512 levels") }
  }

  private mutating func object() throws(JSONSyntaxError) -> JSON {
    try nested()
    index += 1
    var members: [String: JSON] = [:]
    var order: [String] = []
    skipSpace()
    if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
      index += 1
      depth -= 1
      return .object(members, order: order)
    }
    while true {
      skipSpace()
      guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
        throw error("expected a quoted key")
      }
      let key = try string()
      guard members[key] == nil else { throw error("duplicate key '\(key)'") }
      skipSpace()
      guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':'") }
      index += 1
      skipSpace()
      members[key] = try value()
      order.append(key)
      skipSpace()
      guard index < bytes.count else { throw error("unexpected end of input in an object") }
      if bytes[index] == UInt8(ascii: ",") {
        index += 1
        continue
      }
      guard bytes[index] == UInt8(ascii: "}") else { throw error("expected ',' or '}'") }
      index += 1
      depth -= 1
      return .object(members, order: order)
    }
  }

  private mutating func array() throws(JSONSyntaxError) -> JSON {
    try nested()
    index += 1
    var items: [JSON] = []
    skipSpace()
    if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
      index += 1
      depth -= 1
      return .array(items)
    }
    while true {
      skipSpace()
      items.append(try value())
      skipSpace()
      guard index < bytes.count else { throw error("unexpected end of input in an array") }
      if bytes[index] == UInt8(ascii: ",") {
        index += 1
        continue
      }
      guard bytes[index] == UInt8(ascii: "]") else { throw error("expected ',' or ']'") }
      index += 1
      depth -= 1
      return .array(items)
    }
  }

  private mutating func string() throws(JSONSyntaxError) -> String {
    index += 1
    var out: [UInt8] = []
    while true {
      guard index < bytes.count else { throw error("unterminated string") }
      let b = bytes[index]
      index += 1
      if b == UInt8(ascii: "\"") { break }
      if b < 0x20 { throw error("control character in a string") }
      guard b == UInt8(ascii: "\\") else {
        out.append(b)
        continue
      }
      guard index < bytes.count else { throw error("unterminated escape") }
      let e = bytes[index]
      index += 1
      switch e {
      case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
      case UInt8(ascii: "n"): out.append(0x0A)
      case UInt8(ascii: "t"): out.append(0x09)
      case UInt8(ascii: "r"): out.append(0x0D)
      case UInt8(ascii: "b"): out.append(0x08)
      case UInt8(ascii: "f"): out.append(0x0C)
      case UInt8(ascii: "u"):
        guard index + 4 <= bytes.count,
          let code = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
        else { throw error("invalid \\u escape") }
        index += 4
        let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
        out.append(contentsOf: Array(String(Character(scalar)).utf8))
      default: throw error("invalid escape")
      }
    }
    return String(decoding: out, as: UTF8.self)
  }

  private mutating func number() throws(JSONSyntaxError) -> Double {
    let start = index
    let allowed = Set("+-0123456789.eE".utf8)
    while index < bytes.count, allowed.contains(bytes[index]) { index += 1 }
    let text = String(decoding: bytes[start..<index], as: UTF8.self)
    guard !text.isEmpty, let x = Double(text), x.isFinite else {
      index = start
      throw error(text.isEmpty ? "unexpected character" : "invalid number '\(text)'")
    }
    return x
  }
}
