// SPDX-License-Identifier: Apache-2.0

/// The event kernel of a `conv2d` projection for one sample at one step, shared by both
/// executors (DESIGN.md §1): the Trainer calls it for each of its T × batch rows, and
/// ``LayerSimulation`` once per step. A non-zero input of value v at (c, y, x) adds v times
/// its kernel taps, for every output channel of its group, to the outputs it reaches, so
/// only inputs that spiked cause work. Layouts are PyTorch's: input [C_in, H, W], weight
/// [C_out, C_in/groups, k, k], output [C_out, H_out, W_out].
public struct ConvolutionTaps: Sendable, Equatable {
  public let inChannels: Int, outChannels: Int
  public let kernel: Int, stride: Int, padding: Int, groups: Int
  public let height: Int, width: Int

  public init(inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int, groups: Int, height: Int, width: Int) {
    self.inChannels = inChannels
    self.outChannels = outChannels
    self.kernel = kernel
    self.stride = stride
    self.padding = padding
    self.groups = groups
    self.height = height
    self.width = width
  }

  public var outHeight: Int { (height + 2 * padding - kernel) / stride + 1 }
  public var outWidth: Int { (width + 2 * padding - kernel) / stride + 1 }
  public var groupIn: Int { inChannels / groups }
  public var groupOut: Int { outChannels / groups }

  /// Weights as [C_in/groups, k, k, C_out] with each kernel row reversed: entry
  /// ((c·k + ky)·k + k − 1 − kx)·C_out + o holds w[o, c, ky, kx]. A spike's taps then reach
  /// contiguous output channels, and with stride 1 the taps of one kernel row, which meet
  /// consecutive output columns in reverse order, are one contiguous run as well.
  public func transposed(_ weight: [Float]) -> [Float] {
    var t = [Float](repeating: 0, count: weight.count)
    let span = groupIn * kernel * kernel
    for o in 0..<outChannels { for j in 0..<span { t[tapIndex(j) * outChannels + o] = weight[o * span + j] } }
    return t
  }

  /// The inverse of ``transposed(_:)``.
  public func untransposed(_ t: [Float]) -> [Float] {
    var w = [Float](repeating: 0, count: t.count)
    let span = groupIn * kernel * kernel
    for o in 0..<outChannels { for j in 0..<span { w[o * span + j] = t[tapIndex(j) * outChannels + o] } }
    return w
  }

  /// Where tap j = (c·k + ky)·k + kx lies in the ``transposed(_:)`` layout.
  @inlinable @inline(__always)
  public func tapIndex(_ j: Int) -> Int {
    let kx = j % kernel
    return j - kx + kernel - 1 - kx
  }

  /// The ``transposed(_:)`` row of tap (cl, ky, kx).
  @inlinable @inline(__always)
  public func tapRow(_ cl: Int, _ ky: Int, _ kx: Int) -> Int { (cl * kernel + ky) * kernel + kernel - 1 - kx }

  /// Output of one sample: the taps of every non-zero input summed channels-last into
  /// `scratch` ([area, C_out]; ``gather(_:weights:offset:affine:index:into:)`` with one group, else
  /// ``scatter(_:weights:into:)``), then laid out as [C_out, area] in `out` with the bias
  /// (and a per-channel `affine`, see ``ChannelLayout/channelsFirst(_:area:channels:offset:affine:into:)``).
  /// `weights` is the ``transposed(_:)`` layout; `scratch` holds ``scratchCount`` words.
  @inlinable
  public func deliver(_ x: UnsafePointer<Float>, weights t: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                      affine: (scale: UnsafePointer<Float>, shift: UnsafePointer<Float>)? = nil,
                      scratch: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>) {
    let area = outHeight * outWidth, co = outChannels
    if gathers {
      gather(x, weights: t, index: scratch + area * co, into: scratch)
    } else {
      scatter(x, weights: t, into: scratch)
    }
    ChannelLayout.channelsFirst(scratch, area: area, channels: co, offset: bias, affine: affine, into: out)
  }

  /// Every non-zero input adds its taps into `out`, channels-last [area, C_out] (zeroed
  /// first), tap by tap: ``deliver(_:weights:bias:affine:scratch:into:)`` takes it for
  /// grouped convolutions, which do not gather.
  @inlinable
  public func scatter(_ x: UnsafePointer<Float>, weights t: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
    let co = outChannels, go = groupOut
    out.update(repeating: 0, count: outHeight * outWidth * co)
    forEachActiveTap(x) { v, g, cl, ky, kx, position in
      let w = t + tapRow(cl, ky, kx) * co + g * go
      let y = out + position * co + g * go
      if v == 1 {
        RowAdd.add(w, to: y, count: go)
      } else {
        // A residual sum (a small integer) or an analog input scales the taps.
        RowAdd.add(v, times: w, to: y, count: go)
      }
    }
  }

  /// Stride 1 and one group: the taps of a kernel row are one run (``transposed(_:)``), as
  /// the event weight gradient visits them.
  public var hasTapRuns: Bool { stride == 1 && groups == 1 }

  /// With ``hasTapRuns``: for every non-zero input and every kernel row it meets, `body`
  /// gets the value, the ``transposed(_:)`` row of the run's first tap, the first output
  /// position, and the number of taps; tap i of the run (``transposed(_:)`` row `row + i`)
  /// reaches position `position + i`. Each output still receives the inputs in the order of
  /// ``forEachActiveTap(_:_:)`` (one tap per input reaches it), so sums are the same.
  @inlinable @inline(__always)
  public func forEachActiveTapRun(_ x: UnsafePointer<Float>, _ body: (_ v: Float, _ row: Int, _ position: Int, _ taps: Int) -> Void) {
    let wo = outWidth, p = padding
    forEachActiveInput(x) { v, channel, iy, ix in
      guard let (ky0, ky1, kx0, kx1) = unitStrideTaps(iy, ix) else { return }
      for ky in ky0...ky1 {
        // Tap kx reaches column ix + p − kx: the run starts at kx1, reversed in the layout.
        body(v, tapRow(channel.c, ky, kx1), (iy + p - ky) * wo + ix + p - kx1, kx1 - kx0 + 1)
      }
    }
  }

  /// For every non-zero input of one sample and every kernel tap it meets: a spike at
  /// (c, y, x) meets tap (ky, kx) at output ((y + p − ky)/s, (x + p − kx)/s) when those are
  /// whole and in range. `body` gets the value, the group c / (C_in/groups), the channel
  /// within the group, the tap and the output position. The order (channel, row, column,
  /// tap) is fixed: sums come out the same in both executors.
  ///
  /// No division per spike or tap (an integer division costs tens of cycles, and a spike
  /// meets up to k² taps): with stride 1 the taps in range are computed as bounds.
  @inlinable @inline(__always)
  public func forEachActiveTap(_ x: UnsafePointer<Float>,
                               _ body: (_ v: Float, _ g: Int, _ cl: Int, _ ky: Int, _ kx: Int, _ position: Int) -> Void) {
    let ho = outHeight, wo = outWidth, k = kernel, s = stride, p = padding
    forEachActiveInput(x) { v, channel, iy, ix in
      let (g, cl) = (channel.g, channel.cl)
      if s == 1 {
        guard let (ky0, ky1, kx0, kx1) = unitStrideTaps(iy, ix) else { return }
        for ky in ky0...ky1 {
          let line = (iy + p - ky) * wo + ix + p
          for kx in kx0...kx1 { body(v, g, cl, ky, kx, line - kx) }
        }
        return
      }
      for ky in 0..<k {
        let ny = iy + p - ky
        guard ny >= 0, ny % s == 0, ny / s < ho else { continue }
        for kx in 0..<k {
          let nx = ix + p - kx
          guard nx >= 0, nx % s == 0, nx / s < wo else { continue }
          body(v, g, cl, ky, kx, (ny / s) * wo + nx / s)
        }
      }
    }
  }

  /// With stride 1, the taps an input at (iy, ix) meets: output row iy + p − ky lies in
  /// [0, H_out) for ky in [iy + p − H_out + 1, iy + p], and likewise for columns. Nil when
  /// it meets none.
  @inlinable @inline(__always)
  func unitStrideTaps(_ iy: Int, _ ix: Int) -> (ky0: Int, ky1: Int, kx0: Int, kx1: Int)? {
    let k = kernel, p = padding
    let ky0 = max(0, iy + p - outHeight + 1), ky1 = min(k - 1, iy + p)
    let kx0 = max(0, ix + p - outWidth + 1), kx1 = min(k - 1, ix + p)
    return ky0 <= ky1 && kx0 <= kx1 ? (ky0, ky1, kx0, kx1) : nil
  }

  /// Every non-zero input of one sample in ascending order (channel, row, column), found
  /// sixteen at a time (``SpikeScan``): its value, its channel (with its group and its
  /// index within the group, worked out once per channel), row and column. The row follows
  /// the ascending scan, without a division per input.
  @inlinable @inline(__always)
  func forEachActiveInput(_ x: UnsafePointer<Float>, _ body: (_ v: Float, _ channel: (c: Int, g: Int, cl: Int), _ iy: Int, _ ix: Int) -> Void) {
    let gi = groupIn, h = height, w = width
    for c in 0..<inChannels {
      let g = c / gi, channel = (c: c, g: g, cl: c - g * gi)
      let plane = x + c * h * w
      var iy = 0, rowStart = 0
      SpikeScan.forEachNonZero(plane, count: h * w) { q in
        while q >= rowStart + w {
          iy += 1
          rowStart += w
        }
        body(plane[q], channel, iy, q - rowStart)
      }
    }
  }
}
