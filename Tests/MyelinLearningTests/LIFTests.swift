// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore
import MyelinLearning
import Testing

/// Multi-step LIF/IF/PLIF nodes and surrogate gradients.
struct LIFTests {
  /// Each surrogate's derivative is the derivative of its primitive (central differences
  /// in the primitive's formula), and the primitive is a smoothed step.
  @Test(arguments: [Surrogate.sigmoid(alpha: 4), .atan(alpha: 2), .triangle(alpha: 1)])
  func surrogateDerivativeMatchesItsPrimitive(surrogate: Surrogate) {
    for x in stride(from: -2.0 as Float, through: 2.0, by: 0.173) {
      let h: Float = 1e-3
      let numeric = (surrogate.primitive(x + h) - surrogate.primitive(x - h)) / (2 * h)
      #expect(abs(numeric - surrogate.derivative(x)) < 2e-3, "\(surrogate) at \(x)")
    }
    #expect(surrogate.primitive(-10) < 0.05 && surrogate.primitive(10) > 0.95)
    #expect(abs(surrogate.primitive(0) - 0.5) < 1e-6)
  }

  @Test func surrogateFormulas() {
    // SpikingJelly: sigmoid α σ(αx)(1 − σ(αx)); atan (α/2)/(1 + (π/2 αx)²); triangle α − α²|x|.
    #expect(abs(Surrogate.sigmoid(alpha: 4).derivative(0) - 1) < 1e-6)
    #expect(abs(Surrogate.atan(alpha: 2).derivative(0) - 1) < 1e-6)
    #expect(abs(Surrogate.atan(alpha: 2).derivative(1) - 1 / (1 + Float.pi * Float.pi)) < 1e-6)
    #expect(Surrogate.triangle(alpha: 2).derivative(0.25) == 1)
    #expect(Surrogate.triangle(alpha: 2).derivative(0.6) == 0)
  }

  /// Forward: SpikingJelly's equations with τ = 2, V_reset = 0, V_th = 1 on hand-picked
  /// inputs (H = 0.5 V + 0.5 X).
  @Test func forwardMatchesTheEquations() {
    let node = LIFNode()
    // One neuron, four steps: X = 1.5, 1.5, 0.2, 3.
    let record = node.forward([1.5, 1.5, 0.2, 3], steps: 4)
    // H: 0.75 (no spike), 0.375 + 0.75 = 1.125 (spike, V = 0), 0.1, 0.05 + 1.5 = 1.55 (spike)
    let h: [Float] = [0.75, 1.125, 0.1, 1.55]
    for t in 0..<4 { #expect(abs(record.h[t] - h[t]) < 1e-6) }
    #expect(record.spikes == [0, 1, 0, 1])
    // Firing at equality, soft reset, IF.
    #expect(LIFNode(kind: .integrateAndFire).forward([1], steps: 1).spikes == [1])
    let soft = LIFNode(kind: .integrateAndFire, reset: nil).forward([1.5, 0.2], steps: 2)
    #expect(soft.spikes == [1, 0] && abs(soft.h[1] - 0.7) < 1e-6)
  }

  /// The Trainer's time-inner loop (V in registers across steps) and the simulation's
  /// step-by-step loop give the same bits, for every flag combination, over whole groups of
  /// sixteen neurons and a tail; a scalar loop written here checks the values.
  @Test func allStepsAtOnceEqualStepByStep() {
    let nodes = [LIFNode(), LIFNode(decayInput: false), LIFNode(reset: nil), LIFNode(decayInput: false, reset: 0.2),
                 LIFNode(kind: .integrateAndFire), LIFNode(kind: .integrateAndFire, reset: nil),
                 LIFNode(kind: .lif(tau: 3), threshold: 0.5, reset: -0.1)]
    let (T, n) = (5, 37)
    var random = RandomSequence(philox: Philox(seed: 12), stream: 1, index: 0)
    let x = (0..<T * n).map { _ in Float(random.nextNormal()) }
    for node in nodes {
      let k = node.factor(0), vr = node.reset ?? 0
      let record = node.forward(x, steps: T)
      // The count made in registers, on one thread and on two (halves of 18 and 19 neurons).
      let fired = record.spikes.filter { $0 != 0 }.count
      #expect(fired > 0 && record.spikeCount == fired, "\(node)")
      #expect(node.forward(x, steps: T, threads: 2, keepingCharge: false).spikeCount == fired, "\(node)")
      var v = [Float](repeating: vr, count: n), h = [Float](repeating: 0, count: n), s = h
      var scalarV = v
      for t in 0..<T {
        x.withUnsafeBufferPointer { xb in
          node.advance(0..<n, input: xb.baseAddress! + t * n, charge: &h, spikes: &s, potential: &v, factor: k)
        }
        #expect(Array(record.h[(t * n)..<((t + 1) * n)]) == h && Array(record.spikes[(t * n)..<((t + 1) * n)]) == s, "\(node)")
        for i in 0..<n {
          let vi = scalarV[i], xi = x[t * n + i]
          let hi = node.kind == .integrateAndFire ? vi + xi : node.decayInput ? vi + (xi - (vi - vr)) * k : vi - (vi - vr) * k + xi
          let si: Float = hi >= node.threshold ? 1 : 0
          #expect(abs(hi - h[i]) < 1e-6 && si == s[i])
          scalarV[i] = node.reset == nil ? hi - node.threshold * si : hi * (1 - si) + vr * si
        }
      }
    }
    #expect(LIFNode().forward(x, steps: T, keepingCharge: false).spikes == LIFNode().forward(x, steps: T).spikes)
  }

  /// The vectorised backward pass of the common node (decay_input, hard reset, detach_reset:
  /// sixteen neurons at a time, time innermost) against BPTT written out here, per
  /// surrogate, over whole groups of sixteen and a tail.
  @Test(arguments: [Surrogate.sigmoid(alpha: 4), .atan(alpha: 2), .triangle(alpha: 1)])
  func commonNodeBackwardMatchesBPTT(surrogate: Surrogate) {
    let node = LIFNode(kind: .lif(tau: 2), threshold: 1, reset: 0, detachReset: true, surrogate: surrogate)
    let (T, n) = (5, 37), k = node.factor(0)
    var random = RandomSequence(philox: Philox(seed: 13), stream: 2, index: 0)
    let x = (0..<T * n).map { _ in Float(random.nextNormal() + 0.5) }
    let gS = (0..<T * n).map { _ in Float(random.nextNormal()) }
    let record = node.forward(x, steps: T)
    let gX = node.backward(record, input: x, gradient: gS, steps: T).input
    for i in 0..<n {
      var gV: Float = 0
      for t in stride(from: T - 1, through: 0, by: -1) {
        let dS = surrogate.derivative(record.h[t * n + i] - 1)
        let gH = gS[t * n + i] * dS + gV * (1 - record.spikes[t * n + i])
        #expect(abs(gX[t * n + i] - gH * k) <= 1e-6 * max(1, abs(gH)), "neuron \(i), step \(t)")
        gV = gH * (1 - k)
      }
    }
  }

  /// BPTT against three steps unrolled by hand, with the reset path included
  /// (detach_reset = false), for one neuron that fires at step 2.
  @Test func backwardMatchesAThreeStepUnrolling() {
    let node = LIFNode(kind: .lif(tau: 2), threshold: 1, reset: 0, detachReset: false)
    let x: [Float] = [1.2, 1.6, 0.4]
    let g: [Float] = [0.3, -0.7, 1.1]  // dL/dS[t]
    let record = node.forward(x, steps: 3)
    let (gx, _) = node.backward(record, input: x, gradient: g, steps: 3)
    // Unrolled: H1 = X1/2; S1 = Θ(H1 − 1); V1 = H1(1 − S1)
    //           H2 = V1/2 + X2/2; S2; V2 = H2(1 − S2); H3 = V2/2 + X3/2; S3.
    let sg = { (h: Float) in Surrogate.standard.derivative(h - 1) }
    let h1 = x[0] / 2, s1: Float = h1 >= 1 ? 1 : 0
    let v1 = h1 * (1 - s1)
    let h2 = v1 / 2 + x[1] / 2, s2: Float = h2 >= 1 ? 1 : 0
    let v2 = h2 * (1 - s2)
    let h3 = v2 / 2 + x[2] / 2
    #expect(record.spikes == [s1, s2, 0] && s2 == 1)
    // dV/dH = (1 − S) + (V_reset − H)·sg(H)
    let dv1 = (1 - s1) - h1 * sg(h1), dv2 = (1 - s2) - h2 * sg(h2)
    let gh3 = g[2] * sg(h3)
    let gh2 = g[1] * sg(h2) + gh3 * 0.5 * dv2
    let gh1 = g[0] * sg(h1) + gh2 * 0.5 * dv1
    let want = [gh1 * 0.5, gh2 * 0.5, gh3 * 0.5]
    for t in 0..<3 { #expect(abs(gx[t] - want[t]) < 1e-6, "step \(t): \(gx[t]) vs \(want[t])") }
    // With detach_reset the reset term drops out of dV/dH.
    let detached = LIFNode(kind: .lif(tau: 2), threshold: 1, reset: 0, detachReset: true)
    let (gd, _) = detached.backward(detached.forward(x, steps: 3), input: x, gradient: g, steps: 3)
    let gh2d = g[1] * sg(h2) + gh3 * 0.5 * (1 - s2)
    #expect(abs(gd[1] - gh2d * 0.5) < 1e-6)
  }

  /// PLIF's gradient for w (k = σ(w)) matches a central difference of a smooth loss through
  /// the membrane potential (no spike occurs, so the loss is differentiable).
  @Test func plifParameterGradient() {
    let node = LIFNode(kind: .plif(initialTau: 3), threshold: 2)
    let x: [Float] = [0.5, -0.2, 0.9, 0.4, 0.1, 0.7]  // 2 neurons × 3 steps
    // A loss that reads H through the surrogate's primitive: L = Σ c[t]·g(H[t] − V_th).
    let c: [Float] = [0.2, -0.5, 1.0, 0.3, 0.8, -0.4]
    let sur = Surrogate.standard
    func loss(_ w: Float) -> Double {
      let r = node.forward(x, steps: 3, parameter: w)
      #expect(!r.spikes.contains(1))
      return zip(r.h, c).reduce(0.0) { $0 + Double($1.1) * Double(sur.primitive($1.0 - 2)) }
    }
    let w = node.initialParameter
    #expect(abs(1 / (1 + exp(-w)) - 1 / 3) < 1e-6)
    let record = node.forward(x, steps: 3, parameter: w)
    let (_, gw) = node.backward(record, input: x, gradient: c, steps: 3, parameter: w)
    let h: Float = 1e-2
    let numeric = (loss(w + h) - loss(w - h)) / Double(2 * h)
    #expect(abs(numeric) > 1e-4, "the loss depends on w")
    #expect(abs(Double(gw) - numeric) < 1e-2 * abs(numeric), "analytic \(gw), numeric \(numeric)")
  }
}

/// The vectorisable exponential behind the sigmoid surrogate, against the double-precision one.
struct VectorExpTests {
  @Test func matchesExpToTwoUnitsInTheLastPlace() {
    var worst: Double = 0
    for k in -8700...8800 {
      let x = Float(k) / 100
      let exact = Foundation.exp(Double(x))
      let ulp = Double(Float(exact).ulp)
      worst = max(worst, abs(Double(Surrogate.vectorExp(x)) - exact) / ulp)
    }
    #expect(worst <= 2, "worst error \(worst) ulp")
    #expect(Surrogate.vectorExp(0) == 1 && Surrogate.vectorExp(-200) > 0 && Surrogate.vectorExp(200).isFinite)
    let d = Surrogate.sigmoidDerivative(0.3, alpha: 4)
    let s = 1 / (1 + Foundation.exp(-1.2))
    #expect(abs(Double(d) - 4 * s * (1 - s)) < 1e-6)
  }
}
