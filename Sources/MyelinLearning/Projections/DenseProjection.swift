// SPDX-License-Identifier: Apache-2.0
import COpenBLAS
import Dispatch
import Foundation
import MyelinCore

/// How a projection computes its forward pass.
public enum ForwardMode: String, Sendable, CaseIterable {
  /// Only the inputs that are non-zero (spikes) add their weight rows.
  case event
  /// One OpenBLAS `sgemm` over all inputs.
  case dense
  /// `event` when the measured input density is below ``DenseProjection/eventThreshold``.
  case auto
}

/// A fully connected projection with bias (a linear layer), Y = X·W + b over M rows
/// (M = T × batch). The weights are stored by source, W[i, o] at `i · outputs + o`, so that a
/// spike of input i adds one contiguous row, as a CSR row of the simulation kernel does.
public struct DenseProjection: Sendable, Equatable {
  public let inputs: Int
  public let outputs: Int
  public var weight: [Float]
  public var bias: [Float]

  /// Below this fraction of non-zero inputs the event path is chosen by `.auto`
  /// (docs/training.md gives the measurement behind it).
  public static let eventThreshold = 0.10

  /// Weights and biases uniform in ±1/√inputs (PyTorch's `nn.Linear` default), from Philox.
  public init(inputs: Int, outputs: Int, seed: UInt64, stream: UInt32 = 0) {
    self.inputs = inputs
    self.outputs = outputs
    let bound = 1 / Double(max(inputs, 1)).squareRoot()
    var random = RandomSequence(philox: Philox(seed: seed), stream: 0x8000_0000 &+ stream, index: 0)
    weight = (0..<inputs * outputs).map { _ in Float((2 * random.nextUniform() - 1) * bound) }
    bias = (0..<outputs).map { _ in Float((2 * random.nextUniform() - 1) * bound) }
  }

  public var parameterCount: Int { weight.count + bias.count }

  /// Outputs per cache block of the event path (512 floats: 2 KB per row).
  static let block = 512

  /// Runs `body` for the start of every output block; with 2 threads, each takes every
  /// other block. The blocks write disjoint outputs, so no result depends on the threads.
  static func forEachBlock(outputs: Int, threads: Int, _ body: (Int) -> Void) {
    let starts = Array(stride(from: 0, to: outputs, by: block))
    guard threads > 1, starts.count > 1 else {
      for lo in starts { body(lo) }
      return
    }
    withoutActuallyEscaping(body) { body in
      // Safe: the two iterations touch disjoint blocks, and concurrentPerform returns only
      // when both are done.
      nonisolated(unsafe) let run = body
      DispatchQueue.concurrentPerform(iterations: 2) { t in
        for k in stride(from: t, to: starts.count, by: 2) { run(starts[k]) }
      }
    }
  }

  /// The non-zero inputs, grouped by input: rows `row[start[i] ..< start[i + 1]]` (ascending)
  /// had input i non-zero, with those values. The forward pass's list serves the backward
  /// pass too (pass it as `active`). A narrow layer (``needsActiveInputs`` false) uses none.
  public struct ActiveInputs: Sendable {
    let start: [Int], row: [Int], value: [Float]
    /// The same entries in row order: row r's are `column[rowEnd[r] ..< rowEnd[r + 1]]`
    /// (ascending) with values `found[…]`.
    let rowEnd: [Int], column: [Int32], found: [Float]
    public init(_ x: [Float], rows m: Int, inputs n: Int) {
      (start, row, value, rowEnd, column, found) = DenseProjection.activeRows(x, rows: m, inputs: n)
    }
  }

  static func activeRows(_ x: [Float], rows m: Int, inputs n: Int)
    -> (start: [Int], row: [Int], value: [Float], rowEnd: [Int], column: [Int32], found: [Float])
  {
    // One pass over the dense input lists the non-zero entries in row order (``SpikeScan``:
    // sixteen values tested at once, no branch per spike). Then a counting sort over that
    // short list groups them by input, rows ascending within each. (Plain pointers: a `var`
    // captured by an escaping context would be checked for exclusive access at every use.)
    let columns = UnsafeMutablePointer<Int32>.allocate(capacity: x.count + 16)  // listNonZero's overrun
    let values = UnsafeMutablePointer<Float>.allocate(capacity: max(x.count, 1))
    let ends = UnsafeMutablePointer<Int>.allocate(capacity: m + 1)
    defer {
      columns.deallocate()
      values.deallocate()
      ends.deallocate()
    }
    let total = x.withUnsafeBufferPointer { xb -> Int in
      var k = 0
      ends[0] = 0
      let positions = SpikeScan.bitPositions
      for r in 0..<m {
        let line = xb.baseAddress! + r * n
        let found = SpikeScan.listNonZero(line, count: n, into: columns + k, positions: positions)
        for e in k..<k + found { values[e] = line[Int(columns[e])] }
        k += found
        ends[r + 1] = k
      }
      return k
    }
    let column = Array(UnsafeBufferPointer(start: columns, count: total))
    let found = Array(UnsafeBufferPointer(start: values, count: total))
    let rowEnd = Array(UnsafeBufferPointer(start: ends, count: m + 1))
    var start = [Int](repeating: 0, count: n + 1)
    var row = [Int](repeating: 0, count: total), value = [Float](repeating: 0, count: total)
    start.withUnsafeMutableBufferPointer { sb in
      row.withUnsafeMutableBufferPointer { rb in
        value.withUnsafeMutableBufferPointer { vb in
          for e in 0..<total { sb[Int(columns[e]) + 1] += 1 }
          for i in 0..<n { sb[i + 1] += sb[i] }
          let cursor = UnsafeMutablePointer<Int>.allocate(capacity: max(n, 1))
          defer { cursor.deallocate() }
          cursor.initialize(from: sb.baseAddress!, count: n)
          for r in 0..<m {
            for e in ends[r]..<ends[r + 1] {
              let i = Int(columns[e])
              rb[cursor[i]] = r
              vb[cursor[i]] = values[e]
              cursor[i] += 1
            }
          }
        }
      }
    }
    return (start, row, value, rowEnd, column, found)
  }

  /// Whether the event path of this layer works from ``ActiveInputs``: heads of at most
  /// 16 outputs scan their input directly (``Narrow``).
  public var needsActiveInputs: Bool { !Narrow.takes(self) }

  /// Fraction of non-zero values.
  public static func density(_ x: [Float]) -> Double {
    x.isEmpty ? 0 : Double(nonZeroCount(x)) / Double(x.count)
  }

  /// Number of non-zero values (NaN included, −0 not).
  public static func nonZeroCount(_ x: [Float]) -> Int {
    x.withUnsafeBufferPointer { xb in xb.baseAddress.map { SpikeScan.nonZeroCount($0, count: xb.count) } ?? 0 }
  }

  /// `mode`, with `.auto` decided by the input's density against `threshold`. `nonZero`,
  /// when the caller has counted the input's non-zero values already, saves a pass over it.
  public static func resolve(_ mode: ForwardMode, input x: [Float], nonZero: Int? = nil,
                             threshold: Double = eventThreshold) -> ForwardMode {
    guard mode == .auto else { return mode }
    let density = x.isEmpty ? 0 : Double(nonZero ?? nonZeroCount(x)) / Double(x.count)
    return density < threshold ? .event : .dense
  }

  /// Y [rows, outputs] for X [rows, inputs].
  public func forward(_ x: [Float], rows m: Int, mode: ForwardMode = .auto, threads: Int = 1, active given: ActiveInputs? = nil)
    -> [Float]
  {
    precondition(x.count == m * inputs, "DenseProjection.forward: input has \(x.count) values, not rows × inputs")
    var y = [Float](repeating: 0, count: m * outputs)
    for r in 0..<m { y.replaceSubrange(r * outputs..<(r + 1) * outputs, with: bias) }
    guard m > 0, inputs > 0, outputs > 0 else { return y }
    switch Self.resolve(mode, input: x) {
    case .event, .auto:
      if Narrow.takes(self) {
        Narrow.forward(self, x, rows: m, into: &y)
        return y
      }
      let active = given ?? ActiveInputs(x, rows: m, inputs: inputs)
      weight.withUnsafeBufferPointer { w in
        y.withUnsafeMutableBufferPointer { out in
          // Input-major over blocks of outputs: each weight row is read once per block and
          // added to the output rows where its input fired, which stay in cache. Blocks
          // are independent (disjoint outputs), so threads take alternate blocks and every
          // value is summed in the same order whatever the thread count.
          Self.forEachBlock(outputs: outputs, threads: threads) { lo in
            let width = min(Self.block, outputs - lo)
            for i in 0..<inputs {
              let source = w.baseAddress! + i * outputs + lo
              for e in active.start[i]..<active.start[i + 1] {
                let row = out.baseAddress! + active.row[e] * outputs + lo
                let v = active.value[e]
                // A spike (v = 1) adds the row; a small integer (a residual sum) scales it.
                if v == 1 {
                  RowAdd.add(source, to: row, count: width)
                } else {
                  RowAdd.add(v, times: source, to: row, count: width)
                }
              }
            }
          }
        }
      }
    case .dense:
      x.withUnsafeBufferPointer { xb in
        weight.withUnsafeBufferPointer { wb in
          y.withUnsafeMutableBufferPointer { yb in
            nonisolated(unsafe) let (xp, wp, yp) = (xb.baseAddress!, wb.baseAddress!, yb.baseAddress!)
            let (n, k) = (outputs, inputs)
            RowHalves.run(m, threads: threads) { _, rows in
              guard !rows.isEmpty else { return }
              cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows.count), Int32(n), Int32(k), 1,
                          xp + rows.lowerBound * k, Int32(k), wp, Int32(n), 1, yp + rows.lowerBound * n, Int32(n))
            }
          }
        }
      }
    }
    return y
  }

  /// Gradients for X, W and b from dL/dY [rows, outputs]. With the event path, only the
  /// rows of inputs that were non-zero accumulate into dL/dW.
  public func backward(_ x: [Float], gradient gy: [Float], rows m: Int, mode: ForwardMode = .auto, threads: Int = 1,
                       active given: ActiveInputs? = nil) -> (input: [Float], weight: [Float], bias: [Float])
  {
    precondition(x.count == m * inputs && gy.count == m * outputs, "DenseProjection.backward: shapes do not match")
    var gw = [Float](repeating: 0, count: inputs * outputs)
    var gb = [Float](repeating: 0, count: outputs)
    guard m > 0, inputs > 0, outputs > 0 else { return ([Float](repeating: 0, count: m * inputs), gw, gb) }
    var gx = [Float](uninitializedCount: m * inputs)  // the sgemm below writes every value (β = 0)
    for r in 0..<m { for o in 0..<outputs { gb[o] += gy[r * outputs + o] } }
    // dL/dX = dL/dY · Wᵀ is dense whatever the input.
    gy.withUnsafeBufferPointer { gb in
      weight.withUnsafeBufferPointer { wb in
        gx.withUnsafeMutableBufferPointer { xb in
          nonisolated(unsafe) let (gp, wp, xp) = (gb.baseAddress!, wb.baseAddress!, xb.baseAddress!)
          let (n, k) = (outputs, inputs)
          RowHalves.run(m, threads: threads) { _, rows in
            guard !rows.isEmpty else { return }
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows.count), Int32(k), Int32(n), 1,
                        gp + rows.lowerBound * n, Int32(n), wp, Int32(n), 0, xp + rows.lowerBound * k, Int32(k))
          }
        }
      }
    }
    switch Self.resolve(mode, input: x) {
    case .event, .auto:
      if Narrow.takes(self) {
        Narrow.weightGradient(self, x, gradient: gy, rows: m, into: &gw)
        break
      }
      let active = given ?? ActiveInputs(x, rows: m, inputs: inputs)
      gy.withUnsafeBufferPointer { g in
        gw.withUnsafeMutableBufferPointer { out in
          Self.forEachBlock(outputs: outputs, threads: threads) { lo in
            let width = min(Self.block, outputs - lo)
            for i in 0..<inputs where active.start[i] < active.start[i + 1] {
              let row = out.baseAddress! + i * outputs + lo
              for e in active.start[i]..<active.start[i + 1] {
                let source = g.baseAddress! + active.row[e] * outputs + lo
                let v = active.value[e]
                RowAdd.add(v, times: source, to: row, count: width)
              }
            }
          }
        }
      }
    case .dense:
      // dL/dW = Xᵀ · dL/dY, summed per half of the rows, then added.
      var other = [Float](repeating: 0, count: inputs * outputs)
      x.withUnsafeBufferPointer { xb in
        gy.withUnsafeBufferPointer { gb in
          gw.withUnsafeMutableBufferPointer { w0 in
            other.withUnsafeMutableBufferPointer { w1 in
              nonisolated(unsafe) let (xp, gp, parts) = (xb.baseAddress!, gb.baseAddress!, [w0.baseAddress!, w1.baseAddress!])
              let (n, k) = (outputs, inputs)
              RowHalves.run(m, threads: threads) { half, rows in
                guard !rows.isEmpty else { return }
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(k), Int32(n), Int32(rows.count), 1,
                            xp + rows.lowerBound * k, Int32(k), gp + rows.lowerBound * n, Int32(n), 0, parts[half], Int32(n))
              }
            }
          }
        }
      }
      for i in gw.indices { gw[i] += other[i] }
    }
    return (gx, gw, gb)
  }
}
