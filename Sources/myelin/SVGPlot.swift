// SPDX-License-Identifier: Apache-2.0
import Foundation

/// A small SVG figure: one plot area with linear axes, ticks, labels, a title and a legend.
/// Marks are added in data coordinates; the figure maps them to pixels.
struct SVGPlot {
  let width = 900.0, height = 560.0
  let left = 80.0, right = 150.0, top = 50.0, bottom = 60.0
  var x: ClosedRange<Double>
  var y: ClosedRange<Double>
  var title: String
  var xLabel: String
  var yLabel: String
  var note: String?
  private var body: [String] = []
  private var legend: [(String, String)] = []

  /// Colours for populations (colour-blind friendly, after Okabe and Ito).
  static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]

  init(x: ClosedRange<Double>, y: ClosedRange<Double>, title: String, xLabel: String, yLabel: String) {
    self.x = x.lowerBound < x.upperBound ? x : x.lowerBound...(x.lowerBound + 1)
    self.y = y.lowerBound < y.upperBound ? y : y.lowerBound...(y.lowerBound + 1)
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
  }

  var plotWidth: Double { width - left - right }
  var plotHeight: Double { height - top - bottom }

  func px(_ value: Double) -> Double {
    left + (value - x.lowerBound) / (x.upperBound - x.lowerBound) * plotWidth
  }

  func py(_ value: Double) -> Double {
    top + plotHeight - (value - y.lowerBound) / (y.upperBound - y.lowerBound) * plotHeight
  }

  /// Marks at pixel positions, as one path of small squares (compact for many marks).
  mutating func addMarks(pixels: [(Double, Double)], size: Double, color: String) {
    guard !pixels.isEmpty else { return }
    var d = ""
    d.reserveCapacity(pixels.count * 24)
    for (a, b) in pixels {
      d += "M\(Self.format(a)) \(Self.format(b))h\(Self.format(size))v\(Self.format(size))h-\(Self.format(size))z"
    }
    body.append("<path fill=\"\(color)\" d=\"\(d)\"/>")
  }

  mutating func addLine(points: [(Double, Double)], color: String) {
    guard points.count > 1 else { return }
    let list = points.map { "\(Self.format(px($0.0))),\(Self.format(py($0.1)))" }.joined(separator: " ")
    body.append("<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.2\" points=\"\(list)\"/>")
  }

  mutating func addBars(_ bars: [(x0: Double, x1: Double, height: Double)], color: String) {
    for bar in bars where bar.height > 0 {
      let x0 = px(bar.x0), x1 = px(bar.x1), y0 = py(bar.height), base = py(y.lowerBound)
      body.append("<rect x=\"\(Self.format(x0))\" y=\"\(Self.format(y0))\" width=\"\(Self.format(max(x1 - x0 - 0.5, 0.5)))\" height=\"\(Self.format(base - y0))\" fill=\"\(color)\" fill-opacity=\"0.8\"/>")
    }
  }

  mutating func addLegend(_ label: String, color: String) { legend.append((label, color)) }

  /// The finished document.
  func render() -> String {
    var out = [
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">",
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
      "<text x=\"\(Self.format(left + plotWidth / 2))\" y=\"24\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">\(Self.escape(title))</text>",
    ]
    if let note {
      out.append("<text x=\"\(Self.format(left + plotWidth / 2))\" y=\"40\" text-anchor=\"middle\" font-size=\"11\" fill=\"#555\">\(Self.escape(note))</text>")
    }
    out.append("<g clip-path=\"url(#area)\">")
    out.append("<clipPath id=\"area\"><rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotWidth)\" height=\"\(plotHeight)\"/></clipPath>")
    out += body
    out.append("</g>")
    // Axes, ticks and labels.
    let x0 = left, x1 = left + plotWidth, y0 = top + plotHeight
    out.append("<path d=\"M\(x0) \(top)V\(y0)H\(x1)\" fill=\"none\" stroke=\"black\"/>")
    for t in Self.ticks(x) {
      let p = Self.format(px(t))
      out.append("<path d=\"M\(p) \(y0)v5\" stroke=\"black\"/><text x=\"\(p)\" y=\"\(y0 + 18)\" text-anchor=\"middle\">\(Self.label(t))</text>")
    }
    for t in Self.ticks(y) {
      let p = Self.format(py(t))
      out.append("<path d=\"M\(x0) \(p)h-5\" stroke=\"black\"/><text x=\"\(x0 - 8)\" y=\"\(p)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(Self.label(t))</text>")
    }
    out.append("<text x=\"\(Self.format(left + plotWidth / 2))\" y=\"\(height - 15)\" text-anchor=\"middle\">\(Self.escape(xLabel))</text>")
    out.append("<text transform=\"translate(22 \(Self.format(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(Self.escape(yLabel))</text>")
    for (i, (label, color)) in legend.enumerated() {
      let ly = top + 10 + Double(i) * 20
      out.append("<rect x=\"\(x1 + 15)\" y=\"\(ly - 6)\" width=\"12\" height=\"12\" fill=\"\(color)\"/><text x=\"\(x1 + 33)\" y=\"\(ly)\" dominant-baseline=\"middle\">\(Self.escape(label))</text>")
    }
    out.append("</svg>")
    return out.joined(separator: "\n") + "\n"
  }

  /// About five round tick values (1, 2 or 5 times a power of ten apart) inside `range`.
  static func ticks(_ range: ClosedRange<Double>) -> [Double] {
    let span = range.upperBound - range.lowerBound
    guard span > 0, span.isFinite else { return [range.lowerBound] }
    let raw = span / 5
    let magnitude = pow(10, floor(log10(raw)))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
    var ticks: [Double] = []
    var t = ceil(range.lowerBound / step) * step
    while t <= range.upperBound + step * 1e-9 && ticks.count < 50 {
      ticks.append(abs(t) < step * 1e-9 ? 0 : t)
      t += step
    }
    return ticks
  }

  static func label(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(format: "%g", value)
  }

  static func format(_ value: Double) -> String { String(format: "%.1f", value) }

  static func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
  }
}
