// SPDX-License-Identifier: Apache-2.0
import MyelinCore

/// Reads one entry of `populations`.
enum PopulationReader {
  static func read(_ node: JSONNode) throws(ModelError) -> Population {
    let o = try node.object(allowed: [
      "name", "size", "model", "params", "initial", "stimuli", "rate", "spike_times",
    ])
    let name = try o.required("name").string()
    let size = try o.required("size").integer(0...Int(Int32.max))
    let modelNode = try o.required("model")
    let modelName = try modelNode.string()
    let model: NeuronModel
    switch modelName {
    case "iaf_psc_exp": model = .iafPscExp(try pscExp(o["params"]))
    case "iaf_psc_delta": model = .iafPscDelta(try pscDelta(o["params"]))
    case "iaf_cond_exp": model = .iafCondExp(try condExp(o["params"]))
    case "poisson_generator":
      model = .poissonGenerator(rate: try o.required("rate").number(.rate))
    case "spike_generator":
      let lists = try o.required("spike_times").array()
      var times: [[Double]] = []
      for list in lists {
        var neuron: [Double] = []
        for t in try list.array() { neuron.append(try t.number(.time)) }
        times.append(neuron)
      }
      model = .spikeGenerator(spikeTimes: times)
    default:
      throw modelNode.fail("unknown model '\(modelName)'",
                           allowed: NeuronModel.names.joined(separator: ", "))
    }
    if !model.isSource, o["rate"] != nil || o["spike_times"] != nil {
      throw (o["rate"] ?? o["spike_times"] ?? node).fail("is not a field of \(modelName)")
    }
    if model.isSource, let params = o["params"] {
      throw params.fail("\(modelName) has no params", allowed: "rate or spike_times")
    }
    var initial: [StateVariable: InitialValue] = [:]
    if let initialNode = o["initial"] {
      let names = StateVariable.allCases.map(\.rawValue)
      let values = try initialNode.object(allowed: names)
      for name in names {
        guard let value = values[name], let variable = StateVariable(rawValue: name) else { continue }
        let quantity: Quantity = switch variable {
          case .V_m: .voltage
          case .I_syn_ex, .I_syn_in: .current
          case .g_ex, .g_in: .conductance
        }
        if case .array = value.value {
          var array: [Double] = []
          for x in try value.array() { array.append(try x.number(quantity)) }
          initial[variable] = .array(array)
        } else {
          initial[variable] = .distribution(try readDistribution(value, quantity))
        }
      }
    }
    var stimuli: [Stimulus] = []
    if let list = o["stimuli"] {
      for item in try list.array() { stimuli.append(try stimulus(item, model: model)) }
    }
    return Population(name: name, size: size, model: model, initial: initial, stimuli: stimuli)
  }

  private static func stimulus(_ node: JSONNode, model: NeuronModel) throws(ModelError) -> Stimulus {
    let kind = try node.object(allowed: ["type", "amplitude", "start", "stop", "times",
                                         "amplitudes", "rate", "weight"])
    let typeNode = try kind.required("type")
    switch try typeNode.string() {
    case "dc":
      let o = try node.object(allowed: ["type", "amplitude", "start", "stop"])
      return .dc(amplitude: try o.required("amplitude").number(.current),
                 start: try o["start"]?.number(.time) ?? 0,
                 stop: try o["stop"]?.number(.time) ?? .infinity)
    case "step_current":
      let o = try node.object(allowed: ["type", "times", "amplitudes"])
      var times: [Double] = []
      for t in try o.required("times").array() { times.append(try t.number(.time)) }
      var amplitudes: [Double] = []
      for a in try o.required("amplitudes").array() { amplitudes.append(try a.number(.current)) }
      return .stepCurrent(times: times, amplitudes: amplitudes)
    case "poisson":
      let o = try node.object(allowed: ["type", "rate", "weight"])
      return .poisson(rate: try o.required("rate").number(.rate),
                      weight: try o.required("weight").number(weightQuantity(model)))
    case let other:
      throw typeNode.fail("unknown stimulus type '\(other)'", allowed: "dc, step_current, poisson")
    }
  }

  /// Reads `params`, rejecting names the model does not have.
  private static func parameters(
    _ node: JSONNode?, _ table: [(String, Quantity, (Double) -> Void)]
  ) throws(ModelError) {
    guard let node else { return }
    let o = try node.object(allowed: table.map(\.0))
    for (name, quantity, set) in table {
      if let value = o[name] { set(try value.number(quantity)) }
    }
  }

  private static func pscExp(_ node: JSONNode?) throws(ModelError) -> IafPscExp {
    var p = IafPscExp()
    try parameters(node, [
      ("C_m", .capacitance, { p.C_m = $0 }), ("tau_m", .time, { p.tau_m = $0 }),
      ("tau_syn_ex", .time, { p.tau_syn_ex = $0 }), ("tau_syn_in", .time, { p.tau_syn_in = $0 }),
      ("t_ref", .time, { p.t_ref = $0 }), ("E_L", .voltage, { p.E_L = $0 }),
      ("V_reset", .voltage, { p.V_reset = $0 }), ("V_th", .voltage, { p.V_th = $0 }),
      ("I_e", .current, { p.I_e = $0 }),
    ])
    return p
  }

  private static func pscDelta(_ node: JSONNode?) throws(ModelError) -> IafPscDelta {
    var p = IafPscDelta()
    try parameters(node, [
      ("C_m", .capacitance, { p.C_m = $0 }), ("tau_m", .time, { p.tau_m = $0 }),
      ("t_ref", .time, { p.t_ref = $0 }), ("E_L", .voltage, { p.E_L = $0 }),
      ("V_reset", .voltage, { p.V_reset = $0 }), ("V_th", .voltage, { p.V_th = $0 }),
      ("V_min", .voltage, { p.V_min = $0 }), ("I_e", .current, { p.I_e = $0 }),
    ])
    return p
  }

  private static func condExp(_ node: JSONNode?) throws(ModelError) -> IafCondExp {
    var p = IafCondExp()
    try parameters(node, [
      ("C_m", .capacitance, { p.C_m = $0 }), ("g_L", .conductance, { p.g_L = $0 }),
      ("t_ref", .time, { p.t_ref = $0 }), ("E_L", .voltage, { p.E_L = $0 }),
      ("E_ex", .voltage, { p.E_ex = $0 }), ("E_in", .voltage, { p.E_in = $0 }),
      ("V_reset", .voltage, { p.V_reset = $0 }), ("V_th", .voltage, { p.V_th = $0 }),
      ("tau_syn_ex", .time, { p.tau_syn_ex = $0 }), ("tau_syn_in", .time, { p.tau_syn_in = $0 }),
      ("I_e", .current, { p.I_e = $0 }),
    ])
    return p
  }
}

/// The quantity of a synaptic weight onto `model`: pA, mV or nS.
func weightQuantity(_ model: NeuronModel) -> Quantity {
  switch model {
  case .iafPscExp: .current
  case .iafPscDelta: .voltage
  case .iafCondExp: .conductance
  case .poissonGenerator, .spikeGenerator, .lifNode, .readout, .sum, .input: .dimensionless
  }
}
