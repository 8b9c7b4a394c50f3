// SPDX-License-Identifier: Apache-2.0
import MyelinCore

/// Reads one entry of `projections`.
enum ProjectionReader {
  static func read(_ node: JSONNode, populations: [Population], directory: String)
    throws(ModelError) -> Projection
  {
    let o = try node.object(allowed: ["name", "source", "target", "connector", "weight", "delay", "plasticity"])
    let source = try o.required("source").string()
    let target = try o.required("target").string()
    let targetModel = populations.first { $0.name == target }?.model
    let quantity = targetModel.map(weightQuantity) ?? .dimensionless
    let connector = try self.connector(
      try o.required("connector"), weightQuantity: quantity, directory: directory)
    if case .explicit = connector {
      for key in ["weight", "delay"] {
        if let given = o[key] {
          throw given.fail("is given by the explicit connector's arrays", allowed: "omit it")
        }
      }
    }
    return Projection(
      name: try o["name"]?.string(), source: source, target: target, connector: connector,
      weight: try o["weight"].map { node throws(ModelError) in try readDistribution(node, quantity) } ?? .constant(1),
      delay: try o["delay"].map { node throws(ModelError) in try readDistribution(node, .time) } ?? .constant(1),
      plasticity: try o["plasticity"].map { node throws(ModelError) in try PlasticityReader.read(node, weight: quantity) })
  }

  private static func connector(_ node: JSONNode, weightQuantity: Quantity, directory: String)
    throws(ModelError) -> Connector
  {
    let o = try node.object(allowed: [
      "rule", "p", "indegree", "outdegree", "N", "allow_autapses", "allow_multapses",
      "source", "target", "weight", "delay", "file",
    ])
    let ruleNode = try o.required("rule")
    let rule = try ruleNode.string()
    let options: [String: [String]] = [
      "all_to_all": ["allow_autapses"], "one_to_one": [],
      "pairwise_bernoulli": ["p", "allow_autapses"],
      "fixed_indegree": ["indegree", "allow_autapses", "allow_multapses"],
      "fixed_outdegree": ["outdegree", "allow_autapses", "allow_multapses"],
      "fixed_total_number": ["N", "allow_autapses", "allow_multapses"],
      "explicit": ["source", "target", "weight", "delay", "file"],
    ]
    guard let allowed = options[rule] else {
      throw ruleNode.fail("unknown connector '\(rule)'", allowed: Connector.rules.joined(separator: ", "))
    }
    _ = try node.object(allowed: ["rule"] + allowed)
    let autapses = try o["allow_autapses"]?.bool() ?? true
    let multapses = try o["allow_multapses"]?.bool() ?? true
    let count = 0...Int(Int32.max)
    switch rule {
    case "all_to_all": return .allToAll(allowAutapses: autapses)
    case "one_to_one": return .oneToOne
    case "pairwise_bernoulli":
      return .pairwiseBernoulli(p: try o.required("p").number(), allowAutapses: autapses)
    case "fixed_indegree":
      return .fixedIndegree(try o.required("indegree").integer(count), allowAutapses: autapses,
                            allowMultapses: multapses)
    case "fixed_outdegree":
      return .fixedOutdegree(try o.required("outdegree").integer(count), allowAutapses: autapses,
                             allowMultapses: multapses)
    case "fixed_total_number":
      return .fixedTotalNumber(try o.required("N").integer(count), allowAutapses: autapses,
                               allowMultapses: multapses)
    default:
      if let file = o["file"] {
        for key in ["source", "target", "weight", "delay"] {
          if let given = o[key] {
            throw given.fail("is read from the file", allowed: "either file or the four arrays")
          }
        }
        let name = try file.string()
        let path = name.hasPrefix("/") ? name : directory + "/" + name
        do {
          return .explicit(try SynapseFile.read(path: path))
        } catch {
          throw file.fail(error.description)
        }
      }
      func indices(_ key: String) throws(ModelError) -> [UInt32] {
        var out: [UInt32] = []
        for x in try o.required(key).array() { out.append(UInt32(try x.integer(0...Int(UInt32.max)))) }
        return out
      }
      func values(_ key: String, _ q: Quantity) throws(ModelError) -> [Double] {
        var out: [Double] = []
        for x in try o.required(key).array() { out.append(try x.number(q)) }
        return out
      }
      return .explicit(
        SynapseList(sources: try indices("source"), targets: try indices("target"),
                    weights: try values("weight", weightQuantity), delays: try values("delay", .time)))
    }
  }
}
