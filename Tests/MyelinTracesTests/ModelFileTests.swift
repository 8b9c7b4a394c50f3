// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore
import MyelinTraces
import Testing

/// Every class of bad model input gets a ModelError that names the file and the field.
@Suite struct ModelFileTests {
  static let valid = """
    {"name": "t", "populations": [
       {"name": "A", "size": 10, "model": "iaf_psc_exp"},
       {"name": "B", "size": 5, "model": "iaf_psc_delta", "params": {"tau_m": 5}}],
     "projections": [
       {"source": "A", "target": "B", "connector": {"rule": "fixed_indegree", "indegree": 3},
        "weight": 0.5, "delay": 1.5}]}
    """

  /// Parses `text` and builds it with dt = 0.1 ms, returning the error if any.
  static func error(_ text: String, dt: Double = 0.1) -> ModelError? {
    do {
      let network = try ModelFile.parse(text)
      try network.validate()
      _ = try Simulation(network: network, options: SimulationOptions(dt: dt))
      return nil
    } catch {
      return error
    }
  }

  @Test func validModelParses() throws {
    let network = try ModelFile.parse(Self.valid)
    #expect(network.populations.map(\.name) == ["A", "B"])
    #expect(network.projections.first?.connector == .fixedIndegree(3))
    #expect(Self.error(Self.valid) == nil)
  }

  @Test func unitsAreConverted() throws {
    let network = try ModelFile.parse("""
      {"dt": "100 us", "duration": "2 s", "populations": [{"name": "A", "size": 1,
       "model": "iaf_psc_exp", "params": {"tau_m": "0.02 s", "I_e": "0.5 nA", "C_m": "1 nF"}}]}
      """)
    #expect(abs(network.defaults.dt - 0.1) < 1e-12)
    #expect(network.defaults.duration == 2000)
    #expect(network.populations[0].model == .iafPscExp({
      var p = IafPscExp()
      p.tau_m = 20
      p.I_e = 500
      p.C_m = 1000
      return p
    }()))
  }

  @Test(arguments: [
    // (model text, expected field, words in the problem)
    ("{\"populations\": [", "line 1, column 18", "malformed JSON"),
    ("{\"populations\": [{\"name\": \"A\", \"size\": 1, \"model\": \"izhikevich\"}]}",
     "populations[0].model", "unknown model"),
    ("{\"populations\": [{\"name\": \"A\", \"size\": 1, \"model\": \"iaf_psc_exp\", \"colour\": 1}]}",
     "populations[0].colour", "unknown field"),
    ("{\"populations\": [{\"name\": \"A\", \"size\": 1, \"model\": \"iaf_psc_exp\", \"params\": {\"tau\": 1}}]}",
     "populations[0].params.tau", "unknown field"),
    ("{\"populations\": [{\"name\": \"A\", \"size\": 1, \"model\": \"iaf_psc_exp\", \"params\": {\"tau_m\": 0}}]}",
     "populations[0].params.tau_m", "must be positive"),
    ("{\"populations\": [{\"name\": \"A\", \"size\": 1, \"model\": \"iaf_psc_exp\", \"params\": {\"tau_syn_ex\": -2}}]}",
     "populations[0].params.tau_syn_ex", "must be positive"),
    ("{\"populations\": [{\"name\": \"A\", \"size\": 0, \"model\": \"iaf_psc_exp\"}]}",
     "populations[0].size", "is 0"),
    ("{\"populations\": [{\"name\": \"A\", \"size\": 1, \"model\": \"iaf_psc_exp\", \"params\": {\"tau_m\": \"5 mV\"}}]}",
     "populations[0].params.tau_m", "not a number in ms"),
    ("{\"populations\": [{\"name\": \"A\", \"size\": 2, \"model\": \"iaf_psc_exp\"}], \"projections\": [{\"source\": \"A\", \"target\": \"Z\", \"connector\": {\"rule\": \"all_to_all\"}}]}",
     "projections[0].target", "unknown population 'Z'"),
    ("{\"populations\": [{\"name\": \"A\", \"size\": 2, \"model\": \"iaf_psc_exp\"}], \"projections\": [{\"source\": \"A\", \"target\": \"A\", \"connector\": {\"rule\": \"small_world\"}}]}",
     "projections[0].connector.rule", "unknown connector"),
    ("{\"populations\": [{\"name\": \"A\", \"size\": 2, \"model\": \"iaf_psc_exp\"}], \"projections\": [{\"source\": \"A\", \"target\": \"A\", \"connector\": {\"rule\": \"pairwise_bernoulli\", \"p\": 1.5}}]}",
     "projections[0].connector.p", "probability in [0, 1]"),
    ("{\"populations\": [{\"name\": \"A\", \"size\": 2, \"model\": \"iaf_psc_exp\"}], \"projections\": [{\"source\": \"A\", \"target\": \"A\", \"connector\": {\"rule\": \"fixed_indegree\", \"indegree\": 5, \"allow_multapses\": false}}]}",
     "projections[0].connector.indegree", "is 5"),
    ("{\"populations\": [{\"name\": \"A\", \"size\": 2, \"model\": \"iaf_psc_exp\"}], \"projections\": [{\"source\": \"A\", \"target\": \"A\", \"connector\": {\"rule\": \"all_to_all\"}, \"delay\": 0.01}]}",
     "projections[0].delay", "shorter than one step"),
    ("{\"populations\": [{\"name\": \"A\", \"size\": 2, \"model\": \"iaf_psc_exp\"}], \"projections\": [{\"source\": \"A\", \"target\": \"A\", \"connector\": {\"rule\": \"all_to_all\", \"p\": 0.1}}]}",
     "projections[0].connector.p", "unknown field"),
    ("{\"populations\": [{\"name\": \"A\", \"size\": 100000000, \"model\": \"iaf_psc_exp\"}], \"projections\": [{\"source\": \"A\", \"target\": \"A\", \"connector\": {\"rule\": \"fixed_indegree\", \"indegree\": 100000}}]}",
     "network", "more than this machine can hold"),
    ("{\"populations\": [{\"name\": \"A\", \"size\": 1, \"model\": \"iaf_psc_exp\"}, {\"name\": \"A\", \"size\": 1, \"model\": \"iaf_psc_exp\"}]}",
     "populations[1].name", "used twice"),
    ("{\"populations\": [{\"name\": \"G\", \"size\": 1, \"model\": \"poisson_generator\", \"rate\": 20000}]}",
     "populations[0].rate", "spikes per step"),
    ("{\"populations\": [{\"name\": \"G\", \"size\": 2, \"model\": \"spike_generator\", \"spike_times\": [[1.0]]}]}",
     "populations[0].spike_times", "one list per neuron"),
    ("{\"seed\": 9223372036854775807, \"populations\": [{\"name\": \"A\", \"size\": 1, \"model\": \"iaf_psc_exp\"}]}",
     "seed", "an integer in"),
    ("{\"populations\": [{\"name\": \"A\", \"size\": 1, \"model\": \"iaf_psc_exp\", \"params\": {\"V_th\": -55, \"V_reset\": -55.0000001}}]}",
     "populations[0].params.V_reset", "equals V_th in float precision"),
    ("{\"populations\": [{\"name\": \"A\", \"size\": 1, \"model\": \"iaf_psc_exp\", \"params\": {\"t_ref\": 1e10}}]}",
     "populations[0].params.t_ref", "steps of dt"),
    ("{\"populations\": [{\"name\": \"G\", \"size\": 1, \"model\": \"spike_generator\", \"spike_times\": [[1e300]]}]}",
     "populations[0].spike_times[0][0]", "too late"),
    ("{\"populations\": [{\"name\": \"A\", \"size\": 2, \"model\": \"iaf_psc_exp\"}], \"projections\": [{\"source\": \"A\", \"target\": \"A\", \"connector\": {\"rule\": \"all_to_all\"}, \"weight\": 1e300}]}",
     "projections[0].weight", "finite value in the run's precision"),
    ("{\"populations\": [{\"name\": \"A\", \"size\": 2, \"model\": \"iaf_psc_exp\"}], \"projections\": [{\"source\": \"A\", \"target\": \"A\", \"connector\": {\"rule\": \"all_to_all\"}, \"weight\": {\"uniform\": [-1e308, 1e308]}}]}",
     "projections[0].weight", "too wide"),
    ("{\"seed\": -1, \"populations\": [{\"name\": \"A\", \"size\": 1, \"model\": \"iaf_psc_exp\"}]}",
     "seed", "an integer in"),
  ])
  func badInputIsNamed(text: String, field: String, problem: String) throws {
    let error = try #require(Self.error(text))
    #expect(error.field == field, "\(error)")
    #expect(error.description.contains(problem), "\(error)")
  }

  /// A far-future stimulus end is "never", not a trap.
  @Test func farFutureTimesAreAccepted() throws {
    let network = try ModelFile.parse("""
      {"populations": [{"name": "A", "size": 1, "model": "iaf_psc_exp",
        "stimuli": [{"type": "dc", "amplitude": 500, "start": 0, "stop": 1e300},
                    {"type": "step_current", "times": [0, 1e300], "amplitudes": [10, 0]}]}]}
      """)
    let simulation = try Simulation(network: network, options: SimulationOptions(recordSpikes: true))
    try simulation.run(duration: 100)
    #expect(simulation.spikeCounts[0] > 0)
    #expect(throws: ModelError.self) { try simulation.run(duration: 1e300) }
  }

  /// Each stimulus draws from its own random stream, however many a population has.
  @Test func manyStimuliKeepDistinctStreams() throws {
    let padding = Array(repeating: "{\"type\": \"dc\", \"amplitude\": 0}", count: 64)
      .joined(separator: ", ")
    let network = try ModelFile.parse("""
      {"populations": [
        {"name": "A", "size": 50, "model": "iaf_psc_delta",
         "stimuli": [\(padding), {"type": "poisson", "rate": 20000, "weight": 0.5}]},
        {"name": "B", "size": 50, "model": "iaf_psc_delta",
         "stimuli": [{"type": "poisson", "rate": 20000, "weight": 0.5}]}]}
      """)
    let simulation = try Simulation(network: network, options: SimulationOptions(recordSpikes: true))
    try simulation.run(duration: 200)
    let a = try #require(simulation.recordedSpikes(of: "A"))
    let b = try #require(simulation.recordedSpikes(of: "B"))
    #expect(!a.steps.isEmpty)
    #expect(a.steps != b.steps || a.nodes != b.nodes)
  }

  @Test func nonPositiveDtIsRejected() throws {
    let error = try #require(Self.error(Self.valid, dt: 0))
    #expect(error.field == "dt")
  }

  @Test func missingFileNamesTheFile() throws {
    #expect(throws: ModelError.self) { try ModelFile.load(path: "/nonexistent/model.json") }
    do {
      _ = try ModelFile.load(path: "/nonexistent/model.json")
    } catch {
      #expect(error.description.hasPrefix("/nonexistent/model.json: "))
      #expect(error.description.contains("no such file"))
    }
  }

  @Test func examplesLoad() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    let examples = root.appendingPathComponent("examples")
    let files = try FileManager.default.contentsOfDirectory(atPath: examples.path)
      .filter { $0.hasSuffix(".json") }
    #expect(files.count >= 5)
    for file in files {
      let network = try ModelFile.load(path: examples.appendingPathComponent(file).path)
      #expect(!network.summary.isEmpty, "\(file) needs a description")
    }
  }
}
