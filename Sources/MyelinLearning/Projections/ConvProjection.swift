// SPDX-License-Identifier: Apache-2.0
import COpenBLAS
import Dispatch
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
  /// The geometry, and the event kernel shared with the step-major ``LayerSimulation``.
  public let taps: ConvolutionTaps
  public var weight: [Float]
  public var bias: [Float]

  public var inChannels: Int { taps.inChannels }
  public var outChannels: Int { taps.outChannels }
  public var kernel: Int { taps.kernel }
  public var stride: Int { taps.stride }
  public var padding: Int { taps.padding }
  public var groups: Int { taps.groups }
  public var height: Int { taps.height }
  public var width: Int { taps.width }
  public var outHeight: Int { taps.outHeight }
  public var outWidth: Int { taps.outWidth }
  var groupIn: Int { taps.groupIn }
  var groupOut: Int { taps.groupOut }
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
    taps = ConvolutionTaps(inChannels: inChannels, outChannels: outChannels, kernel: kernel, stride: stride, padding: padding,
                           groups: groups, height: height, width: width)
    let fanIn = Double(inChannels / groups * kernel * kernel)
    let bound = 1 / fanIn.squareRoot()
    var random = RandomSequence(philox: Philox(seed: seed), stream: 0x9000_0000 &+ stream, index: 0)
    weight = (0..<outChannels * (inChannels / groups) * kernel * kernel).map { _ in
      Float((2 * random.nextUniform() - 1) * bound)
    }
    bias = (0..<outChannels).map { _ in Float((2 * random.nextUniform() - 1) * bound) }
  }

  public var parameterCount: Int { weight.count + bias.count }

  /// Below this input density `.auto` takes the event path: 20% for kernels wider than
  /// 1 × 1, where a spike's k² taps reuse one input and the event path won up to 30% density
  /// (`myelin bench conv`, docs/training.md); a pointwise convolution is a dense layer over
  /// tokens and keeps ``DenseProjection/eventThreshold``.
  public var eventThreshold: Double { kernel > 1 ? 0.20 : DenseProjection.eventThreshold }
  public var inputSize: Int { inChannels * height * width }
  public var outputSize: Int { outChannels * outHeight * outWidth }

  /// Output [rows, C_out, H_out, W_out] for input [rows, C_in, H, W]. With 2 threads each
  /// takes half of the rows (disjoint outputs: the values do not depend on the threads).
  /// `affine` (evaluation-mode BatchNorm: y·scale + shift per channel) is applied to each
  /// row while it is still in cache; the values equal a separate pass's.
  public func forward(_ x: [Float], rows m: Int, mode: ForwardMode = .auto, threads: Int = 1,
                      affine: (scale: [Float], shift: [Float])? = nil) -> [Float] {
    precondition(x.count == m * inputSize, "ConvProjection.forward: input has \(x.count) values, not rows × C·H·W")
    var y = [Float](uninitializedCount: m * outputSize)  // both paths write every output
    guard m > 0 else { return y }
    let event = DenseProjection.resolve(mode, input: x, threshold: eventThreshold) != .dense
    x.withUnsafeBufferPointer { xb in
      y.withUnsafeMutableBufferPointer { yb in
        withOperands(event: event, affine: affine) { operands in
          nonisolated(unsafe) let (xp, yp, o) = (xb.baseAddress!, yb.baseAddress!, operands)
          RowHalves.run(m, threads: threads) { _, rows in
            var scratch = [Float](uninitializedCount: scratchSize(event: event))
            scratch.withUnsafeMutableBufferPointer { sb in
              for r in rows { row(xp + r * inputSize, o, scratch: sb.baseAddress!, into: yp + r * outputSize) }
            }
          }
        }
      }
    }
    return y
  }

  /// Evaluation of this convolution, its `affine` (BatchNorm) and the LIF `node` it feeds,
  /// sample by sample: the T rows of a sample go to a [T, C_out·H_out·W_out] buffer that
  /// stays in cache, and the node runs over it, so the layer's input current is never
  /// written out. Returns the spikes [T·batch, size] (row t·batch + b) and their number:
  /// the values of ``forward`` followed by ``LIFNode/forward``. `repeated`: x holds one
  /// row per sample (a directly encoded image), convolved once and read at every step.
  ///
  /// `pool`, max pooling of this output, also returns the pooled spikes [T·batch,
  /// C_out·H_p·W_p] (``Pooling/forward``'s values). A gathering convolution pools its
  /// channels-last spikes sixteen channels at a time; `keepingSpikes: false` then skips
  /// laying out the unpooled spikes (`spikes` is empty), when the pooling is their only reader.
  public func forwardSpiking(_ x: [Float], steps T: Int, batch B: Int, repeated: Bool, mode: ForwardMode, threads: Int,
                             affine: (scale: [Float], shift: [Float])?, node: LIFNode, factor k: Float,
                             pool: PoolWindows? = nil, keepingSpikes: Bool = true)
    -> (spikes: [Float], count: Int, pooled: [Float])
  {
    let inputRows = repeated ? B : T * B, n = outputSize, area = outHeight * outWidth
    precondition(x.count == inputRows * inputSize, "ConvProjection.forwardSpiking: input has \(x.count) values")
    precondition(pool.map { $0.geometry.kind == .max && $0.height == outHeight && $0.width == outWidth } ?? true,
                 "ConvProjection.forwardSpiking: the pooling is not a max pooling of this output")
    precondition(keepingSpikes || pool != nil, "ConvProjection.forwardSpiking: without a pooling the spikes are the result")
    let event = DenseProjection.resolve(mode, input: x, threshold: eventThreshold) != .dense
    // A gathering event path keeps the sample channels-last: the currents come with bias and
    // BatchNorm applied per channel, the node runs on them in that order (its neurons are
    // independent), and only the spikes are laid out channels-first. The other path writes
    // the spikes in place, so it keeps them.
    let channelsLast = event && taps.gathers, keep = keepingSpikes || !channelsLast
    let pooledArea = pool.map { $0.outHeight * $0.outWidth } ?? 0, pn = outChannels * pooledArea
    var s = [Float](uninitializedCount: keep ? T * B * n : 0)  // every step of every neuron is written
    var pooled = [Float](uninitializedCount: T * B * pn)  // and of every pooled one
    guard T > 0, B > 0 else { return (s, 0, pooled) }
    var counts = [0, 0]
    x.withUnsafeBufferPointer { xb in
      s.withUnsafeMutableBufferPointer { sb in
        pooled.withUnsafeMutableBufferPointer { pb in
          counts.withUnsafeMutableBufferPointer { cb in
            withOperands(event: event, affine: affine) { operands in
              nonisolated(unsafe) let (xp, sp, pp, cp, o) = (xb.baseAddress!, sb.baseAddress, pb.baseAddress, cb.baseAddress!, operands)
              RowHalves.run(B, threads: threads) { half, samples in
                let steps = repeated ? 1 : T
                let scratch = Scratch(channelsLast ? taps.indexCount : scratchSize(event: event)), current = Scratch(steps * n)
                let local = Scratch(channelsLast ? T * n : 0), window = Scratch(channelsLast ? pn : 0)
                defer { for buffer in [scratch, current, local, window] { buffer.release() } }
                let y = current.base
                for b in samples {
                  guard channelsLast, let t = o.transposed else {
                    guard let sp else { continue }  // kept whenever the path is not channels-last
                    for t in 0..<steps { row(xp + (t * B + b) * inputSize, o, scratch: scratch.base, into: y + t * n) }
                    cp[half] += node.run(0..<n, steps: T, neurons: B * n, inputStride: repeated ? 0 : n, input: y, charge: nil,
                                         spikes: sp + b * n, factor: k)
                    guard let pool, let pp else { continue }
                    for r in Swift.stride(from: b, to: T * B, by: B) {
                      for c in 0..<outChannels {
                        pool.pool(sp + r * n + c * area, into: pp + r * pn + c * pooledArea, nonNegative: true)
                      }
                    }
                    continue
                  }
                  for step in 0..<steps {
                    taps.gather(xp + (step * B + b) * inputSize, weights: t, offset: o.bias, affine: o.affine,
                                index: scratch.base, into: y + step * n)
                  }
                  cp[half] += node.run(0..<n, steps: T, neurons: n, inputStride: repeated ? 0 : n, input: y, charge: nil,
                                       spikes: local.base, factor: k)
                  for step in 0..<T {
                    let r = step * B + b, fired = local.base + step * n
                    if keep, let sp { ChannelLayout.sparseChannelsFirst(fired, area: area, channels: outChannels, into: sp + r * n) }
                    guard let pool, let pp else { continue }
                    pool.maxChannelsLast(fired, channels: outChannels, into: window.base)
                    ChannelLayout.sparseChannelsFirst(window.base, area: pooledArea, channels: outChannels, into: pp + r * pn)
                  }
                }
              }
            }
          }
        }
      }
    }
    return (s, counts[0] + counts[1], pooled)
  }

  /// A thread's working buffer, freed by its owner.
  private struct Scratch {
    let base: UnsafeMutablePointer<Float>
    init(_ count: Int) { base = .allocate(capacity: max(count, 1)) }
    func release() { base.deallocate() }
  }

  /// What the row loop reads, as base addresses (valid inside ``withOperands``).
  private struct Operands {
    let event: Bool
    let weight: UnsafePointer<Float>, transposed: UnsafePointer<Float>?, bias: UnsafePointer<Float>
    let affine: (scale: UnsafePointer<Float>, shift: UnsafePointer<Float>)?
  }

  private func withOperands(event: Bool, affine: (scale: [Float], shift: [Float])?, _ body: (Operands) -> Void) {
    precondition(affine.map { $0.scale.count == outChannels && $0.shift.count == outChannels } ?? true,
                 "ConvProjection: affine needs one scale and one shift per output channel")
    let transposed = event ? transposedWeight : []
    let (scale, shift) = (affine?.scale ?? [], affine?.shift ?? [])
    weight.withUnsafeBufferPointer { w in
      transposed.withUnsafeBufferPointer { t in
        bias.withUnsafeBufferPointer { b in
          scale.withUnsafeBufferPointer { a in
            shift.withUnsafeBufferPointer { h in
              body(Operands(event: event, weight: w.baseAddress!, transposed: t.baseAddress, bias: b.baseAddress!,
                            affine: affine == nil ? nil : (a.baseAddress!, h.baseAddress!)))
            }
          }
        }
      }
    }
  }

  /// Event path: the channels-last sums and the input index; dense path: one group's im2col matrix.
  private func scratchSize(event: Bool) -> Int { event ? taps.scratchCount : patch * outHeight * outWidth }

  /// One output row [C_out, H_out, W_out] from one input row [C_in, H, W].
  private func row(_ x: UnsafePointer<Float>, _ o: Operands, scratch: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>) {
    if o.event, let t = o.transposed {
      taps.deliver(x, weights: t, bias: o.bias, affine: o.affine, scratch: scratch, into: out)
      return
    }
    let area = outHeight * outWidth
    for c in 0..<outChannels { (out + c * area).update(repeating: o.bias[c], count: area) }
    for g in 0..<groups {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(groupOut), Int32(area), Int32(patch), 1,
                  o.weight + g * groupOut * patch, Int32(patch), patches(x, row: 0, group: g, buffer: scratch), Int32(area), 1,
                  out + g * groupOut * area, Int32(area))
    }
    if let (scale, shift) = o.affine {
      for c in 0..<outChannels {
        let line = out + c * area, a = scale[c], h = shift[c]
        for q in 0..<area { line[q] = line[q] * a + h }
      }
    }
  }

  /// Gradients for the input (unless `needInput` is false: then empty), weights and biases
  /// from dL/dY. The event path accumulates dL/dW only from input positions that were
  /// non-zero; dL/dX is col2im of Wᵀ·dL/dY. Weight gradients are summed over the two
  /// halves of the rows separately and then added, whatever the thread count.
  public func backward(_ x: [Float], gradient gy: [Float], rows m: Int, mode: ForwardMode = .auto,
                       threads: Int = 1, needInput: Bool = true)
    -> (input: [Float], weight: [Float], bias: [Float])
  {
    precondition(x.count == m * inputSize && gy.count == m * outputSize, "ConvProjection.backward: shapes do not match")
    let area = outHeight * outWidth
    var gx = [Float](repeating: 0, count: needInput ? m * inputSize : 0)
    var partial0 = [Float](repeating: 0, count: weight.count), partial1 = partial0
    var gb = [Float](repeating: 0, count: outChannels)
    guard m > 0 else { return (gx, partial0, gb) }
    gy.withUnsafeBufferPointer { g in
      for r in 0..<m { for o in 0..<outChannels { gb[o] += Lanes.sum(g.baseAddress! + (r * outChannels + o) * area, count: area) } }
    }
    let event = DenseProjection.resolve(mode, input: x, threshold: eventThreshold) != .dense
    x.withUnsafeBufferPointer { xb in
      gy.withUnsafeBufferPointer { gb in
        gx.withUnsafeMutableBufferPointer { gxb in
          weight.withUnsafeBufferPointer { wb in
            partial0.withUnsafeMutableBufferPointer { p0 in
              partial1.withUnsafeMutableBufferPointer { p1 in
                nonisolated(unsafe) let (xp, gp, gxp, wp) = (xb.baseAddress!, gb.baseAddress!, needInput ? gxb.baseAddress : nil, wb.baseAddress!)
                nonisolated(unsafe) let parts = [p0.baseAddress!, p1.baseAddress!]
                RowHalves.run(m, threads: threads) { half, rows in
                  var columns = [Float](repeating: 0, count: patch * area)
                  var channelsLast = [Float](repeating: 0, count: event ? area * outChannels : 0)
                  channelsLast.withUnsafeMutableBufferPointer { tb in
                  columns.withUnsafeMutableBufferPointer { cb in
                    let buffer = cb.baseAddress!
                    let gyT = event ? tb.baseAddress : nil
                    for r in rows {
                      for g in 0..<groups {
                        let outBase = (r * outChannels + g * groupOut) * area
                        if let gxp {
                          // dL/dcolumns = W_gᵀ · dL/dY_g, folded back into dL/dX (for a
                          // pointwise convolution the columns are dL/dX itself).
                          let target = isPointwise ? gxp + (r * inChannels + g * groupIn) * area : buffer
                          cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(patch), Int32(area), Int32(groupOut), 1,
                                      wp + g * groupOut * patch, Int32(patch), gp + outBase, Int32(area), 0, target, Int32(area))
                          if !isPointwise { col2im(buffer, row: r, group: g, into: gxp) }
                        }
                        if !event {
                          // dL/dW_g += dL/dY_g · columnsᵀ.
                          cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(groupOut), Int32(patch), Int32(area), 1,
                                      gp + outBase, Int32(area), patches(xp, row: r, group: g, buffer: buffer), Int32(area), 1,
                                      parts[half] + g * groupOut * patch, Int32(patch))
                        }
                      }
                      if event, let gyT { gatherWeightGradient(xp, gradient: gp, row: r, scratch: gyT, into: parts[half]) }
                    }
                  }
                  }
                }
              }
            }
          }
        }
      }
    }
    var gw = partial0
    for i in gw.indices { gw[i] += partial1[i] }
    // The event path summed into the [C_in/groups, k, k, C_out] layout.
    return (gx, event ? taps.untransposed(gw) : gw, gb)
  }

  var transposedWeight: [Float] { taps.transposed(weight) }

  /// Event weight gradient of one row, in the transposed layout (``ConvolutionTaps/transposed(_:)``):
  /// dL/dW[cl, ky, kx, o] += v · dL/dY[o, position] for every non-zero input v and tap. The
  /// row's dL/dY is first laid out channels-last, so both sides of the update are contiguous
  /// (with stride 1 and one group, a kernel row's taps at once).
  private func gatherWeightGradient(_ x: UnsafePointer<Float>, gradient gy: UnsafePointer<Float>, row r: Int,
                                    scratch gyT: UnsafeMutablePointer<Float>, into gw: UnsafeMutablePointer<Float>) {
    let area = outHeight * outWidth, co = outChannels, go = groupOut
    let g0 = gy + r * outputSize
    ChannelLayout.channelsLast(g0, area: area, channels: co, into: gyT)
    if taps.hasTapRuns {
      taps.forEachActiveTapRun(x + r * inputSize) { v, row, position, n in
        if v == 1 {
          RowAdd.add(gyT + position * co, to: gw + row * co, count: n * co)
        } else {
          RowAdd.add(v, times: gyT + position * co, to: gw + row * co, count: n * co)
        }
      }
      return
    }
    taps.forEachActiveTap(x + r * inputSize) { v, g, cl, ky, kx, position in
      let w = gw + taps.tapRow(cl, ky, kx) * co + g * go
      let d = gyT + position * co + g * go
      if v == 1 {
        RowAdd.add(d, to: w, count: go)
      } else {
        RowAdd.add(v, times: d, to: w, count: go)
      }
    }
  }
}
