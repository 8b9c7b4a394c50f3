// SPDX-License-Identifier: Apache-2.0
import MyelinCore

/// A value of a parsed JSON document together with its path, so that every error can
/// name the field it is about (`populations[1].params.tau_m`).
struct JSONNode {
  let value: JSON
  let path: String

  func fail(_ problem: String, allowed: String? = nil) -> ModelError {
    ModelError(field: path.isEmpty ? "<root>" : path, problem: problem, allowed: allowed)
  }

  func child(_ key: String, _ value: JSON) -> JSONNode {
    JSONNode(value: value, path: path.isEmpty ? key : "\(path).\(key)")
  }

  /// The members of an object, after checking that every key is one of `allowed`.
  func object(allowed: [String]) throws(ModelError) -> JSONObject {
    guard case .object(let dictionary, let order) = value else {
      throw fail("is not an object", allowed: "{...}")
    }
    for key in order where !allowed.contains(key) {
      throw child(key, .null).fail("unknown field", allowed: allowed.joined(separator: ", "))
    }
    return JSONObject(node: self, members: dictionary)
  }

  func array() throws(ModelError) -> [JSONNode] {
    guard case .array(let items) = value else { throw fail("is not an array", allowed: "[...]") }
    return items.enumerated().map { JSONNode(value: $1, path: "\(path)[\($0)]") }
  }

  func string() throws(ModelError) -> String {
    guard case .string(let s) = value else { throw fail("is not a string") }
    return s
  }

  func bool() throws(ModelError) -> Bool {
    guard case .bool(let b) = value else { throw fail("is not a boolean", allowed: "true or false") }
    return b
  }

  /// A number, or a string with a unit of the given quantity ("20 ms", "1.5 nA").
  func number(_ quantity: Quantity = .dimensionless) throws(ModelError) -> Double {
    if case .number(let x) = value { return x }
    if case .string(let text) = value {
      let parts = text.split(separator: " ", omittingEmptySubsequences: true)
      if parts.count == 2, let x = Double(parts[0]),
        let factor = quantity.factors[String(parts[1])]
      {
        return x * factor
      }
      throw fail("'\(text)' is not a number in \(quantity.unit)",
                 allowed: "a number, or a string such as \"1.5 \(quantity.unit)\" with units "
                   + quantity.factors.keys.sorted().joined(separator: "/"))
    }
    throw fail("is not a number")
  }

  func integer(_ range: ClosedRange<Int>) throws(ModelError) -> Int {
    let x = try number()
    // Convert only values that fit: Double(Int.max) rounds up to 2^63, which Int(_:) traps on.
    guard let value = Int(exactly: x), range.contains(value) else {
      throw fail("is \(x)", allowed: "an integer in \(range.lowerBound)...\(range.upperBound)")
    }
    return value
  }
}

/// An object's members with typed, path-aware accessors.
struct JSONObject {
  let node: JSONNode
  let members: [String: JSON]

  subscript(_ key: String) -> JSONNode? { members[key].map { node.child(key, $0) } }

  func required(_ key: String) throws(ModelError) -> JSONNode {
    guard let value = self[key] else {
      throw node.child(key, .null).fail("is missing")
    }
    return value
  }
}

/// Physical quantities and the units a model file may write them in (DESIGN.md §3).
enum Quantity: Equatable {
  case dimensionless, time, voltage, current, conductance, capacitance, rate

  var unit: String {
    switch self {
    case .dimensionless: ""
    case .time: "ms"
    case .voltage: "mV"
    case .current: "pA"
    case .conductance: "nS"
    case .capacitance: "pF"
    case .rate: "Hz"
    }
  }

  var factors: [String: Double] {
    switch self {
    case .dimensionless: [:]
    case .time: ["ms": 1, "s": 1000, "us": 0.001]
    case .voltage: ["mV": 1, "V": 1000, "uV": 0.001]
    case .current: ["pA": 1, "nA": 1000, "uA": 1e6]
    case .conductance: ["nS": 1, "uS": 1000, "pS": 0.001]
    case .capacitance: ["pF": 1, "nF": 1000]
    case .rate: ["Hz": 1, "kHz": 1000]
    }
  }
}
