// SPDX-License-Identifier: Apache-2.0

/// The gather form of the event kernel (one group, any stride): each output position sums
/// the taps of the non-zero inputs in its window, with up to sixty-four output channels at a
/// time held in registers, and is written once. The scatter form read and wrote a sample's whole
/// channels-last output (200 KB for Spikformer's third SPS stage, beyond L1) once per spike
/// and kernel row; here only the weight rows are read.
///
/// The non-zero inputs are first bucketed by position (row-major, channels ascending within
/// a position), so the inputs that one kernel row of a window meets, k consecutive columns
/// of one input row, are one contiguous range of entries. Each output receives its inputs
/// in a fixed order (kernel row, then column, then channel, in two partial sums): the sums
/// are the same in both executors and for any thread count, though not in the order of the
/// scatter form.
extension ConvolutionTaps {
  /// Whether ``deliver(_:weights:bias:affine:scratch:into:)`` gathers (one group); grouped
  /// and depthwise convolutions scatter.
  public var gathers: Bool { groups == 1 }

  /// Words of scratch ``deliver(_:weights:bias:affine:scratch:into:)`` needs: the
  /// channels-last sums [H_out·W_out, C_out], then (when it ``gathers``) the input index.
  public var scratchCount: Int {
    let sums = outHeight * outWidth * outChannels
    return gathers ? sums + indexCount : sums
  }

  /// Words of scratch ``gather(_:weights:offset:affine:index:into:)`` needs for its input index.
  public var indexCount: Int { InputIndex.words(channels: inChannels, positions: height * width) }

  /// The non-zero inputs of one sample by position: their values, then Int32 words that
  /// the scratch lends through `withMemoryRebound` for the call.
  @usableFromInline
  struct InputIndex {
    /// Entries of position q: start[q] ..< start[q + 1].
    @usableFromInline let start: UnsafeMutablePointer<Int32>
    /// Per entry: c·k² − q for input channel c at position q, so that its ``tapRow(_:_:_:)``
    /// in a window is one add away (see ``sums(_:_:units:weights:channel:)``); and its value.
    @usableFromInline let rowBase: UnsafeMutablePointer<Int32>
    @usableFromInline let value: UnsafeMutablePointer<Float>
    /// Positions found per channel, and where each channel's run ends.
    @usableFromInline let found: UnsafeMutablePointer<Int32>
    @usableFromInline let ends: UnsafeMutablePointer<Int32>

    /// Values, then start (positions + 1), rowBase, found (+16: ``SpikeScan/listNonZero``
    /// writes past its end) and ends.
    @inlinable
    static func words(channels: Int, positions: Int) -> Int {
      let inputs = channels * positions
      return inputs + integerWords(channels: channels, positions: positions)
    }

    @inlinable
    static func integerWords(channels: Int, positions: Int) -> Int {
      let inputs = channels * positions
      return (positions + 1) + inputs + (inputs + 16) + channels
    }

    @inlinable
    init(values: UnsafeMutablePointer<Float>, words: UnsafeMutablePointer<Int32>, channels: Int, positions: Int) {
      let inputs = channels * positions
      value = values
      start = words
      rowBase = words + (positions + 1)
      found = rowBase + inputs
      ends = found + (inputs + 16)
    }
  }

  /// Channels-last sums [H_out·W_out, C_out] of the taps of every non-zero input of one
  /// sample, each written as (sum + offset[o]) · scale[o] + shift[o] when `offset` and
  /// `affine` are given (the arithmetic of ``ChannelLayout/channelsFirst(_:area:channels:offset:affine:into:)``).
  /// `index` is scratch of ``indexCount`` words (the part of ``scratchCount`` after the
  /// sums); `t` the ``transposed(_:)`` weights.
  @inlinable
  public func gather(_ x: UnsafePointer<Float>, weights t: UnsafePointer<Float>, offset: UnsafePointer<Float>? = nil,
                     affine: (scale: UnsafePointer<Float>, shift: UnsafePointer<Float>)? = nil,
                     index scratch: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>) {
    let positions = height * width, inputs = inChannels * positions
    (scratch + inputs).withMemoryRebound(to: Int32.self, capacity: InputIndex.integerWords(channels: inChannels, positions: positions)) {
      let index = InputIndex(values: scratch, words: $0, channels: inChannels, positions: positions)
      let units = bucket(x, index)
      gather(index, units: units, weights: t, epilogue: Epilogue(offset: offset, affine: affine), into: out)
    }
  }

  /// What ``gather(_:weights:offset:affine:index:into:)`` does to a sum before storing it.
  @usableFromInline
  struct Epilogue {
    @usableFromInline let offset: UnsafePointer<Float>?
    @usableFromInline let affine: (scale: UnsafePointer<Float>, shift: UnsafePointer<Float>)?

    @inlinable
    init(offset: UnsafePointer<Float>?, affine: (scale: UnsafePointer<Float>, shift: UnsafePointer<Float>)?) {
      self.offset = offset
      self.affine = affine
    }

    /// Channels o ..< o + 16 of one position.
    @inlinable @inline(__always)
    func apply(_ sum: SIMD16<Float>, channel o: Int) -> SIMD16<Float> {
      var v = sum
      if let offset { v += ConvolutionTaps.load(offset + o) }
      if let affine { v = v * ConvolutionTaps.load(affine.scale + o) + ConvolutionTaps.load(affine.shift + o) }
      return v
    }

    @inlinable @inline(__always)
    func store(_ sum: SIMD16<Float>, channel o: Int, _ y: UnsafeMutablePointer<Float>) {
      ConvolutionTaps.store(apply(sum, channel: o), y)
    }

    @inlinable @inline(__always)
    func store(_ sum: Float, channel o: Int, _ y: UnsafeMutablePointer<Float>) {
      var v = sum
      if let offset { v += offset[o] }
      if let affine { v = v * affine.scale[o] + affine.shift[o] }
      y.pointee = v
    }
  }

  /// The entries one output position's window meets: for kernel rows ky0...ky1, input row
  /// iy0 + ky, columns lo...hi (ix0 is the window's first column, maybe padding).
  @usableFromInline
  struct Window {
    @usableFromInline let iy0: Int, ix0: Int, ky0: Int, ky1: Int, lo: Int, hi: Int

    @inlinable @inline(__always)
    init(iy0: Int, ix0: Int, ky0: Int, ky1: Int, lo: Int, hi: Int) {
      (self.iy0, self.ix0, self.ky0, self.ky1, self.lo, self.hi) = (iy0, ix0, ky0, ky1, lo, hi)
    }

    @inlinable var isEmpty: Bool { ky0 > ky1 || lo > hi }
  }

  /// The window of output position (oy, ox).
  @inlinable @inline(__always)
  func window(_ oy: Int, _ ox: Int) -> Window {
    let iy0 = oy &* stride &- padding, ix0 = ox &* stride &- padding
    return Window(iy0: iy0, ix0: ix0, ky0: max(0, -iy0), ky1: min(kernel - 1, height - 1 - iy0),
                  lo: max(0, ix0), hi: min(width - 1, ix0 + kernel - 1))
  }

  /// The sums of output channels o ..< o + 16·N over a non-empty window, N vectors held in
  /// registers. Entry e at input (iy, ix) meets tap (ky, ix − ix0), whose transposed row is
  /// c·k² + ky·k + k − 1 − (ix − ix0) = rowBase[e] + iy·W + ky·k + k − 1 + ix0. Two sets
  /// of sums, for entries in even and odd places of each kernel row's run, halve the chains
  /// of dependent adds; the order is fixed, so every caller gets the same bits. With
  /// `units` (every value is 1: spikes) the rows are added without the product, which is
  /// exact (1·w = w) and halves the vector operations.
  @inlinable @inline(__always)
  func sums<let N: Int>(_ index: InputIndex, _ window: Window, units: Bool, weights t: UnsafePointer<Float>, channel o: Int)
    -> InlineArray<N, SIMD16<Float>>
  {
    let k = kernel, w = width, co = outChannels
    var a = InlineArray<N, SIMD16<Float>>(repeating: SIMD16()), b = a
    for ky in window.ky0...window.ky1 {
      let line = (window.iy0 &+ ky) &* w
      let shift = line &+ ky &* k &+ k &- 1 &+ window.ix0
      var e = Int(index.start[line &+ window.lo])
      let end = Int(index.start[line &+ window.hi &+ 1])
      // With `units` a constant 1 (the caller is compiled per case), the product folds away.
      while e &+ 2 <= end {
        let r = t + ((Int(index.rowBase[e]) &+ shift) &* co &+ o), v: Float = units ? 1 : index.value[e]
        let q = t + ((Int(index.rowBase[e &+ 1]) &+ shift) &* co &+ o), u: Float = units ? 1 : index.value[e &+ 1]
        for l in 0..<N {
          a[l] += v * Self.load(r + 16 &* l)
          b[l] += u * Self.load(q + 16 &* l)
        }
        e &+= 2
      }
      if e < end {
        let r = t + ((Int(index.rowBase[e]) &+ shift) &* co &+ o), v: Float = units ? 1 : index.value[e]
        for l in 0..<N { a[l] += v * Self.load(r + 16 &* l) }
      }
    }
    for l in 0..<N { a[l] += b[l] }
    return a
  }

  /// The positions' sums, compiled once for unit values and once for any.
  @inlinable
  func gather(_ index: InputIndex, units: Bool, weights t: UnsafePointer<Float>, epilogue: Epilogue,
              into out: UnsafeMutablePointer<Float>) {
    if units {
      gather(index, unitValues: true, weights: t, epilogue: epilogue, into: out)
    } else {
      gather(index, unitValues: false, weights: t, epilogue: epilogue, into: out)
    }
  }

  @inlinable @inline(__always)
  func gather(_ index: InputIndex, unitValues units: Bool, weights t: UnsafePointer<Float>, epilogue: Epilogue,
              into out: UnsafeMutablePointer<Float>) {
    let wo = outWidth, co = outChannels
    for oy in 0..<outHeight {
      for ox in 0..<wo {
        let y = out + (oy &* wo &+ ox) &* co, window = window(oy, ox)
        guard !window.isEmpty else {
          for o in 0..<co { epilogue.store(0, channel: o, y + o) }
          continue
        }
        // Sums of N vectors of channels from o, stored at once.
        @inline(__always)
        func block<let N: Int>(_: InlineArray<N, SIMD16<Float>>.Type, channel o: Int) {
          let a: InlineArray<N, SIMD16<Float>> = sums(index, window, units: units, weights: t, channel: o)
          for l in 0..<N {
            let c = o &+ 16 &* l
            epilogue.store(a[l], channel: c, y + c)
          }
        }
        var o = 0
        while o &+ 64 <= co {
          block(InlineArray<4, SIMD16<Float>>.self, channel: o)
          o &+= 64
        }
        if o &+ 32 <= co {
          block(InlineArray<2, SIMD16<Float>>.self, channel: o)
          o &+= 32
        }
        if o &+ 16 <= co {
          block(InlineArray<1, SIMD16<Float>>.self, channel: o)
          o &+= 16
        }
        if o < co { scalarSums(index, window, weights: t, channel: o, epilogue: epilogue, into: y) }
      }
    }
  }

  /// Channels o ..< C_out (fewer than 16) of one position, lane by lane.
  @inlinable
  func scalarSums(_ index: InputIndex, _ window: Window, weights t: UnsafePointer<Float>, channel o: Int, epilogue: Epilogue,
                  into y: UnsafeMutablePointer<Float>) {
    let k = kernel, w = width, co = outChannels, lanes = co - o, z = y + o
    z.update(repeating: 0, count: lanes)
    for ky in window.ky0...window.ky1 {
      let line = (window.iy0 &+ ky) &* w
      let shift = line &+ ky &* k &+ k &- 1 &+ window.ix0
      for e in Int(index.start[line &+ window.lo])..<Int(index.start[line &+ window.hi &+ 1]) {
        let r = t + ((Int(index.rowBase[e]) &+ shift) &* co &+ o), v = index.value[e]
        for l in 0..<lanes { z[l] += v * r[l] }
      }
    }
    for l in 0..<lanes { epilogue.store(z[l], channel: o + l, z + l) }
  }

  /// Fills the index: the non-zero inputs listed channel by channel (``SpikeScan/listNonZero``,
  /// no branch on the data), counted per position, then placed in position order, which
  /// keeps channels ascending within a position. Returns whether every value placed is 1.
  @inlinable
  func bucket(_ x: UnsafePointer<Float>, _ index: InputIndex) -> Bool {
    let positions = height * width, k2 = kernel * kernel
    let (start, found, ends) = (index.start, index.found, index.ends)
    start.update(repeating: 0, count: positions + 1)
    var total = 0
    for c in 0..<inChannels {
      let n = SpikeScan.listNonZero(x + c * positions, count: positions, into: found + total)
      for i in total..<(total + n) { start[Int(found[i]) + 1] &+= 1 }
      total += n
      ends[c] = Int32(truncatingIfNeeded: total)
    }
    for q in 0..<positions { start[q + 1] &+= start[q] }
    // Placing moves start[q] on to the start of q + 1's entries; shifted back afterwards.
    var i = 0, units = true
    for c in 0..<inChannels {
      let plane = x + c * positions, end = Int(ends[c])
      while i < end {
        let q = Int(found[i]), e = Int(start[q]), v = plane[q]
        index.rowBase[e] = Int32(truncatingIfNeeded: c &* k2 &- q)
        index.value[e] = v
        units = units && v == 1
        start[q] = Int32(truncatingIfNeeded: e &+ 1)
        i &+= 1
      }
    }
    var q = positions
    while q > 0 {
      start[q] = start[q - 1]
      q -= 1
    }
    start[0] = 0
    return units
  }

  @inlinable @inline(__always)
  static func load(_ p: UnsafePointer<Float>) -> SIMD16<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }

  @inlinable @inline(__always)
  static func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
  }
}
