// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing

/// `myelin run` with plastic projections: weights reach the trace, `inspect` summarises
/// them and `plot weights` draws them.
@Suite struct PlasticityCLITests {
  static let model = """
    {"name": "plastic", "duration": 2000, "populations": [
       {"name": "in", "size": 100, "model": "poisson_generator", "rate": 20},
       {"name": "out", "size": 3, "model": "iaf_psc_delta", "params": {"V_th": -65}}],
     "projections": [{"name": "learn", "source": "in", "target": "out", "connector": {"rule": "all_to_all"},
        "weight": {"uniform": [0, 1]}, "delay": 1,
        "plasticity": {"rule": "stdp", "A_plus": 0.05, "A_minus": 0.06, "w_max": 1}}],
     "record": {"spikes": ["out"], "weights": [{"projection": "learn", "interval": 100, "synapses": 50}]}}
    """

  @Test func weightsAreRecordedInspectedAndPlotted() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("myelin-plastic-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let modelPath = directory.appendingPathComponent("plastic.json").path
    try Data(Self.model.utf8).write(to: URL(fileURLWithPath: modelPath))
    let trace = directory.appendingPathComponent("t.h5").path
    let run = try CLITests.run(["run", modelPath, "--output", trace, "--threads", "2"])
    #expect(run.status == 0, "\(run.stderr)")
    let inspect = try CLITests.run(["inspect", trace, "--json"])
    #expect(inspect.status == 0, "\(inspect.stderr)")
    let object = try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any]
    let weights = try #require((object?["weights"] as? [[String: Any]])?.first)
    #expect(weights["projection"] as? String == "learn")
    #expect(weights["synapses"] as? Int == 300)
    #expect(weights["snapshots"] as? Int == 21, "t = 0, 100, …, 2000 ms")
    let mean = try #require(weights["mean"] as? Double)
    #expect(mean > 0 && mean < 1 && abs(mean - 0.5) > 1e-3, "weights moved: mean \(mean)")
    let text = try CLITests.run(["inspect", trace])
    #expect(text.stdout.contains("learn (stdp, 300 synapses"))
    for output in ["w.svg", "w.png"] {
      let path = directory.appendingPathComponent(output).path
      let plot = try CLITests.run(["plot", "weights", trace, "-o", path])
      #expect(plot.status == 0, "\(plot.stderr)")
      #expect(FileManager.default.fileExists(atPath: path))
    }
    let svg = try String(contentsOfFile: directory.appendingPathComponent("w.svg").path, encoding: .utf8)
    #expect(PlotCLITests.wellFormed(svg) && svg.contains("mean weight over time") && svg.contains("21 snapshots"))
    let wrong = try CLITests.run(["plot", "weights", trace, "--projection", "nope", "-o", directory.appendingPathComponent("x.svg").path])
    #expect(wrong.status == 2 && wrong.stderr.contains("no weights of projection 'nope'"))
  }

  @Test func recordingAnUnknownProjectionIsAnInputError() throws {
    let bad = Self.model.replacingOccurrences(of: "{\"projection\": \"learn\"", with: "{\"projection\": \"teach\"")
    let result = try CLITests.run(["run", "bad.json", "--output", "t.h5"], input: ["bad.json": bad])
    #expect(result.status == 2)
    #expect(result.stderr.hasPrefix("error: bad.json: record.weights: unknown projection 'teach'"), "\(result.stderr)")
  }
}
