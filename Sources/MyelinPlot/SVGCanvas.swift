// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Renders a figure as SVG text: vector output for papers, with the font left to the viewer.
struct SVGCanvas: FigureCanvas {
  private var lines: [String]
  private var clips = 0
  var originX = 0.0

  init(width: Double, height: Double) {
    lines = [
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">",
    ]
  }

  func document() -> String { (lines + ["</svg>"]).joined(separator: "\n") + "\n" }

  mutating func fill(_ rect: Rect, color: Color, opacity: Double) {
    guard rect.x.isFinite, rect.y.isFinite, rect.width.isFinite, rect.height.isFinite else { return }
    let alpha = opacity < 1 ? " fill-opacity=\"\(Self.format(opacity))\"" : ""
    lines.append("<rect x=\"\(Self.format(rect.x + originX))\" y=\"\(Self.format(rect.y))\" width=\"\(Self.format(rect.width))\" height=\"\(Self.format(rect.height))\" fill=\"\(color.hex)\"\(alpha)/>")
  }

  /// One path for all squares: a raster of 10⁵ marks stays a few MB.
  mutating func squares(_ origins: [(Double, Double)], size: Double, color: Color) {
    var d = ""
    d.reserveCapacity(origins.count * 24)
    let s = Self.format(size)
    for (a, b) in origins where a.isFinite && b.isFinite { d += "M\(Self.format(a + originX)) \(Self.format(b))h\(s)v\(s)h-\(s)z" }
    lines.append("<path fill=\"\(color.hex)\" d=\"\(d)\"/>")
  }

  mutating func polyline(_ points: [(Double, Double)], width: Double, color: Color) {
    let list = points.filter { $0.0.isFinite && $0.1.isFinite }.map { "\(Self.format($0.0 + originX)),\(Self.format($0.1))" }.joined(separator: " ")
    lines.append("<polyline fill=\"none\" stroke=\"\(color.hex)\" stroke-width=\"\(Self.format(width))\" points=\"\(list)\"/>")
  }

  mutating func text(_ text: String, x: Double, y: Double, style: TextStyle, anchor: TextAnchor,
                     centred: Bool, rotated: Bool) {
    let x = x + originX
    var attributes = "text-anchor=\"\(anchor.rawValue)\""
    if style.size != 12 { attributes += " font-size=\"\(Int(style.size))\"" }
    if style.bold { attributes += " font-weight=\"bold\"" }
    if style.color != .black { attributes += " fill=\"\(style.color.hex)\"" }
    if centred { attributes += " dominant-baseline=\"middle\"" }
    let position = rotated
      ? "transform=\"translate(\(Self.format(x)) \(Self.format(y))) rotate(-90)\""
      : "x=\"\(Self.format(x))\" y=\"\(Self.format(y))\""
    lines.append("<text \(position) \(attributes)>\(Self.escape(text))</text>")
  }

  mutating func beginClip(_ rect: Rect) {
    clips += 1
    lines.append("<clipPath id=\"area\(clips)\"><rect x=\"\(Self.format(rect.x + originX))\" y=\"\(Self.format(rect.y))\" width=\"\(Self.format(rect.width))\" height=\"\(Self.format(rect.height))\"/></clipPath>")
    lines.append("<g clip-path=\"url(#area\(clips))\">")
  }

  mutating func endClip() { lines.append("</g>") }

  static func format(_ value: Double) -> String { String(format: "%.1f", value) }

  static func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
  }
}
