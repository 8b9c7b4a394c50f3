// SPDX-License-Identifier: Apache-2.0

extension DenseProjection {
  /// The event path of a layer with at most 16 outputs (a classifier head: 2048 → 10).
  /// There a spike's weight row is shorter than one vector, and looping over it per spike
  /// costs more than `sgemm` spends on the whole layer. Rows zero-padded to 16 lanes are
  /// added whole, in registers, instead. The sums run in the same order as the wide path's
  /// (inputs ascending for each output row, rows ascending for each weight row), so the
  /// values are the same bits.
  enum Narrow {
    static let width = 16

    /// `count` rows of `length` values, each padded with zeros to 16 lanes.
    static func padded(_ values: UnsafePointer<Float>, rows count: Int, length: Int) -> [Float] {
      var out = [Float](repeating: 0, count: count * width)
      out.withUnsafeMutableBufferPointer { o in
        for r in 0..<count { (o.baseAddress! + r * width).update(from: values + r * length, count: length) }
      }
      return out
    }

    @inline(__always)
    static func lanes(_ p: UnsafePointer<Float>, _ row: Int) -> SIMD16<Float> {
      UnsafeRawPointer(p + row * width).loadUnaligned(as: SIMD16<Float>.self)
    }

    /// Writes the first `count` lanes of `v` to `out`.
    @inline(__always)
    static func store(_ v: SIMD16<Float>, count: Int, to out: UnsafeMutablePointer<Float>) {
      withUnsafeBytes(of: v) { out.update(from: $0.baseAddress!.assumingMemoryBound(to: Float.self), count: count) }
    }

    /// y = bias + Σ over row r's active inputs of value · W[i], row by row.
    static func forward(_ p: DenseProjection, _ active: ActiveInputs, rows m: Int, into y: inout [Float]) {
      let k = p.outputs
      let weights = p.weight.withUnsafeBufferPointer { padded($0.baseAddress!, rows: p.inputs, length: k) }
      let bias = p.bias.withUnsafeBufferPointer { padded($0.baseAddress!, rows: 1, length: k) }
      weights.withUnsafeBufferPointer { wb in
        bias.withUnsafeBufferPointer { bb in
          active.rowEnd.withUnsafeBufferPointer { ends in
            active.column.withUnsafeBufferPointer { columns in
              active.found.withUnsafeBufferPointer { values in
                y.withUnsafeMutableBufferPointer { yb in
                  let w = wb.baseAddress!
                  for r in 0..<m {
                    var sum = lanes(bb.baseAddress!, 0)
                    for e in ends[r]..<ends[r + 1] { sum += values[e] * lanes(w, Int(columns[e])) }
                    store(sum, count: k, to: yb.baseAddress! + r * k)
                  }
                }
              }
            }
          }
        }
      }
    }

    /// dL/dW[i] = Σ over the rows where input i was active of value · dL/dY[r].
    static func weightGradient(_ p: DenseProjection, _ active: ActiveInputs, gradient gy: [Float], rows m: Int,
                               into gw: inout [Float]) {
      let k = p.outputs
      let rows = gy.withUnsafeBufferPointer { padded($0.baseAddress!, rows: m, length: k) }
      rows.withUnsafeBufferPointer { gb in
        active.start.withUnsafeBufferPointer { start in
          active.row.withUnsafeBufferPointer { row in
            active.value.withUnsafeBufferPointer { values in
              gw.withUnsafeMutableBufferPointer { out in
                for i in 0..<p.inputs where start[i] < start[i + 1] {
                  var sum = SIMD16<Float>()
                  for e in start[i]..<start[i + 1] { sum += values[e] * lanes(gb.baseAddress!, row[e]) }
                  store(sum, count: k, to: out.baseAddress! + i * k)
                }
              }
            }
          }
        }
      }
    }
  }
}
