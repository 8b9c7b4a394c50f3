// SPDX-License-Identifier: Apache-2.0
import MyelinCore

/// The dense path's patch matrices: im2col for the forward pass and dL/dW, and its adjoint
/// col2im for dL/dX, visiting each kernel tap's valid output columns as contiguous runs.
extension ConvProjection {
  /// The valid output columns [lo, hi) of a kernel tap offset kx (input ix = ox·s − p + kx).
  @inline(__always)
  func validRange(_ kx: Int, extent: Int, outputs: Int) -> (Int, Int) {
    // ox·s ≥ p − kx and ox·s ≤ extent − 1 + p − kx.
    let a = padding - kx
    let lo = a <= 0 ? 0 : (a + stride - 1) / stride
    let b = extent - 1 + padding - kx
    let hi = b < 0 ? 0 : min(b / stride + 1, outputs)
    return (lo, max(lo, hi))
  }

  /// Runs `body(column, input, count, inputStride)` for every run of group g's im2col
  /// matrix of sample `row`: column entries [(c·k + ky)·k + kx][oy·W_out + ox] for ox in
  /// a run hold inputs (c, oy·s − p + ky, ox·s − p + kx), each `stride` apart. Zero
  /// padding is not visited.
  @inline(__always)
  func forEachPatchRun(row r: Int, group g: Int, _ body: (_ column: Int, _ input: Int, _ count: Int) -> Void) {
    let ho = outHeight, wo = outWidth, k = kernel
    for cl in 0..<groupIn {
      let c = g * groupIn + cl
      for ky in 0..<k {
        let (oy0, oy1) = validRange(ky, extent: height, outputs: ho)
        for kx in 0..<k {
          let (ox0, ox1) = validRange(kx, extent: width, outputs: wo)
          guard ox0 < ox1 else { continue }
          let base = ((cl * k + ky) * k + kx) * ho * wo
          for oy in oy0..<oy1 {
            let iy = oy * stride - padding + ky
            body(base + oy * wo + ox0, ((r * inChannels + c) * height + iy) * width + ox0 * stride - padding + kx, ox1 - ox0)
          }
        }
      }
    }
  }

  /// A 1×1 convolution with stride 1 and no padding: its im2col matrix is the input itself.
  var isPointwise: Bool { kernel == 1 && stride == 1 && padding == 0 }

  /// Group g's im2col matrix of sample `row`: the input itself for a pointwise convolution,
  /// else written into `buffer`.
  func patches(_ x: UnsafePointer<Float>, row r: Int, group g: Int, buffer: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
    if isPointwise { return x + (r * inChannels + g * groupIn) * height * width }
    im2col(x, row: r, group: g, into: buffer)
    return UnsafePointer(buffer)
  }

  /// Group g's patches of sample `row` (padding as zeros).
  func im2col(_ x: UnsafePointer<Float>, row r: Int, group g: Int, into columns: UnsafeMutablePointer<Float>) {
    columns.update(repeating: 0, count: patch * outHeight * outWidth)
    let s = stride
    forEachPatchRun(row: r, group: g) { column, input, count in
      // With stride 1 a run is contiguous: a copy, where the strided loop stays scalar.
      if s == 1 {
        (columns + column).update(from: x + input, count: count)
      } else {
        for q in 0..<count { columns[column + q] = x[input + q * s] }
      }
    }
  }

  /// The adjoint of im2col: adds each column entry back onto the input position it came from.
  func col2im(_ columns: UnsafePointer<Float>, row r: Int, group g: Int, into gx: UnsafeMutablePointer<Float>) {
    let s = stride
    forEachPatchRun(row: r, group: g) { column, input, count in
      // With stride 1 a run is contiguous and is added sixteen lanes at a time (the same
      // sums: each input still receives its column entries in the same order).
      if s == 1 {
        RowAdd.add(columns + column, to: gx + input, count: count)
      } else {
        for q in 0..<count { gx[input + q * s] += columns[column + q] }
      }
    }
  }
}
