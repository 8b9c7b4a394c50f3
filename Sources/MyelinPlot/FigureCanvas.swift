// SPDX-License-Identifier: Apache-2.0

/// What `Figure.draw` needs from an output format. Coordinates are layout pixels
/// (900 × 560, y down); a canvas scales them to its own resolution.
protocol FigureCanvas {
  /// Added to every x coordinate: where the current panel starts in a row of panels.
  var originX: Double { get set }
  mutating func fill(_ rect: Rect, color: Color, opacity: Double)
  /// Squares of side `size` with top-left corners at `origins`.
  mutating func squares(_ origins: [(Double, Double)], size: Double, color: Color)
  mutating func polyline(_ points: [(Double, Double)], width: Double, color: Color)
  /// Text anchored at (x, y): y is the baseline, or the middle of the text when `centred`;
  /// `rotated` turns it 90° anticlockwise about the anchor.
  mutating func text(_ text: String, x: Double, y: Double, style: TextStyle, anchor: TextAnchor,
                     centred: Bool, rotated: Bool)
  mutating func beginClip(_ rect: Rect)
  mutating func endClip()
}

extension FigureCanvas {
  mutating func text(_ text: String, x: Double, y: Double, style: TextStyle, anchor: TextAnchor,
                     centred: Bool = false, rotated: Bool = false) {
    self.text(text, x: x, y: y, style: style, anchor: anchor, centred: centred, rotated: rotated)
  }
}

enum TextAnchor: String { case start, middle, end }

/// The three kinds of text in a figure.
enum TextStyle {
  case title, body, note

  var size: Double {
    switch self {
    case .title: 15
    case .body: 12
    case .note: 11
    }
  }

  var bold: Bool { self == .title }
  var color: Color { self == .note ? .grey : .black }
}
