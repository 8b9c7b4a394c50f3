// SPDX-License-Identifier: Apache-2.0

/// How a per-neuron or per-synapse value is chosen: the same everywhere, or drawn.
public enum ValueDistribution: Sendable, Equatable {
  case constant(Double)
  /// Uniform in [min, max).
  case uniform(min: Double, max: Double)
  /// Normal, clipped (clamped) to [min, max] where bounds are given.
  case normal(mean: Double, std: Double, min: Double? = nil, max: Double? = nil)

  /// The value is the same for every element.
  public var constantValue: Double? {
    if case .constant(let v) = self { return v }
    return nil
  }

  /// The smallest and largest value the distribution can produce.
  public var bounds: (min: Double, max: Double) {
    switch self {
    case .constant(let v): (v, v)
    case .uniform(let lo, let hi): (lo, hi)
    case .normal(_, _, let lo, let hi): (lo ?? -.infinity, hi ?? .infinity)
    }
  }

  func validate(_ field: String) throws(ModelError) {
    switch self {
    case .constant(let v): try Check.finite(v, field)
    case .uniform(let lo, let hi):
      try Check.finite(lo, field + ".uniform[0]")
      try Check.finite(hi, field + ".uniform[1]")
      guard lo <= hi, (hi - lo).isFinite else {
        throw ModelError(field: field, problem: "uniform range [\(lo), \(hi)] is empty or too wide",
                         allowed: "min <= max, max - min finite")
      }
    case .normal(let mean, let std, let lo, let hi):
      try Check.finite(mean, field + ".mean")
      try Check.nonNegative(std, field + ".std", unit: "")
      if let lo, let hi, lo > hi {
        throw ModelError(field: field, problem: "clip range [\(lo), \(hi)] is empty",
                         allowed: "min <= max")
      }
    }
  }

  /// One draw from `random`; constants consume no random numbers.
  @inline(__always)
  func sample(_ random: inout RandomSequence) -> Double {
    switch self {
    case .constant(let v): return v
    case .uniform(let lo, let hi): return lo + (hi - lo) * random.nextUniform()
    case .normal(let mean, let std, let lo, let hi):
      var x = mean + std * random.nextNormal()
      if let lo { x = Swift.max(x, lo) }
      if let hi { x = Swift.min(x, hi) }
      return x
    }
  }
}

/// Initial values of a state variable: a distribution, or one value per neuron.
public enum InitialValue: Sendable, Equatable {
  case distribution(ValueDistribution)
  case array([Double])

  public static func constant(_ v: Double) -> InitialValue { .distribution(.constant(v)) }

  func validate(_ field: String, size: Int) throws(ModelError) {
    switch self {
    case .distribution(let d): try d.validate(field)
    case .array(let values):
      guard values.count == size else {
        throw ModelError(field: field, problem: "has \(values.count) values",
                         allowed: "one per neuron: \(size)")
      }
      for (i, v) in values.enumerated() { try Check.finite(v, "\(field)[\(i)]") }
    }
  }
}
