// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore
import MyelinModels

/// `myelin bench WORKLOAD`: median simulate time of several runs of a built-in network.
struct BenchCommand {
  let arguments: Arguments

  init(_ words: [String]) throws(CLIError) {
    arguments = try Arguments(
      words, valued: ["--threads", "--duration", "--repeats", "--spikes", "--checkpoint", "--data", "--batch", "--inputs", "--outputs",
               "--in-channels", "--out-channels", "--kernel", "--size"],
      switches: ["--json", "--help", "--shared-weight", "--plastic"])
  }

  func execute() throws {
    if arguments.flag("--help") {
      print(Help.bench)
      return
    }
    guard arguments.positional.count == 1, let workload = arguments.positional.first else {
      throw CLIError("bench needs one workload: \(Self.workloads)")
    }
    let threads = try arguments.integer("--threads", in: 1...SimulationOptions.maximumThreads) ?? 1
    let duration = try arguments.double("--duration") ?? (workload == "song2000" ? 100_000 : 1000)
    let repeats = try arguments.integer("--repeats", in: 1...100) ?? 5
    let network: Network
    switch workload {
    case "cuba": network = VogelsAbbott.cuba()
    case "coba": network = VogelsAbbott.coba()
    case "brunel": network = Brunel.network(.g5eta2)
    case "song2000": network = Song2000.network()
    case "brunel-stdp": network = Brunel.withSTDP(.g5eta2)
    case "memory": return try memory(threads: threads)
    case "projection":
      return ProjectionBench.run(rows: 256, inputs: try arguments.integer("--inputs", in: 1...1_000_000) ?? 6272,
                                 outputs: try arguments.integer("--outputs", in: 1...1_000_000) ?? 2048, threads: threads,
                                 json: arguments.flag("--json"))
    case "conv":
      return try ProjectionBench.conv(
        rows: 256, inChannels: try arguments.integer("--in-channels", in: 1...4096) ?? 128,
        outChannels: try arguments.integer("--out-channels", in: 1...4096) ?? 128,
        kernel: try arguments.integer("--kernel", in: 1...15) ?? 3, size: try arguments.integer("--size", in: 1...1024) ?? 7,
        threads: threads, json: arguments.flag("--json"))
    case "layers":
      guard let path = arguments.string("--checkpoint") else { throw CLIError("bench layers needs --checkpoint FILE") }
      return try LayerBench.run(checkpoint: path, data: arguments.string("--data"),
                                batch: try arguments.integer("--batch", in: 1...65_536),
                                repeats: try arguments.integer("--repeats", in: 1...100) ?? 3,
                                threads: min(threads, 2), json: arguments.flag("--json"))
    case "trace":
      return try TraceBench.run(
        spikes: try arguments.integer("--spikes", in: 1...2_000_000_000) ?? 10_000_000,
        json: arguments.flag("--json"))
    default: throw CLIError("unknown workload '\(workload)' (\(Self.workloads))")
    }
    var simulate: [Double] = []
    var build: [Double] = []
    var last: RunOutcome?
    for run in 1...repeats {
      let options = SimulationOptions(seed: 1, threads: threads)
      let outcome = try RunOutcome.measure(network: network, options: options, duration: duration, quiet: true)
      simulate.append(outcome.simulateSeconds)
      build.append(outcome.buildSeconds)
      FileHandle.standardError.write(Data(String(
        format: "run %d/%d: build %.3f s, simulate %.3f s\n", run, repeats,
        outcome.buildSeconds, outcome.simulateSeconds).utf8))
      last = outcome
    }
    guard let last else { return }
    let median = Self.median(simulate)
    let events = Double(last.simulation.eventsDelivered)
    let rates = network.populations.indices.map { last.rate($0) }
    var report: [String: Any] = [
      "workload": workload, "threads": threads, "duration_ms": duration, "repeats": repeats,
      "simulate_s_median": median, "simulate_s": simulate, "build_s_median": Self.median(build),
      "events": Int(events), "events_per_s": events / median, "synapses": last.simulation.synapseCount,
      "rates_hz": Dictionary(uniqueKeysWithValues: zip(network.populations.map(\.name), rates)),
      "peak_rss_mb": Memory.peakResidentMB,
    ]
    let plastic = network.projections.first { $0.plasticity != nil }
    var weightLine: String?
    if let plastic, let synapses = last.simulation.synapses(of: plastic.name),
      let bounds = plastic.plasticity?.rule.bounds, !synapses.weights.isEmpty
    {
      let (mean, std) = WeightSummary.moments(synapses.weights)
      let (low, high) = WeightSummary.tails(synapses.weights, bounds: (bounds.wMin, bounds.wMax))
      let bytes = Double(last.simulation.synapseBytes(of: plastic.name) ?? 0) / Double(synapses.weights.count)
      report["plastic"] = [
        "projection": plastic.name, "synapses": synapses.weights.count, "mean_weight": mean, "std_weight": std,
        "mean_weight_fraction": (mean - bounds.wMin) / (bounds.wMax - bounds.wMin),
        "low_fraction": low, "high_fraction": high, "bytes_per_synapse": bytes,
        "frac_at_min": Double(synapses.weights.filter { $0 <= bounds.wMin }.count) / Double(synapses.weights.count),
        "frac_at_max": Double(synapses.weights.filter { $0 >= bounds.wMax }.count) / Double(synapses.weights.count),
      ] as [String: Any]
      weightLine = String(format: "%@: %d plastic synapses, %.2f B each; final weight %.4g ± %.3g, %.1f%% in the lowest and %.1f%% in the highest tenth of [%g, %g]",
                          plastic.name, synapses.weights.count, bytes, mean, std, low * 100, high * 100, bounds.wMin, bounds.wMax)
    }
    if arguments.flag("--json") {
      print(JSONText.encode(report))
    } else {
      print(String(format: "%@: %d thread(s), %g ms, median of %d: simulate %.3f s, build %.3f s",
                   workload, threads, duration, repeats, median, Self.median(build)))
      print(String(format: "events %.0f (%.3g events/s, %.2f ns/event), synapses %d, peak RSS %.0f MB",
                   events, events / median, median / max(events, 1) * 1e9,
                   last.simulation.synapseCount, Memory.peakResidentMB))
      print("rates: " + zip(network.populations.map(\.name), rates)
        .map { String(format: "%@ %.2f Hz", $0, $1) }.joined(separator: ", "))
      if let weightLine { print(weightLine) }
    }
  }

  static let workloads = "cuba, coba, brunel, song2000, brunel-stdp, memory, trace, projection, conv, layers"

  /// Bytes per static synapse, from the growth of resident memory while building a
  /// network of 100 000 neurons with 10^7 synapses (fixed in-degree 100).
  private func memory(threads: Int) throws {
    var network = Network(name: "memory", summary: "10^7 static synapses")
    var neuron = IafPscDelta()
    neuron.E_L = 0
    neuron.V_reset = 0
    neuron.V_th = 20
    network.add(Population(name: "N", size: 100_000, model: .iafPscDelta(neuron)))
    // Drawn weights by default: each synapse stores its own. With --shared-weight every
    // synapse has the same weight and stores none (4 B less per synapse).
    let weight: ValueDistribution = arguments.flag("--shared-weight") ? .constant(0.1) : .uniform(min: 0.05, max: 0.15)
    // With --plastic the synapses learn (additive all-to-all STDP): per-synapse weights plus
    // the transposed index and the traces.
    let plasticity = arguments.flag("--plastic")
      ? Plasticity(.pair(PairSTDP(aPlus: 0.001, aMinus: 0.00105, bounds: WeightBounds(wMin: 0, wMax: 0.3)))) : nil
    network.connect("N", "N", .fixedIndegree(100), weight: weight, delay: .constant(1.5), plasticity: plasticity)
    let before = Memory.residentBytes
    let simulation = try Simulation(network: network, options: SimulationOptions(threads: threads))
    let after = Memory.residentBytes
    let perSynapse = Double(after - before) / Double(simulation.synapseCount)
    let report: [String: Any] = [
      "workload": "memory", "plastic": plasticity != nil, "neurons": 100_000, "synapses": simulation.synapseCount,
      "rss_growth_mb": Double(after - before) / 1e6, "bytes_per_synapse_rss": perSynapse,
      "bytes_per_synapse_storage": Double(simulation.synapseBytes) / Double(simulation.synapseCount),
      "peak_rss_mb": Memory.peakResidentMB,
    ]
    if arguments.flag("--json") {
      print(JSONText.encode(report))
    } else {
      print(String(format: "memory: %d synapses, RSS grew %.1f MB: %.2f B/synapse (storage %.2f B), peak RSS %.0f MB",
                   simulation.synapseCount, Double(after - before) / 1e6, perSynapse,
                   Double(simulation.synapseBytes) / Double(simulation.synapseCount), Memory.peakResidentMB))
    }
  }

  static func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    let mid = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
  }
}

/// Resident memory of this process.
enum Memory {
  static var peakResidentMB: Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024  // KiB on Linux
  }

  static var residentBytes: Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
  }
}
