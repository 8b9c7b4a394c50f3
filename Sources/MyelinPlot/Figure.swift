// SPDX-License-Identifier: Apache-2.0
import Foundation

/// A figure with one plot area: linear axes, ticks, labels, a title, a note and a legend.
/// Marks are added in data or pixel coordinates of a 900 × 560 layout; the same figure
/// renders to SVG (`svg()`) and to PNG (`png(scale:)`), so both outputs show the same thing.
public struct Figure: Sendable {
  public let width = 900.0, height = 560.0
  let left = 80.0, right = 150.0, top = 50.0, bottom = 60.0
  public var x: ClosedRange<Double>
  public var y: ClosedRange<Double>
  public var title: String
  public var xLabel: String
  public var yLabel: String
  /// A line under the title that says how the data was reduced (thinning, binning).
  public var note: String?
  var marks: [Mark] = []
  var legend: [(label: String, color: Color)] = []

  /// Colours for populations (colour-blind friendly, after Okabe and Ito).
  public static let palette: [Color] = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
                                        "#000000", "#F0E442"].compactMap(Color.init(hex:))

  public init(x: ClosedRange<Double>, y: ClosedRange<Double>, title: String, xLabel: String, yLabel: String) {
    self.x = Self.usable(x)
    self.y = Self.usable(y)
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
  }

  /// A finite, non-empty axis range: non-finite ends (from NaN or infinite data) fall back
  /// to 0...1, an empty range widens by 1.
  static func usable(_ range: ClosedRange<Double>) -> ClosedRange<Double> {
    let lo = range.lowerBound.isFinite ? range.lowerBound : 0
    let hi = range.upperBound.isFinite ? range.upperBound : lo + 1
    return lo < hi && (hi - lo).isFinite ? lo...hi : lo...(lo + 1)
  }

  var plotWidth: Double { width - left - right }
  var plotHeight: Double { height - top - bottom }
  var plotArea: Rect { Rect(x: left, y: top, width: plotWidth, height: plotHeight) }

  /// Horizontal pixel position of a data value.
  public func px(_ value: Double) -> Double {
    left + (value - x.lowerBound) / (x.upperBound - x.lowerBound) * plotWidth
  }

  /// Vertical pixel position of a data value (pixels grow downwards).
  public func py(_ value: Double) -> Double {
    top + plotHeight - (value - y.lowerBound) / (y.upperBound - y.lowerBound) * plotHeight
  }

  /// Square marks with their top-left corners at pixel positions.
  public mutating func addMarks(pixels: [(Double, Double)], size: Double, color: Color) {
    guard !pixels.isEmpty else { return }
    marks.append(.squares(pixels, size: size, color: color))
  }

  /// A polyline through data points.
  public mutating func addLine(points: [(Double, Double)], color: Color) {
    guard points.count > 1 else { return }
    marks.append(.polyline(points.map { (px($0.0), py($0.1)) }, width: 1.2, color: color))
  }

  /// Histogram bars in data coordinates, drawn from the bottom of the axis.
  public mutating func addBars(_ bars: [(x0: Double, x1: Double, height: Double)], color: Color) {
    for bar in bars where bar.height > 0 {
      let x0 = px(bar.x0), x1 = px(bar.x1), y0 = py(bar.height), base = py(y.lowerBound)
      marks.append(.rect(Rect(x: x0, y: y0, width: max(x1 - x0 - 0.5, 0.5), height: base - y0),
                         color: color, opacity: 0.8))
    }
  }

  public mutating func addLegend(_ label: String, color: Color) { legend.append((label, color)) }

  /// Draws everything: marks clipped to the plot area, then axes, ticks, labels and legend.
  func draw<Canvas: FigureCanvas>(on canvas: inout Canvas) {
    canvas.fill(Rect(x: 0, y: 0, width: width, height: height), color: .white, opacity: 1)
    canvas.text(title, x: left + plotWidth / 2, y: 24, style: .title, anchor: .middle)
    if let note { canvas.text(note, x: left + plotWidth / 2, y: 40, style: .note, anchor: .middle) }
    canvas.beginClip(plotArea)
    for mark in marks {
      switch mark {
      case let .squares(origins, size, color): canvas.squares(origins, size: size, color: color)
      case let .polyline(points, width, color): canvas.polyline(points, width: width, color: color)
      case let .rect(rect, color, opacity): canvas.fill(rect, color: color, opacity: opacity)
      }
    }
    canvas.endClip()
    let x0 = left, x1 = left + plotWidth, y0 = top + plotHeight
    canvas.polyline([(x0, top), (x0, y0), (x1, y0)], width: 1, color: .black)
    for t in Self.ticks(x) {
      let p = px(t)
      canvas.polyline([(p, y0), (p, y0 + 5)], width: 1, color: .black)
      canvas.text(Self.label(t), x: p, y: y0 + 18, style: .body, anchor: .middle)
    }
    for t in Self.ticks(y) {
      let p = py(t)
      canvas.polyline([(x0, p), (x0 - 5, p)], width: 1, color: .black)
      canvas.text(Self.label(t), x: x0 - 8, y: p, style: .body, anchor: .end, centred: true)
    }
    canvas.text(xLabel, x: left + plotWidth / 2, y: height - 15, style: .body, anchor: .middle)
    canvas.text(yLabel, x: 22, y: top + plotHeight / 2, style: .body, anchor: .middle, rotated: true)
    for (i, entry) in legend.enumerated() {
      let ly = top + 10 + Double(i) * 20
      canvas.fill(Rect(x: x1 + 15, y: ly - 6, width: 12, height: 12), color: entry.color, opacity: 1)
      canvas.text(entry.label, x: x1 + 33, y: ly, style: .body, anchor: .start, centred: true)
    }
  }

  /// The figure as an SVG document.
  public func svg() -> String { FigureRow([self]).svg() }

  /// The figure as PNG bytes, `scale` pixels per layout unit (2 gives 1800 × 1120).
  public func png(scale: Double = 2) throws(PlotError) -> [UInt8] { try FigureRow([self]).png(scale: scale) }

  /// About five round tick values (1, 2 or 5 times a power of ten apart) inside `range`.
  public static func ticks(_ range: ClosedRange<Double>) -> [Double] {
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
}

/// Something that renders to SVG text and PNG bytes.
public protocol Renderable {
  func svg() -> String
  func png(scale: Double) throws(PlotError) -> [UInt8]
}

extension Figure: Renderable {}
extension FigureRow: Renderable {}

/// Figures side by side, each in its own 900 × 560 panel (for example a histogram beside a
/// time course), rendered as one SVG or PNG.
public struct FigureRow: Sendable {
  public var panels: [Figure]

  public init(_ panels: [Figure]) { self.panels = panels }

  var width: Double { panels.reduce(0) { $0 + $1.width } }
  var height: Double { panels.map(\.height).max() ?? 0 }

  func draw<Canvas: FigureCanvas>(on canvas: inout Canvas) {
    var x = 0.0
    for panel in panels {
      canvas.originX = x
      panel.draw(on: &canvas)
      x += panel.width
    }
    canvas.originX = 0
  }

  public func svg() -> String {
    var canvas = SVGCanvas(width: width, height: height)
    draw(on: &canvas)
    return canvas.document()
  }

  public func png(scale: Double = 2) throws(PlotError) -> [UInt8] {
    var canvas = try RasterCanvas(width: width, height: height, scale: scale)
    draw(on: &canvas)
    return try canvas.encodePNG()
  }
}

enum Mark: Sendable {
  case squares([(Double, Double)], size: Double, color: Color)
  case polyline([(Double, Double)], width: Double, color: Color)
  case rect(Rect, color: Color, opacity: Double)
}

struct Rect: Sendable {
  var x, y, width, height: Double
}

/// An sRGB colour.
public struct Color: Sendable, Equatable {
  public let red, green, blue: UInt8
  public static let white = Color(red: 255, green: 255, blue: 255)
  public static let black = Color(red: 0, green: 0, blue: 0)
  static let grey = Color(red: 0x55, green: 0x55, blue: 0x55)

  public init(red: UInt8, green: UInt8, blue: UInt8) {
    self.red = red
    self.green = green
    self.blue = blue
  }

  /// `#RRGGBB`.
  public init?(hex: String) {
    guard hex.count == 7, hex.first == "#", let value = UInt32(hex.dropFirst(), radix: 16) else { return nil }
    self.init(red: UInt8(value >> 16 & 0xFF), green: UInt8(value >> 8 & 0xFF), blue: UInt8(value & 0xFF))
  }

  public var hex: String { String(format: "#%02X%02X%02X", red, green, blue) }
}

public struct PlotError: Error, CustomStringConvertible, Sendable {
  public let description: String
  init(_ description: String) { self.description = description }
}
