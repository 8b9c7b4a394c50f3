// SPDX-License-Identifier: Apache-2.0
import MyelinCore

extension DenseProjection {
  /// The event path of a layer with at most 16 outputs (a classifier head: 2048 → 10).
  /// There a spike's weight row is shorter than one vector, and looping over it per spike
  /// costs more than `sgemm` spends on the whole layer. Rows zero-padded to 16 lanes are
  /// added whole, in registers, instead. The sums run in the same order as the wide path's
  /// (inputs ascending for each output row, rows ascending for each weight row), so the
  /// values are the same bits.
  enum Narrow {
    static let width = 16

    /// Whether a layer takes this path, which needs no list of active inputs.
    static func takes(_ p: DenseProjection) -> Bool { p.outputs <= width }

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

    /// y = bias + Σ over row r's non-zero inputs (ascending) of value · W[i], row by row.
    /// The inputs are listed from `x` itself (``SpikeScan/listNonZero(_:count:into:positions:)``):
    /// with 10 outputs a spike costs one vector add, so building the wide path's lists would
    /// cost more than the adds. Four rows are summed side by side: one row's adds form a chain
    /// that waits on each add's latency, four independent chains keep the adder busy (each
    /// row's order stays).
    static func forward(_ p: DenseProjection, _ x: [Float], rows m: Int, into y: inout [Float]) {
      let (k, n) = (p.outputs, p.inputs)
      let weights = p.weight.withUnsafeBufferPointer { padded($0.baseAddress!, rows: n, length: k) }
      let bias = p.bias.withUnsafeBufferPointer { padded($0.baseAddress!, rows: 1, length: k) }
      let stride = n + 16  // room for listNonZero's overrun
      let index = UnsafeMutablePointer<Int32>.allocate(capacity: 4 * stride)
      defer { index.deallocate() }
      let positions = SpikeScan.bitPositions
      weights.withUnsafeBufferPointer { wb in
        x.withUnsafeBufferPointer { xb in
          y.withUnsafeMutableBufferPointer { yb in
            let w = wb.baseAddress!, b = lanes(bias, 0)
            for r in Swift.stride(from: 0, to: m, by: 4) {
              // Row r + j's non-zero inputs into slot j of the lists, and their number.
              let line0 = xb.baseAddress! + r * n
              let line1 = line0 + n, line2 = line1 + n, line3 = line2 + n
              func list(_ j: Int, _ line: UnsafePointer<Float>) -> Int {
                r + j < m ? SpikeScan.listNonZero(line, count: n, into: index + j * stride, positions: positions) : 0
              }
              let (c0, c1, c2, c3) = (list(0, line0), list(1, line1), list(2, line2), list(3, line3))
              @inline(__always) func term(_ j: Int, _ line: UnsafePointer<Float>, _ e: Int) -> SIMD16<Float> {
                let i = Int(index[j * stride + e])
                return line[i] * lanes(w, i)
              }
              var (s0, s1, s2, s3) = (b, b, b, b)
              let common = min(c0, c1, c2, c3)
              for e in 0..<common {
                s0 += term(0, line0, e)
                s1 += term(1, line1, e)
                s2 += term(2, line2, e)
                s3 += term(3, line3, e)
              }
              for e in common..<c0 { s0 += term(0, line0, e) }
              for e in common..<c1 { s1 += term(1, line1, e) }
              for e in common..<c2 { s2 += term(2, line2, e) }
              for e in common..<c3 { s3 += term(3, line3, e) }
              let out = yb.baseAddress! + r * k
              store(s0, count: k, to: out)
              if r + 1 < m { store(s1, count: k, to: out + k) }
              if r + 2 < m { store(s2, count: k, to: out + 2 * k) }
              if r + 3 < m { store(s3, count: k, to: out + 3 * k) }
            }
          }
        }
      }
    }

    /// dL/dW[i] = Σ over the rows where input i was non-zero (ascending) of value · dL/dY[r],
    /// accumulated in 16-lane rows while `x` is listed row by row: each weight row sums in
    /// the same order as the wide path's input-major loop.
    static func weightGradient(_ p: DenseProjection, _ x: [Float], gradient gy: [Float], rows m: Int,
                               into gw: inout [Float]) {
      let (k, n) = (p.outputs, p.inputs)
      let rows = gy.withUnsafeBufferPointer { padded($0.baseAddress!, rows: m, length: k) }
      var sums = [Float](repeating: 0, count: n * width)
      let index = UnsafeMutablePointer<Int32>.allocate(capacity: n + 16)
      defer { index.deallocate() }
      let positions = SpikeScan.bitPositions
      rows.withUnsafeBufferPointer { gb in
        x.withUnsafeBufferPointer { xb in
          sums.withUnsafeMutableBufferPointer { sb in
            let acc = UnsafeMutableRawPointer(sb.baseAddress!)
            for r in 0..<m {
              let line = xb.baseAddress! + r * n, g = lanes(gb.baseAddress!, r)
              let count = SpikeScan.listNonZero(line, count: n, into: index, positions: positions)
              for e in 0..<count {
                let i = Int(index[e])
                let slot = acc + i * width * MemoryLayout<Float>.stride
                slot.storeBytes(of: slot.loadUnaligned(as: SIMD16<Float>.self) + line[i] * g, as: SIMD16<Float>.self)
              }
            }
          }
        }
      }
      sums.withUnsafeBufferPointer { sb in
        gw.withUnsafeMutableBufferPointer { out in
          for i in 0..<n { out.baseAddress!.advanced(by: i * k).update(from: sb.baseAddress! + i * width, count: k) }
        }
      }
    }
  }
}
