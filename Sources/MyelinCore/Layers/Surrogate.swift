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
      let s = 1 / (1 + Foundation.exp(-a * x))
      return a * s * (1 - s)
    case .atan(let a):
      let u = Float.pi / 2 * a * x
      return a / 2 / (1 + u * u)
    case .triangle(let a):
      return max(0, a - a * a * abs(x))
    }
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
