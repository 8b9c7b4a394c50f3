// SPDX-License-Identifier: Apache-2.0
import CPNG

/// Renders a figure into an anti-aliased RGB bitmap and encodes it as PNG with libpng,
/// for pasting into notes and chats. Coverage is computed per pixel: exact area for
/// rectangles, distance to the segment for lines, glyph bitmaps for text.
struct RasterCanvas: FigureCanvas {
  let width: Int, height: Int, scale: Double
  private var pixels: [UInt8]
  /// Line coverage of the polyline being drawn, so joints are not blended twice.
  private var mask: [Float]
  private var clip: (x0: Int, y0: Int, x1: Int, y1: Int)
  var originX = 0.0

  init(width: Double, height: Double, scale: Double) throws(PlotError) {
    guard scale >= 0.5, scale <= 8 else { throw PlotError("PNG scale \(scale) is outside 0.5...8") }
    self.scale = scale
    self.width = Int((width * scale).rounded())
    self.height = Int((height * scale).rounded())
    pixels = [UInt8](repeating: 255, count: self.width * self.height * 3)
    mask = [Float](repeating: 0, count: self.width * self.height)
    clip = (0, 0, self.width, self.height)
  }

  /// A device coordinate as an integer, clamped far outside the canvas so that huge values
  /// cannot trap; nil for NaN.
  @inline(__always)
  static func device(_ value: Double, _ rule: FloatingPointRoundingRule) -> Int? {
    guard !value.isNaN else { return nil }
    return Int(min(max(value, -1e7), 1e7).rounded(rule))
  }

  mutating func fill(_ rect: Rect, color: Color, opacity: Double) {
    let x0 = (rect.x + originX) * scale, x1 = (rect.x + originX + rect.width) * scale
    let y0 = rect.y * scale, y1 = (rect.y + rect.height) * scale
    guard let a = Self.device(x0, .down), let b = Self.device(x1, .up), let c = Self.device(y0, .down),
      let d = Self.device(y1, .up)
    else { return }
    let ix0 = max(a, clip.x0), ix1 = min(b, clip.x1), iy0 = max(c, clip.y0), iy1 = min(d, clip.y1)
    guard ix0 < ix1, iy0 < iy1 else { return }
    for py in iy0..<iy1 {
      let cy = min(Double(py + 1), y1) - max(Double(py), y0)
      for px in ix0..<ix1 {
        let cx = min(Double(px + 1), x1) - max(Double(px), x0)
        blend(px, py, color, Float(cx * cy * opacity))
      }
    }
  }

  mutating func squares(_ origins: [(Double, Double)], size: Double, color: Color) {
    for (x, y) in origins { fill(Rect(x: x, y: y, width: size, height: size), color: color, opacity: 1) }
  }

  mutating func polyline(_ points: [(Double, Double)], width: Double, color: Color) {
    let half = width * scale / 2
    var bx0 = Int.max, by0 = Int.max, bx1 = Int.min, by1 = Int.min
    for (a, b) in zip(points, points.dropFirst()) {
      let ax = (a.0 + originX) * scale, ay = a.1 * scale, cx = (b.0 + originX) * scale, cy = b.1 * scale
      // Points far off the canvas are pulled in to ±10^6 px, which keeps the visible part
      // of the segment nearly exact and the arithmetic finite.
      guard ax.isFinite, ay.isFinite, cx.isFinite, cy.isFinite,
        let a = Self.device(min(ax, cx) - half - 1, .down), let b = Self.device(max(ax, cx) + half + 1, .up),
        let c = Self.device(min(ay, cy) - half - 1, .down), let d = Self.device(max(ay, cy) + half + 1, .up)
      else { continue }
      let x0 = max(a, clip.x0), x1 = min(b, clip.x1), y0 = max(c, clip.y0), y1 = min(d, clip.y1)
      guard x0 < x1, y0 < y1 else { continue }
      bx0 = min(bx0, x0); bx1 = max(bx1, x1); by0 = min(by0, y0); by1 = max(by1, y1)
      let dx = cx - ax, dy = cy - ay, length2 = dx * dx + dy * dy
      for py in y0..<y1 {
        for px in x0..<x1 {
          let qx = Double(px) + 0.5 - ax, qy = Double(py) + 0.5 - ay
          let t = length2 > 0 ? min(max((qx * dx + qy * dy) / length2, 0), 1) : 0
          let ex = qx - t * dx, ey = qy - t * dy
          let coverage = Float(min(max(half + 0.5 - (ex * ex + ey * ey).squareRoot(), 0), 1))
          let i = py * self.width + px
          if coverage > mask[i] { mask[i] = coverage }
        }
      }
    }
    guard bx0 < bx1 else { return }
    for py in by0..<by1 {
      for px in bx0..<bx1 where mask[py * self.width + px] > 0 {
        blend(px, py, color, mask[py * self.width + px])
        mask[py * self.width + px] = 0
      }
    }
  }

  mutating func text(_ text: String, x: Double, y: Double, style: TextStyle, anchor: TextAnchor,
                     centred: Bool, rotated: Bool) {
    guard let font = Self.font(for: style) else { return }
    let size = style.size * scale
    let factor = size / Double(font.pixelSize)
    let length = font.width(of: text) * factor
    // Pen start along the run (u) and baseline offset across it (v), in device pixels.
    var u = anchor == .start ? 0 : anchor == .middle ? -length / 2 : -length
    let v = centred ? 0.35 * size : 0
    let ox = (x + originX) * scale, oy = y * scale
    for scalar in text.unicodeScalars {
      let glyph = font.glyph(scalar)
      draw(glyph, of: font, factor: factor, run: u, across: v, originX: ox, originY: oy, rotated: rotated,
           color: style.color)
      u += glyph.advance * factor
    }
  }

  mutating func beginClip(_ rect: Rect) {
    clip = (max(Self.device((rect.x + originX) * scale, .toNearestOrAwayFromZero) ?? 0, 0),
            max(Self.device(rect.y * scale, .toNearestOrAwayFromZero) ?? 0, 0),
            min(Self.device((rect.x + originX + rect.width) * scale, .toNearestOrAwayFromZero) ?? width, width),
            min(Self.device((rect.y + rect.height) * scale, .toNearestOrAwayFromZero) ?? height, height))
  }

  mutating func endClip() { clip = (0, 0, width, height) }

  /// PNG bytes: 8-bit RGB, written by libpng's simplified API.
  func encodePNG() throws(PlotError) -> [UInt8] {
    var image = png_image()
    image.version = UInt32(PNG_IMAGE_VERSION)
    image.width = UInt32(width)
    image.height = UInt32(height)
    image.format = UInt32(PNG_FORMAT_RGB)
    var size = 0
    let ok = pixels.withUnsafeBytes { buffer -> Bool in
      guard png_image_write_to_memory(&image, nil, &size, 0, buffer.baseAddress, 0, nil) != 0 else { return false }
      return true
    }
    guard ok, size > 0 else { throw PlotError("libpng could not size the image: \(Self.message(image))") }
    var bytes = [UInt8](repeating: 0, count: size)
    let written = bytes.withUnsafeMutableBytes { out in
      pixels.withUnsafeBytes { png_image_write_to_memory(&image, out.baseAddress, &size, 0, $0.baseAddress, 0, nil) }
    }
    guard written != 0 else { throw PlotError("libpng could not encode the image: \(Self.message(image))") }
    return Array(bytes[0..<size])
  }

  /// Colour of one device pixel, for tests.
  func pixel(_ x: Int, _ y: Int) -> Color {
    let i = (y * width + x) * 3
    return Color(red: pixels[i], green: pixels[i + 1], blue: pixels[i + 2])
  }

  private static func message(_ image: png_image) -> String {
    withUnsafeBytes(of: image.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
  }

  private static func font(for style: TextStyle) -> BitmapFont? {
    switch style {
    case .title: BitmapFont.bold30
    case .body: BitmapFont.regular24
    case .note: BitmapFont.regular22
    }
  }

  /// One glyph, by inverse mapping each device pixel into the glyph bitmap (bilinear, exact
  /// when the scale matches the bitmap and the pen sits on a whole pixel).
  private mutating func draw(_ glyph: BitmapFont.Glyph, of font: BitmapFont, factor: Double, run: Double,
                             across: Double, originX: Double, originY: Double, rotated: Bool, color: Color) {
    guard glyph.width > 0, glyph.height > 0 else { return }
    let penU = factor == 1 ? run.rounded() : run, penV = factor == 1 ? across.rounded() : across
    // Glyph box in (u, v): u along the run, v down from the baseline.
    let u0 = penU + Double(glyph.left) * factor, v0 = penV + Double(glyph.top) * factor
    let u1 = u0 + Double(glyph.width) * factor, v1 = v0 + Double(glyph.height) * factor
    // Device box: unrotated (x, y) = (o + u, o + v); rotated (x, y) = (o + v, o − u).
    let (dx0, dx1, dy0, dy1) = rotated
      ? (originX + v0, originX + v1, originY - u1, originY - u0)
      : (originX + u0, originX + u1, originY + v0, originY + v1)
    guard let a = Self.device(dx0, .down), let b = Self.device(dx1, .up), let c = Self.device(dy0, .down),
      let d = Self.device(dy1, .up)
    else { return }
    let x0 = max(a, clip.x0), x1 = min(b, clip.x1), y0 = max(c, clip.y0), y1 = min(d, clip.y1)
    guard x0 < x1, y0 < y1 else { return }
    for py in y0..<y1 {
      for px in x0..<x1 {
        let cx = Double(px) + 0.5 - originX, cy = Double(py) + 0.5 - originY
        let (u, v) = rotated ? (-cy, cx) : (cx, cy)
        let coverage = sample(font, glyph, (u - u0) / factor - 0.5, (v - v0) / factor - 0.5)
        if coverage > 0 { blend(px, py, color, coverage) }
      }
    }
  }

  /// Bilinear coverage at a position between texel centres.
  private func sample(_ font: BitmapFont, _ glyph: BitmapFont.Glyph, _ sx: Double, _ sy: Double) -> Float {
    let fx = sx.rounded(.down), fy = sy.rounded(.down)
    let ix = Int(fx), iy = Int(fy), ax = Float(sx - fx), ay = Float(sy - fy)
    func texel(_ x: Int, _ y: Int) -> Float {
      guard x >= 0, y >= 0, x < glyph.width, y < glyph.height else { return 0 }
      return Float(font.coverage[glyph.offset + y * glyph.width + x]) / 255
    }
    let top = texel(ix, iy) * (1 - ax) + texel(ix + 1, iy) * ax
    let bottom = texel(ix, iy + 1) * (1 - ax) + texel(ix + 1, iy + 1) * ax
    return top * (1 - ay) + bottom * ay
  }

  private mutating func blend(_ x: Int, _ y: Int, _ color: Color, _ alpha: Float) {
    guard alpha > 0, x >= 0, y >= 0, x < width, y < height else { return }
    let a = min(alpha, 1), i = (y * width + x) * 3
    pixels[i] = UInt8((Float(pixels[i]) * (1 - a) + Float(color.red) * a).rounded())
    pixels[i + 1] = UInt8((Float(pixels[i + 1]) * (1 - a) + Float(color.green) * a).rounded())
    pixels[i + 2] = UInt8((Float(pixels[i + 2]) * (1 - a) + Float(color.blue) * a).rounded())
  }
}
