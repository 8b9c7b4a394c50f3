// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore

/// Reads a JSON model file (docs/model-format.md) into a ``Network``. Every error is a
/// ``ModelError`` naming the file and the field.
public enum ModelFile {
  /// Loads and validates the model at `path`.
  public static func load(path: String) throws(ModelError) -> Network {
    guard let data = FileManager.default.contents(atPath: path) else {
      let exists = FileManager.default.fileExists(atPath: path)
      throw ModelError(field: "<file>", problem: exists ? "cannot be read" : "no such file",
                       file: path)
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw ModelError(field: "<file>", problem: "is not UTF-8 text", file: path)
    }
    let parent = (path as NSString).deletingLastPathComponent
    let directory = parent.isEmpty ? "." : parent
    do {
      let network = try parse(text, directory: directory)
      try network.validate()
      return network
    } catch {
      throw error.file == nil ? error.inFile(path) : error
    }
  }

  /// Parses model JSON; relative file references resolve against `directory`.
  public static func parse(_ text: String, directory: String = ".") throws(ModelError) -> Network {
    let json: JSON
    do {
      json = try JSONParser.parse(text)
    } catch {
      throw ModelError(field: "line \(error.line), column \(error.column)",
                       problem: "malformed JSON: \(error.message)")
    }
    let root = try JSONNode(value: json, path: "").object(allowed: [
      "name", "description", "dt", "duration", "seed", "precision", "populations", "projections",
      "record",
    ])
    var network = Network(
      name: try root["name"]?.string() ?? "model", summary: try root["description"]?.string() ?? "")
    if let dt = root["dt"] { network.defaults.dt = try dt.number(.time) }
    if let duration = root["duration"] { network.defaults.duration = try duration.number(.time) }
    if let seed = root["seed"] { network.defaults.seed = UInt64(try seed.integer(0...Int.max)) }
    if let precision = root["precision"] {
      let name = try precision.string()
      guard let value = Precision(rawValue: name) else {
        throw precision.fail("unknown precision '\(name)'", allowed: "float, double")
      }
      network.defaults.precision = value
    }
    for item in try root.required("populations").array() {
      network.add(try PopulationReader.read(item))
    }
    if let projections = root["projections"] {
      for item in try projections.array() {
        network.projections.append(
          try ProjectionReader.read(item, populations: network.populations, directory: directory))
      }
    }
    if let record = root["record"] {
      network.defaults.spikeRecording = try readRecording(record)
      network.defaults.rateRecording = try readRates(record)
      network.defaults.stateRecording = try readStates(record)
      network.defaults.weightRecording = try readWeights(record)
    }
    return network
  }

  /// `"record": {"spikes": ["E", {"population": "I", "range": [0, 100]}]}`: whole
  /// populations by name, or a range [first, last) or list of neurons.
  static func readRecording(_ node: JSONNode) throws(ModelError) -> [String: NeuronSelection] {
    let o = try node.object(allowed: recordKeys)
    var selections: [String: NeuronSelection] = [:]
    for item in try o["spikes"]?.array() ?? [] {
      if case .string(let name) = item.value {
        selections[name] = .all
        continue
      }
      let entry = try item.object(allowed: ["population", "neurons", "range"])
      let name = try entry.required("population").string()
      if let range = entry["range"] {
        let bounds = try range.array()
        guard bounds.count == 2 else { throw range.fail("needs two bounds", allowed: "[first, last)") }
        let lo = try bounds[0].integer(0...Int(Int32.max)), hi = try bounds[1].integer(0...Int(Int32.max))
        guard lo <= hi else { throw range.fail("is empty", allowed: "first <= last") }
        selections[name] = .range(lo..<hi)
      } else if let neurons = entry["neurons"] {
        var list: [Int] = []
        for n in try neurons.array() { list.append(try n.integer(0...Int(Int32.max))) }
        selections[name] = .list(list)
      } else {
        selections[name] = .all
      }
    }
    return selections
  }
}

/// `ValueDistribution` from a number, `{"uniform": [a, b]}` or
/// `{"normal": {"mean", "std", "min", "max"}}`.
func readDistribution(_ node: JSONNode, _ quantity: Quantity) throws(ModelError)
  -> ValueDistribution
{
  if case .object = node.value {
    let object = try node.object(allowed: ["uniform", "normal"])
    if let uniform = object["uniform"] {
      let bounds = try uniform.array()
      guard bounds.count == 2 else { throw uniform.fail("needs two bounds", allowed: "[min, max]") }
      return .uniform(min: try bounds[0].number(quantity), max: try bounds[1].number(quantity))
    }
    if let normal = object["normal"] {
      let o = try normal.object(allowed: ["mean", "std", "min", "max"])
      return .normal(
        mean: try o.required("mean").number(quantity), std: try o.required("std").number(quantity),
        min: try o["min"]?.number(quantity), max: try o["max"]?.number(quantity))
    }
    throw node.fail("names no distribution", allowed: "uniform or normal")
  }
  return .constant(try node.number(quantity))
}

/// `"rates": ["E", {"population": "I", "bin": 5}]`: binned population rates, bin in ms
/// (default 1 ms).
func readRates(_ node: JSONNode) throws(ModelError) -> [String: Double] {
  let o = try node.object(allowed: recordKeys)
  var rates: [String: Double] = [:]
  for item in try o["rates"]?.array() ?? [] {
    if case .string(let name) = item.value {
      rates[name] = 1
      continue
    }
    let entry = try item.object(allowed: ["population", "bin"])
    let bin = try entry["bin"]?.number(.time) ?? 1
    guard bin > 0 else { throw item.fail("bin is \(bin)", allowed: "> 0 ms") }
    rates[try entry.required("population").string()] = bin
  }
  return rates
}

/// `"state": [{"population": "E", "variables": ["V_m"], "neurons": [0, 1], "interval": 0.1}]`:
/// sampled state variables; `interval` in ms (default: every step).
func readStates(_ node: JSONNode) throws(ModelError) -> [String: StateRecording] {
  let o = try node.object(allowed: recordKeys)
  var states: [String: StateRecording] = [:]
  for item in try o["state"]?.array() ?? [] {
    let entry = try item.object(allowed: ["population", "variables", "neurons", "interval"])
    var variables: [StateVariable] = []
    for v in try entry.required("variables").array() {
      let name = try v.string()
      guard let variable = StateVariable(rawValue: name) else {
        throw v.fail("unknown state variable '\(name)'",
                     allowed: StateVariable.allCases.map(\.rawValue).joined(separator: ", "))
      }
      variables.append(variable)
    }
    var neurons: [Int] = []
    for n in try entry.required("neurons").array() { neurons.append(try n.integer(0...Int(Int32.max))) }
    let interval = try entry["interval"]?.number(.time) ?? 0
    guard interval >= 0 else { throw item.fail("interval is \(interval)", allowed: ">= 0 ms") }
    states[try entry.required("population").string()] = StateRecording(
      variables: variables, neurons: neurons, interval: interval)
  }
  return states
}

/// The members a `record` section may have.
let recordKeys = ["spikes", "rates", "state", "weights"]

/// `"weights": ["P", {"projection": "Q", "interval": 1000, "synapses": "all" | [ids] | N}]`:
/// final weights of each projection named, plus snapshots every `interval` ms of all
/// synapses, the listed ids, or about N evenly spaced ones.
func readWeights(_ node: JSONNode) throws(ModelError) -> [String: WeightRecording] {
  let o = try node.object(allowed: recordKeys)
  var weights: [String: WeightRecording] = [:]
  for item in try o["weights"]?.array() ?? [] {
    if case .string(let name) = item.value {
      weights[name] = WeightRecording()
      continue
    }
    let entry = try item.object(allowed: ["projection", "interval", "synapses"])
    var recording = WeightRecording(interval: try entry["interval"]?.number(.time))
    if let interval = recording.interval, !(interval > 0) {
      throw item.fail("interval is \(interval)", allowed: "> 0 ms")
    }
    if let synapses = entry["synapses"] {
      guard recording.interval != nil else {
        throw synapses.fail("chooses synapses for snapshots, but no interval is given", allowed: "add \"interval\": ms")
      }
      switch synapses.value {
      case .string(let text):
        guard text == "all" else { throw synapses.fail("is '\(text)'", allowed: "\"all\", a list of ids or a count") }
      case .array:
        var ids: [Int] = []
        for id in try synapses.array() { ids.append(try id.integer(0...Int(Int32.max))) }
        recording.synapses = .list(ids)
      default:
        recording.synapses = .count(try synapses.integer(1...Int(Int32.max)))
      }
    }
    weights[try entry.required("projection").string()] = recording
  }
  return weights
}
