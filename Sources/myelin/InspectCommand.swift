// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore
import MyelinTraces

/// `myelin inspect FILE.h5`: what a trace file holds and what the run did.
struct InspectCommand {
  let arguments: Arguments

  init(_ words: [String]) throws(CLIError) {
    arguments = try Arguments(words, valued: [], switches: ["--json", "--help"])
  }

  struct PopulationSummary {
    let info: TraceMetadata.PopulationInfo
    let recorded: Bool
    let spikes: Int
    let statistics: SpikeStatistics
    let first: Double?
    let last: Double?
    /// Bin width (ms) of the recorded rate, if any.
    let rateBin: Double?
  }

  func execute() throws {
    if arguments.flag("--help") {
      print(Help.inspect)
      return
    }
    guard arguments.positional.count == 1, let path = arguments.positional.first else {
      throw CLIError("inspect needs one trace file (myelin inspect FILE.h5)")
    }
    let trace = try TraceFile(path: path)
    let duration = trace.tStop - trace.tStart
    var summaries: [PopulationSummary] = []
    for info in trace.populations {
      let recorded = trace.hasSpikes(info.name)
      let (steps, nodes) = recorded ? try trace.spikes(of: info.name) : ([], [])
      let statistics = SpikeStatistics(
        steps: steps, nodes: nodes, neurons: info.size, recorded: trace.recordedNeurons(of: info.name),
        dt: trace.dt, duration: duration)
      summaries.append(PopulationSummary(
        info: info, recorded: recorded, spikes: steps.count, statistics: statistics,
        first: steps.first.map { Double($0) * trace.dt }, last: steps.last.map { Double($0) * trace.dt },
        rateBin: try trace.rates(of: info.name)?.binWidth))
    }
    if arguments.flag("--json") {
      print(json(trace, summaries))
    } else {
      print(table(trace, summaries))
    }
  }

  private func table(_ trace: TraceFile, _ summaries: [PopulationSummary]) -> String {
    func value(_ x: Double?) -> String { x.map { String(format: "%.3f", $0) } ?? "-" }
    var lines = [
      "trace \(trace.path)",
      "model \(trace.modelName), \(trace.simulator), dt \(trace.dt) ms, seed \(trace.seed)",
      String(format: "time %g to %g ms, wall time %.2f s, %@", trace.tStart, trace.tStop,
             trace.wallTime, trace.complete ? "complete" : "INCOMPLETE (interrupted or killed)"),
      "",
      "population        neurons     spikes   rate (Hz)   CV ISI    Fano   span (ms)",
    ]
    for s in summaries {
      let span = s.first.map { String(format: "%g-%g", $0, s.last ?? $0) } ?? "-"
      let spikes = s.recorded ? String(s.spikes) : "not recorded"
      lines.append(
        s.info.name.padded(17) + String(format: " %7d ", s.info.size) + spikes.padded(10).leftPadded(10)
          + String(format: " %11.3f ", s.statistics.rate) + value(s.statistics.cvISI).leftPadded(8)
          + " " + value(s.statistics.fano).leftPadded(7) + "   " + span)
    }
    lines.append("")
    let rated = summaries.compactMap { s in s.rateBin.map { "\(s.info.name) (bins of \($0) ms)" } }
    lines.append("binned rates: " + (rated.isEmpty ? "none" : rated.joined(separator: ", ")))
    let reports = trace.reports.compactMap { entry -> String? in
      guard let report = try? trace.report(of: entry.population, variable: entry.variable) else { return nil }
      let step = report.times.count > 1 ? report.times[1] - report.times[0] : report.times.first ?? 0
      return "\(entry.population).\(entry.variable) (\(report.nodeIDs.count) neurons, every \(step) ms, \(report.times.count) frames, \(report.units))"
    }
    lines.append("recorded variables: " + (reports.isEmpty ? "none" : reports.joined(separator: ", ")))
    let weights = trace.weightProjections.compactMap { try? WeightSummary(trace, projection: $0).line }
    lines.append("weights: " + (weights.isEmpty ? "none" : ""))
    lines += weights.map { "  " + $0 }
    return lines.joined(separator: "\n")
  }

  private func json(_ trace: TraceFile, _ summaries: [PopulationSummary]) -> String {
    let populations: [[String: Any]] = summaries.map { s in
      var entry: [String: Any] = [
        "name": s.info.name, "model": s.info.model, "neurons": s.info.size,
        "recorded": s.recorded, "spikes": s.spikes, "rate_hz": s.statistics.rate,
        "cv_isi": s.statistics.cvISI ?? NSNull(), "fano": s.statistics.fano ?? NSNull(),
      ]
      entry["rate_bin_ms"] = s.rateBin ?? NSNull()
      entry["first_spike_ms"] = s.first ?? NSNull()
      entry["last_spike_ms"] = s.last ?? NSNull()
      return entry
    }
    let reports: [[String: Any]] = trace.reports.compactMap { entry in
      guard let report = try? trace.report(of: entry.population, variable: entry.variable) else { return nil }
      let step = report.times.count > 1 ? report.times[1] - report.times[0] : report.times.first ?? 0
      return ["population": entry.population, "variable": entry.variable, "neurons": report.nodeIDs.count,
              "interval_ms": step, "frames": report.times.count, "units": report.units]
    }
    let weights = trace.weightProjections.compactMap { try? WeightSummary(trace, projection: $0).json }
    let object: [String: Any] = [
      "reports": reports, "weights": weights, "file": trace.path, "model": trace.modelName, "simulator": trace.simulator,
      "dt_ms": trace.dt, "seed": trace.seed, "t_start_ms": trace.tStart, "t_stop_ms": trace.tStop,
      "duration_ms": trace.tStop - trace.tStart, "wall_time_s": trace.wallTime,
      "complete": trace.complete, "populations": populations,
    ]
    return JSONText.encode(object)
  }
}

extension String {
  /// Right-aligned in a column of `width` characters.
  func leftPadded(_ width: Int) -> String {
    let trimmed = trimmingCharacters(in: .whitespaces)
    return trimmed.count >= width ? trimmed : String(repeating: " ", count: width - trimmed.count) + trimmed
  }
}
