// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Surrogate gradients: the forward pass fires with the Heaviside step Θ(x) (x = H − V_th,
/// firing at x ≥ 0), the backward pass uses the derivative of a smooth primitive g(x)
/// instead of Θ's. Definitions follow SpikingJelly's `surrogate.py`.
public enum Surrogate: Sendable, Equatable {
  /// g(x) = σ(αx); g'(x) = α·σ(αx)·(1 − σ(αx)). SpikingJelly's default, α = 4.
  case sigmoid(alpha: Float)
  /// g(x) = arctan(π/2·αx)/π + 1/2; g'(x) = (α/2) / (1 + (π/2·αx)²). α = 2 by default.
  case atan(alpha: Float)
  /// Triangle (SpikingJelly's `PiecewiseQuadratic`): g'(x) = α − α²|x| for |x| < 1/α, else 0.
  case triangle(alpha: Float)

  public static let standard = Surrogate.sigmoid(alpha: 4)

  /// The primitive g(x), whose derivative the backward pass uses (for tests and plots).
  public func primitive(_ x: Float) -> Float {
    switch self {
    case .sigmoid(let a): return 1 / (1 + Foundation.exp(-a * x))
    case .atan(let a): return Foundation.atan(Float.pi / 2 * a * x) / Float.pi + 0.5
    case .triangle(let a):
      if x < -1 / a { return 0 }
      if x > 1 / a { return 1 }
      return x < 0 ? a * a * x * x / 2 + a * x + 0.5 : -a * a * x * x / 2 + a * x + 0.5
    }
  }

  @inlinable @inline(__always)
  public func derivative(_ x: Float) -> Float {
    switch self {
    case .sigmoid(let a):
      return Self.sigmoidDerivative(x, alpha: a)
    case .atan(let a):
      let u = Float.pi / 2 * a * x
      return a / 2 / (1 + u * u)
    case .triangle(let a):
      return max(0, a - a * a * abs(x))
    }
  }

  /// α·σ(αx)·(1 − σ(αx)), with ``vectorExp(_:)``: plain arithmetic, so that loops over
  /// neurons vectorise (`Foundation.exp` is a call per value).
  @inlinable @inline(__always)
  public static func sigmoidDerivative(_ x: Float, alpha a: Float) -> Float {
    let s = 1 / (1 + vectorExp(-a * x))
    return a * s * (1 - s)
  }

  /// e^x for Float within 2 ulp over the whole range (clamped to [−87, 88]), written with
  /// operations every SIMD unit has: Cody–Waite reduction x = n·ln 2 + r, |r| ≤ ln 2 / 2,
  /// n rounded by the 1.5·2²³ trick (SSE2 has no round instruction; the sum's bits then hold n), a degree-6 polynomial
  /// for e^r, and 2ⁿ built in the exponent bits.
  @inlinable @inline(__always)
  public static func vectorExp(_ x: Float) -> Float {
    let x = min(max(x, -87), 88)
    let shift: Float = 12_582_912  // 1.5·2²³: adding it rounds to an integer
    let t = x * 1.442_695_04 + shift
    let n = t - shift
    let r = (x - n * 0.693_359_375) - n * -2.121_944_4e-4
    var p: Float = 1.987_569_1e-4
    p = p * r + 1.398_199_9e-3
    p = p * r + 8.333_452e-3
    p = p * r + 4.166_579_6e-2
    p = p * r + 1.666_666_5e-1
    p = p * r + 0.5
    let er = (p * r * r + r) + 1
    // t's low mantissa bits hold n + 2²²: integer n without a (trapping) conversion.
    let exponent = (t.bitPattern &- shift.bitPattern &+ 127) << 23
    return er * Float(bitPattern: exponent)
  }

  func validate(_ field: String) throws(ModelError) {
    let alpha: Float
    switch self {
    case .sigmoid(let a), .atan(let a), .triangle(let a): alpha = a
    }
    guard alpha.isFinite, alpha > 0 else {
      throw ModelError(field: field + ".alpha", problem: "is \(alpha)", allowed: "finite α > 0")
    }
  }
}
