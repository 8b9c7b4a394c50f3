// SPDX-License-Identifier: Apache-2.0
import MyelinCore

/// Reads a projection's `plasticity` block. Weights, amplitudes and bounds are in the
/// projection's weight unit; times in ms. NEST's `lambda` and `alpha` may replace `A_plus`
/// and `A_minus` (A+ = λ·w_max, A− = α·λ·w_max).
enum PlasticityReader {
  static let rules = ["stdp", "stdp_triplet", "stdp_dopamine"]

  static func read(_ node: JSONNode, weight: Quantity) throws(ModelError) -> Plasticity {
    let common = ["rule", "w_min", "w_max", "dendritic_delay"]
    let ruleNode = try node.object(allowed: common + allKeys).required("rule")
    let name = try ruleNode.string()
    let own: [String]
    switch name {
    case "stdp": own = ["scheme", "tau_plus", "tau_minus", "A_plus", "A_minus", "lambda", "alpha", "mu_plus", "mu_minus"]
    case "stdp_triplet": own = ["tau_plus", "tau_plus_triplet", "tau_minus", "tau_minus_triplet", "A2_plus", "A3_plus",
                                "A2_minus", "A3_minus"] + tripletAliases.keys.sorted()
    case "stdp_dopamine": own = ["tau_plus", "tau_minus", "A_plus", "A_minus", "tau_c", "tau_n", "b", "modulator"]
    default: throw ruleNode.fail("unknown plasticity rule '\(name)'", allowed: rules.joined(separator: ", "))
    }
    let o = try node.object(allowed: common + own)
    let bounds = WeightBounds(wMin: try o["w_min"]?.number(weight) ?? 0, wMax: try o.required("w_max").number(weight))
    let delay = try o["dendritic_delay"]?.number(.time)
    func time(_ key: String, _ value: Double) throws(ModelError) -> Double { try o[key]?.number(.time) ?? value }
    func amount(_ key: String, _ value: Double) throws(ModelError) -> Double { try o[key]?.number(weight) ?? value }
    func plain(_ key: String, _ value: Double) throws(ModelError) -> Double { try o[key]?.number() ?? value }
    switch name {
    case "stdp":
      var schemeValue = PairingScheme.allToAll
      if let s = o["scheme"] {
        let text = try s.string()
        guard let scheme = PairingScheme(rawValue: text) else {
          throw s.fail("unknown pairing scheme '\(text)'", allowed: PairingScheme.allCases.map(\.rawValue).joined(separator: ", "))
        }
        schemeValue = scheme
      }
      let (aPlus, aMinus) = try amplitudes(o, bounds: bounds, weight: weight)
      let rule = PairSTDP(tauPlus: try time("tau_plus", 20), tauMinus: try time("tau_minus", 20), aPlus: aPlus,
                          aMinus: aMinus, muPlus: try plain("mu_plus", 0), muMinus: try plain("mu_minus", 0),
                          bounds: bounds, scheme: schemeValue)
      return Plasticity(.pair(rule), dendriticDelay: delay)
    case "stdp_triplet":
      var rule = TripletSTDP(bounds: bounds)
      rule.tauPlus = try time("tau_plus", rule.tauPlus)
      rule.tauX = try time("tau_plus_triplet", rule.tauX)
      rule.tauMinus = try time("tau_minus", rule.tauMinus)
      rule.tauY = try time("tau_minus_triplet", rule.tauY)
      // NEST's names (Aplus, Aplus_triplet, …) are accepted too, but not both spellings.
      for (nest, own) in tripletAliases.sorted(by: { $0.key < $1.key }) {
        if let given = o[nest], o[own] != nil {
          throw given.fail("is also given as \(own)", allowed: "one of \(nest) and \(own)")
        }
      }
      func either(_ own: String, _ value: Double) throws(ModelError) -> Double {
        let nest = tripletAliases.first { $0.value == own }?.key ?? own
        return try amount(own, try amount(nest, value))
      }
      rule.aPlus2 = try either("A2_plus", rule.aPlus2)
      rule.aPlus3 = try either("A3_plus", rule.aPlus3)
      rule.aMinus2 = try either("A2_minus", rule.aMinus2)
      rule.aMinus3 = try either("A3_minus", rule.aMinus3)
      return Plasticity(.triplet(rule), dendriticDelay: delay)
    default:
      var rule = RewardSTDP(modulator: try o.required("modulator").string(), bounds: bounds)
      rule.tauPlus = try time("tau_plus", rule.tauPlus)
      rule.tauMinus = try time("tau_minus", rule.tauMinus)
      rule.aPlus = try amount("A_plus", rule.aPlus)
      rule.aMinus = try amount("A_minus", rule.aMinus)
      rule.tauC = try time("tau_c", rule.tauC)
      rule.tauN = try time("tau_n", rule.tauN)
      rule.b = try plain("b", rule.b)
      return Plasticity(.rewardModulated(rule), dendriticDelay: delay)
    }
  }

  /// NEST `stdp_triplet_synapse` names and the names used here.
  static let tripletAliases = ["Aplus": "A2_plus", "Aplus_triplet": "A3_plus", "Aminus": "A2_minus",
                               "Aminus_triplet": "A3_minus"]

  private static var allKeys: [String] {
    ["scheme", "tau_plus", "tau_minus", "A_plus", "A_minus", "lambda", "alpha", "mu_plus", "mu_minus",
     "tau_plus_triplet", "tau_minus_triplet", "A2_plus", "A3_plus", "A2_minus", "A3_minus", "tau_c", "tau_n", "b",
     "modulator"] + tripletAliases.keys.sorted()
  }

  /// A+ and A− given directly, or as NEST's λ and α.
  private static func amplitudes(_ o: JSONObject, bounds: WeightBounds, weight: Quantity)
    throws(ModelError) -> (Double, Double)
  {
    if let lambda = o["lambda"] {
      for key in ["A_plus", "A_minus"] {
        if let given = o[key] { throw given.fail("conflicts with lambda", allowed: "either A_plus/A_minus or lambda/alpha") }
      }
      let l = try lambda.number()
      let alpha = try o["alpha"]?.number() ?? 1
      return (l * bounds.wMax, alpha * l * bounds.wMax)
    }
    if let alpha = o["alpha"] { throw alpha.fail("needs lambda", allowed: "lambda and alpha, or A_plus and A_minus") }
    return (try o.required("A_plus").number(weight), try o.required("A_minus").number(weight))
  }
}
