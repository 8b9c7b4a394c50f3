// SPDX-License-Identifier: Apache-2.0

/// The scalar type of neuron state and weights: `Float` by default, `Double` on request.
/// Every kernel is generic over it, so both precisions run the same code (DESIGN.md §1).
public protocol SimulationScalar: BinaryFloatingPoint, SIMDScalar, Sendable, Codable {
  init(_ value: Double)
  /// The start of the first block of `scanWidth` values in [from, to) holding a value
  /// ≥ `threshold`, or the start of the incomplete tail block if none does.
  ///
  /// Written per concrete type, and kept out of line, because the vector compare was
  /// measured to degrade to a lane-by-lane loop when generic or inlined into the step.
  static func firstCrossingBlock(
    _ values: UnsafePointer<Self>, from: Int, to: Int, threshold: Self
  ) -> Int
  static var scanWidth: Int { get }

  /// One iaf_psc_exp step for neurons [lo, hi) in a single pass (IntegrateKernels.pscExp
  /// says what it computes). Written per concrete type with explicit vectors, because the
  /// compiler vectorises the generic loop only when split into passes.
  static func pscExpStep(
    v: UnsafeMutablePointer<Self>, iEx: UnsafeMutablePointer<Self>, iIn: UnsafeMutablePointer<Self>,
    inEx: UnsafeMutablePointer<Self>, inIn: UnsafeMutablePointer<Self>, lo: Int, hi: Int,
    p: PscExpPropagators<Self>, drive: Self)
}

extension Float: SimulationScalar {
  public static var scanWidth: Int { 16 }
  @inline(never)
  public static func firstCrossingBlock(
    _ values: UnsafePointer<Float>, from: Int, to: Int, threshold: Float
  ) -> Int {
    let limit = SIMD16<Float>(repeating: threshold)
    var n = from
    while n &+ 16 <= to {
      let lanes = UnsafeRawPointer(values + n).loadUnaligned(as: SIMD16<Float>.self)
      if any(lanes .>= limit) { return n }
      n &+= 16
    }
    return n
  }
}

extension Float {
  @inline(never)
  public static func pscExpStep(
    v: UnsafeMutablePointer<Float>, iEx: UnsafeMutablePointer<Float>,
    iIn: UnsafeMutablePointer<Float>, inEx: UnsafeMutablePointer<Float>,
    inIn: UnsafeMutablePointer<Float>, lo: Int, hi: Int, p: PscExpPropagators<Float>, drive: Float
  ) {
    IntegrateKernels.pscExpBlocks(
      SIMD16<Float>.self, v: v, iEx: iEx, iIn: iIn, inEx: inEx, inIn: inIn, lo: lo, hi: hi, p: p,
      drive: drive)
  }
}

extension Double {
  @inline(never)
  public static func pscExpStep(
    v: UnsafeMutablePointer<Double>, iEx: UnsafeMutablePointer<Double>,
    iIn: UnsafeMutablePointer<Double>, inEx: UnsafeMutablePointer<Double>,
    inIn: UnsafeMutablePointer<Double>, lo: Int, hi: Int, p: PscExpPropagators<Double>,
    drive: Double
  ) {
    IntegrateKernels.pscExpBlocks(
      SIMD8<Double>.self, v: v, iEx: iEx, iIn: iIn, inEx: inEx, inIn: inIn, lo: lo, hi: hi, p: p,
      drive: drive)
  }
}

extension Double: SimulationScalar {
  public static var scanWidth: Int { 8 }
  @inline(never)
  public static func firstCrossingBlock(
    _ values: UnsafePointer<Double>, from: Int, to: Int, threshold: Double
  ) -> Int {
    let limit = SIMD8<Double>(repeating: threshold)
    var n = from
    while n &+ 8 <= to {
      let lanes = UnsafeRawPointer(values + n).loadUnaligned(as: SIMD8<Double>.self)
      if any(lanes .>= limit) { return n }
      n &+= 8
    }
    return n
  }
}

/// The five phases of one time step, in execution order. This list is the only place the
/// order is written down; ``Engine/advance(part:step:)`` walks it.
public enum Phase: CaseIterable, Sendable {
  /// Populations advance their state with this step's inputs (exact propagators).
  case integrate
  /// Threshold, reset and refractoriness produce the step's sorted spike list.
  case emit
  /// Plasticity rules update traces and weights for this step's spikes. It runs before
  /// *deliver*, so that a spike is transmitted with the weight its own update left, as in
  /// NEST (docs/concepts.md, Plasticity, says why this order and what it changes).
  case learn
  /// Projections push each spike's synapses into the target's ring buffer at t + delay.
  case deliver
  /// Monitors copy what they observe.
  case record
}
