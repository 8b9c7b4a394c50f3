// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore
import MyelinModels
import MyelinTraces
import Testing

/// The JSON examples and the Swift builders describe the same networks.
@Suite struct ExampleFileTests {
  static func example(_ name: String) throws -> Network {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    return try ModelFile.load(path: root.appendingPathComponent("examples/\(name).json").path)
  }

  @Test(arguments: [
    ("cuba", VogelsAbbott.cuba()), ("coba", VogelsAbbott.coba()),
    ("brunel-g5-eta2", Brunel.network(.g5eta2)), ("brunel-g6-eta4", Brunel.network(.g6eta4)),
    ("song2000", Song2000.network()),
  ])
  func exampleMatchesBuilder(name: String, built: Network) throws {
    let file = try Self.example(name)
    #expect(file.populations == built.populations)
    #expect(file.projections == built.projections)
  }
}
