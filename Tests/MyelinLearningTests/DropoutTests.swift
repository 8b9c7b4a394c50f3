// SPDX-License-Identifier: Apache-2.0
import MyelinCore
@testable import MyelinLearning
import Testing

/// Dropout on a projection's input: one mask per sample for all steps, inverted scaling,
/// gradients through the kept inputs only, nothing in evaluation.
struct DropoutTests {
  static let source = Population(name: "a", shape: [500], model: .input)
  static let target = Population(name: "b", shape: [4], model: .sum)

  static func kernel(dropout: Double) throws -> LayerKernel {
    try LayerKernel(Projection(source: "a", target: "b", kind: .dense(bias: true), dropout: dropout), index: 2,
                    source: source, target: target, seed: 11)
  }

  @Test func oneMaskPerSampleForEveryStepScalesTheKeptInputs() throws {
    var dropped = try Self.kernel(dropout: 0.3)
    var plain = try Self.kernel(dropout: 0)
    let (T, B, n) = (3, 6, 500)
    let x = TrainerTests.spikes(T * B * n, density: 0.4, seed: 2)
    let (y, record) = dropped.forward(x, rows: T * B, mode: .auto, training: true, step: 5, batch: B, threads: 1)
    let mask = try #require(record.dropoutMask)
    #expect(mask.count == B * n)
    let zeros = Double(mask.filter { $0 == 0 }.count) / Double(mask.count)
    #expect(zeros > 0.25 && zeros < 0.35, "dropped \(zeros)")
    #expect(mask.allSatisfy { $0 == 0 || $0 == 1 / Float(0.7) })
    // Every step of a sample sees the same mask.
    for t in 0..<T { for i in 0..<(B * n) { #expect(record.droppedInput[t * B * n + i] == x[t * B * n + i] * mask[i]) } }
    // The output is the plain projection's on the masked input.
    let masked = record.droppedInput
    #expect(y == plain.forward(masked, rows: T * B, mode: .auto, training: true, threads: 1).output)
    // The step keys the mask; evaluation drops nothing.
    let again = dropped.forward(x, rows: T * B, mode: .auto, training: true, step: 5, batch: B, threads: 1).record.dropoutMask
    let next = dropped.forward(x, rows: T * B, mode: .auto, training: true, step: 6, batch: B, threads: 1).record.dropoutMask
    #expect(again == mask && next != mask)
    #expect(dropped.forward(x, rows: T * B, mode: .auto, training: false, threads: 1).output
              == plain.forward(x, rows: T * B, mode: .auto, training: false, threads: 1).output)
  }

  @Test func gradientsReachOnlyTheKeptInputs() throws {
    var dropped = try Self.kernel(dropout: 0.5)
    var plain = try Self.kernel(dropout: 0)
    let (T, B, n) = (2, 4, 500)
    let x = TrainerTests.spikes(T * B * n, density: 0.3, seed: 4)
    let g = (0..<(T * B * 4)).map { Float($0 % 7) * 0.1 - 0.3 }
    for mode in [ForwardMode.event, .dense] {
      let (_, r) = dropped.forward(x, rows: T * B, mode: mode, training: true, step: 9, batch: B, threads: 1)
      let mask = try #require(r.dropoutMask)
      let (_, r0) = plain.forward(r.droppedInput, rows: T * B, mode: mode, training: true, threads: 1)
      let a = dropped.backward(x, gradient: g, record: r, rows: T * B, needInput: true, threads: 1)
      let b = plain.backward(r.droppedInput, gradient: g, record: r0, rows: T * B, needInput: true, threads: 1)
      // dL/dW and dL/db from the masked input; dL/dx is the plain one times the mask.
      #expect(a.parameters == b.parameters, "\(mode)")
      let ga = try #require(a.input), gb = try #require(b.input)
      for i in 0..<ga.count { #expect(ga[i] == gb[i] * mask[i % (B * n)]) }
      #expect(ga.contains { $0 != 0 })
      #expect((0..<ga.count).allSatisfy { mask[$0 % (B * n)] != 0 || ga[$0] == 0 })
      // Dropout's time is booked apart from the projection's, in both passes; none without it.
      #expect(r.dropoutSeconds > 0 && a.dropoutSeconds > 0, "\(mode)")
      #expect(r0.dropoutSeconds == 0 && b.dropoutSeconds == 0, "\(mode)")
    }
  }

  @Test func dropoutIsCheckedAsAGraphRule() throws {
    var n = TrainerTests.convGraph()
    n.projections[1].dropout = 0.5  // a pooling projection has no weights
    let error = #expect(throws: ModelError.self) { try n.validate() }
    #expect(error?.description.contains("dropout") == true)
    var m = TrainerTests.convGraph()
    m.projections[2].dropout = 1
    #expect(throws: ModelError.self) { try m.validate() }
    m.projections[2].dropout = 0.2
    try m.validate()
  }
}
