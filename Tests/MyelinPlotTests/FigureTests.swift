// SPDX-License-Identifier: Apache-2.0
import CPNG
import Foundation
import MyelinPlot
import Testing

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// PNGs are decoded back with libpng and checked pixel by pixel against the geometry.
struct FigureTests {
  struct Decoded {
    let width: Int, height: Int, rgb: [UInt8]
    func pixel(_ x: Int, _ y: Int) -> (Int, Int, Int) {
      let i = (y * width + x) * 3
      return (Int(rgb[i]), Int(rgb[i + 1]), Int(rgb[i + 2]))
    }
    /// Darkness summed over a box: 0 for white.
    func ink(x: Range<Int>, y: Range<Int>) -> Double {
      var sum = 0.0
      for py in y { for px in x { let p = pixel(px, py); sum += Double(765 - p.0 - p.1 - p.2) / 765 } }
      return sum
    }
  }

  static func decode(_ bytes: [UInt8]) -> Decoded? {
    var image = png_image()
    image.version = UInt32(PNG_IMAGE_VERSION)
    let begun = bytes.withUnsafeBytes { png_image_begin_read_from_memory(&image, $0.baseAddress, bytes.count) }
    guard begun != 0 else { return nil }
    image.format = UInt32(PNG_FORMAT_RGB)
    var rgb = [UInt8](repeating: 0, count: Int(image.width) * Int(image.height) * 3)
    let done = rgb.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
    guard done != 0 else { return nil }
    return Decoded(width: Int(image.width), height: Int(image.height), rgb: rgb)
  }

  static let blue = Color(hex: "#0072B2")!

  @Test func pngHasTheLayoutSizeTimesScaleAndAWhiteBackground() throws {
    let figure = Figure(x: 0...10, y: 0...1, title: "", xLabel: "", yLabel: "")
    let bytes = try figure.png(scale: 2)
    #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
    let image = try #require(Self.decode(bytes))
    #expect(image.width == 1800 && image.height == 1120)
    #expect(image.pixel(1000, 500) == (255, 255, 255))
    #expect(image.pixel(1799, 0) == (255, 255, 255))
    let small = try #require(Self.decode(try figure.png(scale: 1)))
    #expect(small.width == 900 && small.height == 560)
  }

  @Test func barsCoverExactlyTheirArea() throws {
    // One bar from x = 2 to 4 (data) and height 0.5, in a figure without text.
    var figure = Figure(x: 0...10, y: 0...1, title: "", xLabel: "", yLabel: "")
    figure.addBars([(x0: 2, x1: 4, height: 0.5)], color: .black)
    let image = try #require(Self.decode(try figure.png(scale: 2)))
    let x0 = figure.px(2) * 2, x1 = (figure.px(4) - 0.5) * 2, top = figure.py(0.5) * 2, base = figure.py(0) * 2
    // Inside: the bar's colour at 80% opacity over white.
    let inside = image.pixel(Int((x0 + x1) / 2), Int((top + base) / 2))
    #expect(inside == (51, 51, 51))
    // Ink over a box around the bar equals its area × opacity (edges are anti-aliased, not lost);
    // the box stops short of the axis line at the bottom.
    let ink = image.ink(x: Int(x0) - 3..<Int(x1) + 3, y: Int(top) - 3..<Int(base) - 4)
    let expected = (x1 - x0) * (base - 4 - top) * 0.8
    #expect(abs(ink - expected) < 0.01 * expected, "ink \(ink), expected \(expected)")
  }

  @Test func linesAreAntiAliasedWithTheirWidth() throws {
    // A horizontal line at y = 0.5 is 1.2 layout px = 2.4 device px thick at scale 2.
    var figure = Figure(x: 0...10, y: 0...1, title: "", xLabel: "", yLabel: "")
    figure.addLine(points: [(1, 0.5), (5, 0.5), (9, 0.5)], color: .black)
    let image = try #require(Self.decode(try figure.png(scale: 2)))
    let column = Int(figure.px(5) * 2), row = Int(figure.py(0.5) * 2)
    let ink = image.ink(x: column..<column + 1, y: row - 6..<row + 6)
    #expect(abs(ink - 2.4) < 0.05, "ink per column \(ink)")
    // The joint at x = 5 is not drawn twice: same ink as a plain stretch of the line.
    let plain = image.ink(x: column + 40..<column + 41, y: row - 6..<row + 6)
    #expect(abs(ink - plain) < 0.02)
    // Clipped to the plot area: nothing right of the axis end.
    var clipped = Figure(x: 0...10, y: 0...1, title: "", xLabel: "", yLabel: "")
    clipped.addLine(points: [(5, 0.5), (20, 0.5)], color: .black)
    let c = try #require(Self.decode(try clipped.png(scale: 2)))
    #expect(c.ink(x: Int(clipped.px(10) * 2) + 2..<1800, y: row - 6..<row + 6) == 0)
  }

  @Test func textIsDrawnWhereTheLayoutPutsIt() throws {
    var figure = Figure(x: 0...10, y: 0...1, title: "Spike raster", xLabel: "time (ms)", yLabel: "neuron")
    figure.note = "1 000 spikes drawn as 900 marks: one per 2×2-pixel cell"
    let image = try #require(Self.decode(try figure.png(scale: 2)))
    // Title: centred over the plot area at y = 24 (baseline), so ink lies above row 48.
    let titleInk = image.ink(x: 0..<1800, y: 20..<50)
    #expect(titleInk > 200)
    let centre = Int((80 + 670.0 / 2) * 2)
    #expect(image.ink(x: centre - 60..<centre + 60, y: 20..<50) > 50)
    #expect(image.ink(x: 0..<120, y: 20..<50) == 0, "title is centred, not left-aligned")
    // The y label is rotated: a tall, narrow patch of ink near x = 22.
    let yLabel = image.ink(x: 20..<48, y: 400..<720)
    #expect(yLabel > 50)
    #expect(image.ink(x: 20..<48, y: 100..<300) == 0)
    // Without text the same regions stay white.
    let blank = try #require(Self.decode(try Figure(x: 0...10, y: 0...1, title: "", xLabel: "", yLabel: "").png()))
    #expect(blank.ink(x: 0..<1800, y: 20..<50) == 0)
    #expect(blank.ink(x: 20..<48, y: 400..<720) == 0)
  }

  @Test func marksAndLegendUseTheSeriesColour() throws {
    var figure = Figure(x: 0...10, y: 0...1, title: "", xLabel: "", yLabel: "")
    figure.addMarks(pixels: [(300, 200)], size: 4, color: Self.blue)
    figure.addLegend("E", color: Self.blue)
    let image = try #require(Self.decode(try figure.png(scale: 2)))
    #expect(image.pixel(604, 404) == (0x00, 0x72, 0xB2))
    // Legend swatch at (x1 + 15, top + 4) … 12 px square.
    let swatch = image.pixel(Int((80 + 670 + 21) * 2), Int((50 + 10) * 2))
    #expect(swatch == (0x00, 0x72, 0xB2))
  }

  @Test func svgIsWellFormedAndNamesEverything() throws {
    var figure = Figure(x: 0...10, y: 0...1, title: "a <b> & c", xLabel: "time (ms)", yLabel: "rate (Hz)")
    figure.addLine(points: [(0, 0), (10, 1)], color: Self.blue)
    figure.addLegend("E", color: Self.blue)
    let svg = figure.svg()
    #expect(XMLParser(data: Data(svg.utf8)).parse())
    #expect(svg.contains("a &lt;b&gt; &amp; c"))
    #expect(svg.contains("#0072B2"))
    #expect(svg.contains(">rate (Hz)<"))
  }

  /// Non-finite data (a diverged neuron, a NaN weight) neither traps nor reaches the SVG.
  @Test func nonFiniteDataIsSkipped() throws {
    var figure = Figure(x: 0...Double.infinity, y: -Double.infinity...Double.infinity, title: "t", xLabel: "x", yLabel: "y")
    figure.addLine(points: [(0, 1), (.nan, 2), (3, .infinity), (1e300, -1e300)], color: .black)
    figure.addMarks(pixels: [(.nan, 1), (1e300, 5)], size: 2, color: .black)
    figure.addBars([(x0: 0, x1: .infinity, height: .nan)], color: .black)
    #expect(Self.decode(try figure.png()) != nil)
    let svg = figure.svg()
    // "nan" or "inf" as a word (not inside "dominant-baseline").
    let pattern = try NSRegularExpression(pattern: "(?<![a-z])-?(nan|inf)(?![a-z])", options: [.caseInsensitive])
    let hits = pattern.numberOfMatches(in: svg, range: NSRange(svg.startIndex..., in: svg))
    #expect(hits == 0)
  }

  @Test func badScaleIsAnError() {
    let figure = Figure(x: 0...1, y: 0...1, title: "", xLabel: "", yLabel: "")
    #expect(throws: PlotError.self) { try figure.png(scale: 100) }
    #expect(throws: PlotError.self) { try figure.png(scale: .nan) }
  }
}
