// SPDX-License-Identifier: Apache-2.0
import Foundation

/// How a weight moves at one pair event: soft weight dependence (Gütig et al. 2003),
/// then hard bounds. ŵ = (w − wMin)/(wMax − wMin);
/// potentiation w + A+·(1 − ŵ)^μ+·x, depression w − A−·ŵ^μ−·y.
struct WeightRule {
  let wMin: Double
  let wMax: Double
  let inverseRange: Double
  let aPlus: Double
  let aMinus: Double
  let muPlus: Double
  let muMinus: Double

  init(bounds: WeightBounds, aPlus: Double, aMinus: Double, muPlus: Double = 0, muMinus: Double = 0) {
    wMin = bounds.wMin
    wMax = bounds.wMax
    inverseRange = bounds.wMax > bounds.wMin ? 1 / (bounds.wMax - bounds.wMin) : 0
    self.aPlus = aPlus
    self.aMinus = aMinus
    self.muPlus = muPlus
    self.muMinus = muMinus
  }

  @inline(__always)
  func clip(_ w: Double) -> Double { min(max(w, wMin), wMax) }

  /// Weight-dependence factor: 1 for μ = 0 (additive), the base itself for μ = 1.
  @inline(__always)
  static func power(_ base: Double, _ mu: Double) -> Double {
    mu == 0 ? 1 : mu == 1 ? base : pow(max(base, 0), mu)
  }

  @inline(__always)
  func potentiate(_ w: Double, _ x: Double) -> Double {
    clip(w + aPlus * Self.power(1 - (w - wMin) * inverseRange, muPlus) * x)
  }

  @inline(__always)
  func depress(_ w: Double, _ y: Double) -> Double {
    clip(w - aMinus * Self.power((w - wMin) * inverseRange, muMinus) * y)
  }
}
