// SPDX-License-Identifier: Apache-2.0

/// A group of neurons sharing one model; the nodes of a ``Network``.
public struct Population: Sendable, Equatable {
  public var name: String
  public var size: Int
  public var model: NeuronModel
  /// Initial values of state variables; unlisted ones start at rest.
  public var initial: [StateVariable: InitialValue]
  /// External drive: currents and Poisson input applied to every neuron.
  public var stimuli: [Stimulus]
  /// The layout of the neurons, outermost first: [C, H, W] for a feature map, [n] by
  /// default. Layer projections (conv2d, pool) read it; the product equals `size`.
  public var shape: [Int]

  /// A deep-SNN node (``NeuronModel/isLayerNode``) with a shape such as [C, H, W].
  public init(name: String, shape: [Int], model: NeuronModel) {
    self.init(name: name, size: Population.elements(shape) ?? Int.max, model: model)
    self.shape = shape
  }

  /// The number of neurons a shape holds; nil if the product overflows.
  static func elements(_ shape: [Int]) -> Int? {
    var n = 1
    for extent in shape {
      let (product, overflow) = n.multipliedReportingOverflow(by: extent)
      if overflow { return nil }
      n = product
    }
    return n
  }

  public init(
    name: String, size: Int, model: NeuronModel,
    initial: [StateVariable: InitialValue] = [:], stimuli: [Stimulus] = []
  ) {
    self.name = name
    self.size = size
    self.model = model
    self.initial = initial
    self.stimuli = stimuli
    shape = [size]
  }

  /// Largest population: local indices, times channels, must fit the 32-bit synapse index.
  public static let maximumSize = 1 << 30
  public static let maximumStimuli = 4096

  func validate(_ field: String) throws(ModelError) {
    guard !name.isEmpty else {
      throw ModelError(field: field + ".name", problem: "is empty", allowed: "a non-empty name")
    }
    guard size >= 1, size <= Population.maximumSize else {
      throw ModelError(field: field + ".size", problem: "is \(size)",
                       allowed: "1...\(Population.maximumSize) neurons")
    }
    guard !shape.isEmpty, shape.allSatisfy({ $0 >= 1 }),
      Population.elements(shape) == size
    else {
      throw ModelError(field: field + ".shape", problem: "is \(shape) for \(size) neurons",
                       allowed: "positive extents whose product is the size")
    }
    try model.validate(field, size: size)
    for (variable, value) in initial.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
      guard model.stateVariables.contains(variable) else {
        throw ModelError(
          field: "\(field).initial.\(variable.rawValue)",
          problem: "is not a state variable of \(model.name)",
          allowed: model.stateVariables.map(\.rawValue).joined(separator: ", "))
      }
      try value.validate("\(field).initial.\(variable.rawValue)", size: size)
    }
    guard stimuli.count <= Population.maximumStimuli else {
      throw ModelError(field: field + ".stimuli", problem: "has \(stimuli.count) entries",
                       allowed: "at most \(Population.maximumStimuli)")
    }
    for (i, stimulus) in stimuli.enumerated() {
      if model.isSource {
        throw ModelError(field: "\(field).stimuli[\(i)]",
                         problem: "\(model.name) populations take no stimuli",
                         allowed: "stimuli on iaf_* populations only")
      }
      try stimulus.validate("\(field).stimuli[\(i)]")
    }
  }
}

/// External input to each neuron of a population.
public enum Stimulus: Sendable, Equatable {
  /// Constant current (pA) during steps whose start t lies in [start, stop).
  case dc(amplitude: Double, start: Double = 0, stop: Double = .infinity)
  /// Piecewise-constant current (pA): `amplitudes[k]` from `times[k]` until the next time.
  case stepCurrent(times: [Double], amplitudes: [Double])
  /// An independent Poisson train per neuron at `rate` (Hz), each spike adding `weight`
  /// in the model's synaptic unit; the sign picks the receptor, as for projections.
  case poisson(rate: Double, weight: Double)

  func validate(_ field: String) throws(ModelError) {
    switch self {
    case .dc(let amplitude, let start, let stop):
      try Check.finite(amplitude, field + ".amplitude")
      try Check.nonNegative(start, field + ".start", unit: "ms")
      guard stop > start else {
        throw ModelError(field: field + ".stop", problem: "is \(stop), not after start \(start)",
                         allowed: "stop > start")
      }
    case .stepCurrent(let times, let amplitudes):
      guard times.count == amplitudes.count else {
        throw ModelError(
          field: field, problem: "has \(times.count) times and \(amplitudes.count) amplitudes",
          allowed: "equal lengths")
      }
      for (k, t) in times.enumerated() {
        try Check.nonNegative(t, "\(field).times[\(k)]", unit: "ms")
        if k > 0, t <= times[k - 1] {
          throw ModelError(field: "\(field).times[\(k)]", problem: "is not increasing",
                           allowed: "strictly increasing times")
        }
      }
      for (k, a) in amplitudes.enumerated() { try Check.finite(a, "\(field).amplitudes[\(k)]") }
    case .poisson(let rate, let weight):
      try Check.nonNegative(rate, field + ".rate", unit: "Hz")
      try Check.finite(weight, field + ".weight")
    }
  }
}
