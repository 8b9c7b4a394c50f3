// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing

#if canImport(FoundationXML)
  import FoundationXML
#endif

@Suite struct PlotCLITests {
  /// Writes a Brunel trace of `duration` ms and returns its path (caller removes it).
  static func trace(duration: Int) throws -> String {
    let path = TraceCLITests.temporary("plot-\(duration).h5")
    let run = try CLITests.run(["run", TraceCLITests.brunel, "--duration", "\(duration)",
                                "--threads", "2", "--output", path, "--force"])
    #expect(run.status == 0, "\(run.stderr)")
    return path
  }

  static func wellFormed(_ svg: String) -> Bool {
    XMLParser(data: Data(svg.utf8)).parse()
  }

  @Test func rasterRateAndIsiAreWellFormedSVG() throws {
    let path = try Self.trace(duration: 300)
    defer { try? FileManager.default.removeItem(atPath: path) }
    for kind in ["raster", "rate", "isi"] {
      let out = TraceCLITests.temporary("plot-\(kind).svg")
      defer { try? FileManager.default.removeItem(atPath: out) }
      let result = try CLITests.run(["plot", kind, path, "-o", out, "--from", "100", "--to", "300"])
      #expect(result.status == 0, "\(result.stderr)")
      let svg = try String(contentsOfFile: out, encoding: .utf8)
      #expect(Self.wellFormed(svg), "\(kind) is not well-formed XML")
      #expect(svg.contains("time (ms)") || svg.contains("interval (ms)"))
      #expect(svg.contains(">E<") || svg.contains(">E ("), "legend names the population")
    }
  }

  /// A raster of many spikes is thinned, says so, and stays far below 5 MB.
  @Test func largeRasterIsThinnedAndSmall() throws {
    let path = try Self.trace(duration: 1000)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let out = TraceCLITests.temporary("plot-big.svg")
    defer { try? FileManager.default.removeItem(atPath: out) }
    let result = try CLITests.run(["plot", "raster", path, "-o", out])
    #expect(result.status == 0, "\(result.stderr)")
    let svg = try String(contentsOfFile: out, encoding: .utf8)
    #expect(svg.utf8.count < 5_000_000)
    #expect(svg.contains("drawn as"))
    // A small window of few neurons is drawn in full.
    let small = try CLITests.run(["plot", "raster", path, "-o", out, "--force", "--neurons", "0:50",
                                  "--from", "500", "--to", "700"])
    #expect(small.status == 0, "\(small.stderr)")
    #expect(!(try String(contentsOfFile: out, encoding: .utf8)).contains("drawn as"))
  }

  /// Every kind also renders to PNG; an existing PNG is kept without --force.
  @Test func everyKindWritesPNG() throws {
    let path = try Self.trace(duration: 200)
    defer { try? FileManager.default.removeItem(atPath: path) }
    for kind in ["raster", "rate", "isi"] {
      let out = TraceCLITests.temporary("plot-\(kind).png")
      defer { try? FileManager.default.removeItem(atPath: out) }
      let result = try CLITests.run(["plot", kind, path, "-o", out])
      #expect(result.status == 0, "\(result.stderr)")
      let bytes = try Data(contentsOf: URL(fileURLWithPath: out))
      #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]), "\(kind) is not a PNG")
      #expect(bytes.count > 10_000 && bytes.count < 5_000_000)
      let again = try CLITests.run(["plot", kind, path, "-o", out])
      #expect(again.status == 2 && again.stderr.contains("exists already"))
    }
  }

  @Test(arguments: [
    (["plot", "raster", "missing.h5", "-o", "x.svg"], "error: missing.h5: no such file"),
    (["plot", "histogram", "t.h5", "-o", "x.svg"], "error: plot needs a kind"),
    (["plot", "raster", "t.h5"], "error: plot needs an output file"),
    (["plot", "raster", "t.h5", "-o", "x.pdf"], "error: invalid output 'x.pdf'"),
    (["plot", "raster", "t.h5", "-o", "x.svg", "--neurons", "5:2"], "error: invalid value '5:2'"),
  ])
  func badInputExitsWithTwo(arguments: [String], message: String) throws {
    let result = try CLITests.run(arguments)
    #expect(result.status == 2)
    #expect(result.stderr.hasPrefix(message), "\(result.stderr)")
  }
}
