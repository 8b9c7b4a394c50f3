// SPDX-License-Identifier: Apache-2.0
import CZlib
import Foundation

/// A face of anti-aliased glyph bitmaps, decoded from `FontData` (written by make_font.py).
///
/// Blob layout, little-endian: "MYF1", size u16, ascent u16, descent u16, count u16, then per
/// glyph: code point u32, advance u16 (1/64 px), left i16, top i16 (from the baseline, negative
/// is up), width u8, height u8, and width × height coverage bytes, row-major.
struct BitmapFont: Sendable {
  struct Glyph: Sendable {
    let advance: Double
    let left: Int, top: Int, width: Int, height: Int
    /// Start of the coverage bytes in `coverage`.
    let offset: Int
  }

  let pixelSize: Int
  let ascent: Int
  let descent: Int
  let glyphs: [UInt32: Glyph]
  let coverage: [UInt8]

  static let regular24 = BitmapFont(FontData.regular24)
  static let regular22 = BitmapFont(FontData.regular22)
  static let bold30 = BitmapFont(FontData.bold30)

  /// Nil only if the generated data is damaged, which tests rule out.
  init?(_ base64: String) {
    guard let packed = Data(base64Encoded: base64, options: .ignoreUnknownCharacters),
      let blob = Self.inflate([UInt8](packed)), blob.count >= 12, blob[0..<4].elementsEqual("MYF1".utf8)
    else { return nil }
    var reader = ByteReader(bytes: blob, position: 4)
    pixelSize = Int(reader.u16())
    ascent = Int(reader.u16())
    descent = Int(reader.u16())
    let count = Int(reader.u16())
    var glyphs: [UInt32: Glyph] = [:]
    for _ in 0..<count {
      guard reader.position + 12 <= blob.count else { return nil }
      let code = reader.u32()
      let advance = Double(reader.u16()) / 64
      let left = Int(reader.i16()), top = Int(reader.i16())
      let width = Int(reader.u8()), height = Int(reader.u8())
      guard reader.position + width * height <= blob.count else { return nil }
      glyphs[code] = Glyph(advance: advance, left: left, top: top, width: width, height: height,
                           offset: reader.position)
      reader.position += width * height
    }
    guard glyphs[63] != nil else { return nil }  // '?' stands in for missing characters
    self.glyphs = glyphs
    coverage = blob
  }

  func glyph(_ scalar: Unicode.Scalar) -> Glyph {
    glyphs[scalar.value] ?? glyphs[63]!
  }

  /// Advance width of a line of text, in pixels.
  func width(of text: String) -> Double {
    text.unicodeScalars.reduce(0) { $0 + glyph($1).advance }
  }

  private static func inflate(_ input: [UInt8]) -> [UInt8]? {
    var capacity = max(input.count * 4, 1 << 16)
    while capacity < 1 << 26 {
      var output = [UInt8](repeating: 0, count: capacity)
      var length = uLongf(capacity)
      let status = output.withUnsafeMutableBufferPointer { out in
        input.withUnsafeBufferPointer { uncompress(out.baseAddress, &length, $0.baseAddress, uLong(input.count)) }
      }
      if status == Z_OK { return Array(output[0..<Int(length)]) }
      guard status == Z_BUF_ERROR else { return nil }
      capacity *= 2
    }
    return nil
  }
}

private struct ByteReader {
  let bytes: [UInt8]
  var position: Int
  mutating func u8() -> UInt8 {
    defer { position += 1 }
    return bytes[position]
  }
  mutating func u16() -> UInt16 { UInt16(u8()) | UInt16(u8()) << 8 }
  mutating func i16() -> Int16 { Int16(bitPattern: u16()) }
  mutating func u32() -> UInt32 { UInt32(u16()) | UInt32(u16()) << 16 }
}
