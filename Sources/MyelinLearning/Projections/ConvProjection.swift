// SPDX-License-Identifier: Apache-2.0
import COpenBLAS
import Foundation
import MyelinCore

/// A 2-D convolution projection with bias, stride, zero padding and groups (depthwise when
/// groups = input channels), with PyTorch's layouts: input [M, C_in, H, W] (M = T × batch),
/// weight [C_out, C_in / groups, k, k], output [M, C_out, H_out, W_out] with
/// H_out = (H + 2·padding − k) / stride + 1.
///
/// The event path scatters each input spike's kernel taps into the outputs it reaches; the
/// dense path is im2col + OpenBLAS `sgemm` per sample and group.
public struct ConvProjection: Sendable, Equatable {
  public let inChannels: Int, outChannels: Int
  public let kernel: Int, stride: Int, padding: Int, groups: Int
  public let height: Int, width: Int
  public var weight: [Float]
  public var bias: [Float]

  public var outHeight: Int { (height + 2 * padding - kernel) / stride + 1 }
  public var outWidth: Int { (width + 2 * padding - kernel) / stride + 1 }
  var groupIn: Int { inChannels / groups }
  var groupOut: Int { outChannels / groups }
  /// Rows of one group's im2col matrix: C_in/groups · k · k.
  var patch: Int { groupIn * kernel * kernel }

  /// Weights and biases uniform in ±1/√fan_in (PyTorch's default), from Philox.
  public init(inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, groups: Int = 1,
              height: Int, width: Int, seed: UInt64, stream: UInt32 = 0) throws(ModelError) {
    guard inChannels > 0, outChannels > 0, groups > 0, inChannels % groups == 0, outChannels % groups == 0 else {
      throw ModelError(field: "conv2d.groups", problem: "\(groups) groups for \(inChannels) → \(outChannels) channels",
                       allowed: "a divisor of both channel counts")
    }
    guard kernel > 0, stride > 0, padding >= 0, height > 0, width > 0, height + 2 * padding >= kernel, width + 2 * padding >= kernel else {
      throw ModelError(field: "conv2d", problem: "kernel \(kernel), stride \(stride), padding \(padding) on \(height)×\(width)",
                       allowed: "kernel >= 1, stride >= 1, padding >= 0, kernel <= padded size")
    }
    self.inChannels = inChannels
    self.outChannels = outChannels
    self.kernel = kernel
    self.stride = stride
    self.padding = padding
    self.groups = groups
    self.height = height
    self.width = width
    let fanIn = Double(inChannels / groups * kernel * kernel)
    let bound = 1 / fanIn.squareRoot()
    var random = RandomSequence(philox: Philox(seed: seed), stream: 0x9000_0000 &+ stream, index: 0)
    weight = (0..<outChannels * (inChannels / groups) * kernel * kernel).map { _ in
      Float((2 * random.nextUniform() - 1) * bound)
    }
    bias = (0..<outChannels).map { _ in Float((2 * random.nextUniform() - 1) * bound) }
  }

  public var parameterCount: Int { weight.count + bias.count }
  public var inputSize: Int { inChannels * height * width }
  public var outputSize: Int { outChannels * outHeight * outWidth }

  /// Output [rows, C_out, H_out, W_out] for input [rows, C_in, H, W].
  public func forward(_ x: [Float], rows m: Int, mode: ForwardMode = .auto) -> [Float] {
    precondition(x.count == m * inputSize, "ConvProjection.forward: input has \(x.count) values, not rows × C·H·W")
    let area = outHeight * outWidth
    var y = [Float](repeating: 0, count: m * outputSize)
    for r in 0..<m { for o in 0..<outChannels { for p in 0..<area { y[(r * outChannels + o) * area + p] = bias[o] } } }
    guard m > 0 else { return y }
    switch DenseProjection.resolve(mode, input: x) {
    case .event, .auto:
      scatter(x, rows: m) { o, weightIndex, r, position, v in y[(r * outChannels + o) * area + position] += v * weight[weightIndex] }
    case .dense:
      var columns = [Float](repeating: 0, count: patch * area)
      for r in 0..<m {
        for g in 0..<groups {
          im2col(x, row: r, group: g, into: &columns)
          weight.withUnsafeBufferPointer { w in
            y.withUnsafeMutableBufferPointer { out in
              cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(groupOut), Int32(area), Int32(patch), 1,
                          w.baseAddress! + g * groupOut * patch, Int32(patch), columns, Int32(area), 1,
                          out.baseAddress! + (r * outChannels + g * groupOut) * area, Int32(area))
            }
          }
        }
      }
    }
    return y
  }

  /// Gradients for the input, weights and biases from dL/dY. The event path accumulates
  /// dL/dW only from input positions that were non-zero; dL/dX is col2im of Wᵀ·dL/dY.
  public func backward(_ x: [Float], gradient gy: [Float], rows m: Int, mode: ForwardMode = .auto)
    -> (input: [Float], weight: [Float], bias: [Float])
  {
    precondition(x.count == m * inputSize && gy.count == m * outputSize, "ConvProjection.backward: shapes do not match")
    let area = outHeight * outWidth
    var gx = [Float](repeating: 0, count: m * inputSize)
    var gw = [Float](repeating: 0, count: weight.count)
    var gb = [Float](repeating: 0, count: outChannels)
    guard m > 0 else { return (gx, gw, gb) }
    for r in 0..<m { for o in 0..<outChannels { for p in 0..<area { gb[o] += gy[(r * outChannels + o) * area + p] } } }
    let event = DenseProjection.resolve(mode, input: x) != .dense
    var columns = [Float](repeating: 0, count: patch * area)
    for r in 0..<m {
      for g in 0..<groups {
        let outBase = (r * outChannels + g * groupOut) * area
        // dL/dcolumns = W_gᵀ · dL/dY_g, folded back into dL/dX.
        weight.withUnsafeBufferPointer { w in
          gy.withUnsafeBufferPointer { grad in
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(patch), Int32(area), Int32(groupOut), 1,
                        w.baseAddress! + g * groupOut * patch, Int32(patch), grad.baseAddress! + outBase, Int32(area), 0,
                        &columns, Int32(area))
          }
        }
        col2im(columns, row: r, group: g, into: &gx)
        if !event {
          // dL/dW_g += dL/dY_g · columnsᵀ.
          im2col(x, row: r, group: g, into: &columns)
          gy.withUnsafeBufferPointer { grad in
            gw.withUnsafeMutableBufferPointer { out in
              cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(groupOut), Int32(patch), Int32(area), 1,
                          grad.baseAddress! + outBase, Int32(area), columns, Int32(area), 1,
                          out.baseAddress! + g * groupOut * patch, Int32(patch))
            }
          }
        }
      }
    }
    if event {
      scatter(x, rows: m) { o, weightIndex, r, position, v in gw[weightIndex] += v * gy[(r * outChannels + o) * area + position] }
    }
    return (gx, gw, gb)
  }

  /// For every non-zero input value, every (output channel, weight, output position) it
  /// reaches: a spike at (c, y, x) meets tap (ky, kx) at output (y + p − ky)/s, (x + p − kx)/s
  /// when those are whole and in range.
  @inline(__always)
  private func scatter(_ x: [Float], rows m: Int, _ body: (_ o: Int, _ weight: Int, _ row: Int, _ position: Int, _ v: Float) -> Void) {
    let ho = outHeight, wo = outWidth, k = kernel
    for r in 0..<m {
      for c in 0..<inChannels {
        let g = c / groupIn, cl = c % groupIn
        for iy in 0..<height {
          for ix in 0..<width {
            let v = x[((r * inChannels + c) * height + iy) * width + ix]
            guard v != 0 else { continue }
            for ky in 0..<k {
              let ny = iy + padding - ky
              guard ny >= 0, ny % stride == 0, ny / stride < ho else { continue }
              for kx in 0..<k {
                let nx = ix + padding - kx
                guard nx >= 0, nx % stride == 0, nx / stride < wo else { continue }
                let position = (ny / stride) * wo + nx / stride
                for o in (g * groupOut)..<((g + 1) * groupOut) {
                  body(o, ((o * groupIn + cl) * k + ky) * k + kx, r, position, v)
                }
              }
            }
          }
        }
      }
    }
  }

  /// Visits every (column entry, input position) pair of group g's im2col matrix for sample
  /// `row`: column entry [(c·k + ky)·k + kx][oy·W_out + ox] holds input (c, oy·s − p + ky,
  /// ox·s − p + kx), or zero padding (not visited).
  @inline(__always)
  private func forEachPatchEntry(row r: Int, group g: Int, _ body: (_ column: Int, _ input: Int) -> Void) {
    let ho = outHeight, wo = outWidth, k = kernel
    for cl in 0..<groupIn {
      let c = g * groupIn + cl
      for ky in 0..<k {
        for kx in 0..<k {
          let base = ((cl * k + ky) * k + kx) * ho * wo
          for oy in 0..<ho {
            let iy = oy * stride - padding + ky
            guard iy >= 0, iy < height else { continue }
            for ox in 0..<wo {
              let ix = ox * stride - padding + kx
              guard ix >= 0, ix < width else { continue }
              body(base + oy * wo + ox, ((r * inChannels + c) * height + iy) * width + ix)
            }
          }
        }
      }
    }
  }

  /// Group g's patches of sample `row` (padding as zeros).
  private func im2col(_ x: [Float], row r: Int, group g: Int, into columns: inout [Float]) {
    for i in columns.indices { columns[i] = 0 }
    forEachPatchEntry(row: r, group: g) { column, input in columns[column] = x[input] }
  }

  /// The adjoint of im2col: adds each column entry back onto the input position it came from.
  private func col2im(_ columns: [Float], row r: Int, group g: Int, into gx: inout [Float]) {
    forEachPatchEntry(row: r, group: g) { column, input in gx[input] += columns[column] }
  }
}
