// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore
import MyelinPlot
import MyelinTraces

/// `myelin plot raster|rate|isi|voltage FILE.h5 -o OUT.svg|OUT.png`: figures of a trace file.
struct PlotCommand {
  let arguments: Arguments

  init(_ words: [String]) throws(CLIError) {
    arguments = try Arguments(
      words, valued: ["--population", "--projection", "--from", "--to", "--neurons", "-o", "--output", "--bin"],
      switches: ["--help", "--force"])
  }

  enum Kind: String, CaseIterable { case raster, rate, isi, voltage, weights }

  func execute() throws {
    if arguments.flag("--help") {
      print(Help.plot)
      return
    }
    guard arguments.positional.count == 2, let kind = Kind(rawValue: arguments.positional[0]) else {
      throw CLIError("plot needs a kind (raster, rate, isi, voltage, weights) and a trace file: myelin plot raster FILE.h5 -o OUT.svg")
    }
    guard let output = arguments.string("-o") ?? arguments.string("--output") else {
      throw CLIError("plot needs an output file: -o OUT.svg")
    }
    let format = output.lowercased().hasSuffix(".png") ? "png" : output.lowercased().hasSuffix(".svg") ? "svg" : ""
    guard !format.isEmpty else {
      throw CLIError("invalid output '\(output)': the name must end in .svg or .png")
    }
    if FileManager.default.fileExists(atPath: output) && !arguments.flag("--force") {
      throw CLIError("'\(output)' exists already (use --force to overwrite)")
    }
    let neurons = try arguments.string("--neurons").map(Self.parseRange)
    let trace = try TraceFile(path: arguments.positional[1])
    let from = try arguments.double("--from", positive: false) ?? trace.tStart
    let to = try arguments.double("--to", positive: false) ?? trace.tStop
    guard from < to, (to - from).isFinite else {
      throw CLIError("--from \(from) must be before --to \(to) (ms), with a finite window")
    }
    if kind == .weights {
      try Self.write(try Self.weights(trace, projection: arguments.string("--projection")), to: output, format: format)
      return
    }
    if kind == .voltage {
      let figure = try Self.voltage(trace, population: arguments.string("--population"), from: from, to: to,
                                    neurons: neurons)
      try Self.write(figure, to: output, format: format)
      return
    }
    var populations = trace.populations.filter { trace.hasSpikes($0.name) }
    if let names = arguments.string("--population") {
      let wanted = names.split(separator: ",").map(String.init)
      for name in wanted where !populations.contains(where: { $0.name == name }) {
        throw CLIError("no recorded spikes of population '\(name)' in \(trace.path) (recorded: \(populations.map(\.name).joined(separator: ", ")))")
      }
      populations = populations.filter { wanted.contains($0.name) }
    }
    guard !populations.isEmpty else { throw CLIError("\(trace.path) holds no recorded spikes") }

    var series: [Series] = []
    for (i, info) in populations.enumerated() {
      let (steps, nodes) = try trace.spikes(of: info.name)
      let range = neurons.map { $0.clamped(to: 0..<info.size) } ?? 0..<info.size
      var times: [Double] = [], ids: [Int] = []
      for (step, node) in zip(steps, nodes) {
        let t = Double(step) * trace.dt
        guard t >= from, t <= to, range.contains(Int(node)) else { continue }
        times.append(t)
        ids.append(Int(node) - range.lowerBound)
      }
      // Neurons behind the rate: those recorded, within the chosen range.
      let recorded = min(range.count, trace.recordedNeurons(of: info.name) ?? range.count)
      series.append(Series(name: info.name, neurons: recorded, rows: range.count, times: times, ids: ids,
                           color: Figure.palette[i % Figure.palette.count]))
    }
    let figure: Figure
    switch kind {
    case .raster: figure = Self.raster(series, from: from, to: to, model: trace.modelName)
    case .rate:
      let bin = try arguments.double("--bin")
      if let bin, (to - from) / bin > 1_000_000 {
        throw CLIError("--bin \(bin) gives more than 10^6 bins over \(to - from) ms")
      }
      figure = Self.rate(series, from: from, to: to, bin: bin, dt: trace.dt, model: trace.modelName)
    case .isi, .voltage, .weights: figure = Self.isi(series, model: trace.modelName)
    }
    try Self.write(figure, to: output, format: format)
  }

  /// SVG text or PNG bytes, written to a temporary name and renamed, so an existing figure is
  /// replaced whole or not at all.
  static func write(_ figure: some Renderable, to output: String, format: String) throws {
    let bytes = format == "png" ? Data(try figure.png(scale: 2)) : Data(figure.svg().utf8)
    do {
      try bytes.write(to: URL(fileURLWithPath: output), options: .atomic)
    } catch {
      throw CLIError("cannot write '\(output)': \(error.localizedDescription)")
    }
    print("wrote \(output)")
  }

  struct Series {
    let name: String
    /// Neurons whose spikes count in rates.
    let neurons: Int
    /// Rows the raster gives the population.
    let rows: Int
    let times: [Double]
    let ids: [Int]
    let color: Color
  }

  /// `A:B` → A..<B.
  static func parseRange(_ text: String) throws(CLIError) -> Range<Int> {
    let parts = text.split(separator: ":", omittingEmptySubsequences: false)
    guard parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]), a >= 0, a < b else {
      throw CLIError("invalid value '\(text)' for '--neurons': expected A:B with 0 <= A < B")
    }
    return a..<b
  }

  /// Spikes as dots, populations stacked. Above one mark per 2×2-pixel cell the raster is
  /// thinned to one mark per occupied cell, which keeps the file small and says so.
  static func raster(_ series: [Series], from: Double, to: Double, model: String) -> Figure {
    let total = series.reduce(0) { $0 + $1.rows }
    var plot = Figure(x: from...to, y: 0...Double(max(total, 1)), title: "\(model): spike raster",
                       xLabel: "time (ms)", yLabel: "neuron")
    var offset = 0, spikes = 0, marks = 0
    for s in series {
      var cells = Set<Int>()
      var pixels: [(Double, Double)] = []
      for (t, id) in zip(s.times, s.ids) {
        let x = plot.px(t), y = plot.py(Double(offset + id) + 0.5)
        let cell = Int(x / 2) * 100_000 + Int(y / 2)
        if cells.insert(cell).inserted { pixels.append((Double(Int(x / 2) * 2), Double(Int(y / 2) * 2))) }
      }
      plot.addMarks(pixels: pixels, size: 1.6, color: s.color)
      plot.addLegend("\(s.name) (\(s.times.count) spikes)", color: s.color)
      spikes += s.times.count
      marks += pixels.count
      offset += s.rows
    }
    if marks < spikes {
      plot.note = "\(spikes) spikes drawn as \(marks) marks: one per occupied 2×2-pixel cell"
    }
    return plot
  }

  /// Population rate (Hz) in bins.
  static func rate(_ series: [Series], from: Double, to: Double, bin: Double?, dt: Double, model: String) -> Figure {
    let width = max(bin ?? Figure.ticks(0...(to - from)).dropFirst().first.map { $0 / 20 } ?? dt, dt,
                    (to - from) / 1_000_000)
    let bins = max(Int(((to - from) / width).rounded(.up)), 1)
    var curves: [(Series, [Double])] = []
    var highest = 1.0
    for s in series {
      var counts = [Double](repeating: 0, count: bins)
      for t in s.times { counts[min(Int((t - from) / width), bins - 1)] += 1 }
      let rates = counts.map { $0 / Double(max(s.neurons, 1)) / (width / 1000) }
      highest = max(highest, rates.max() ?? 0)
      curves.append((s, rates))
    }
    var plot = Figure(x: from...to, y: 0...(highest * 1.05), title: "\(model): population rate",
                       xLabel: "time (ms)", yLabel: "rate (Hz)")
    plot.note = String(format: "bins of %g ms", width)
    for (s, rates) in curves {
      plot.addLine(points: rates.enumerated().map { (from + (Double($0.offset) + 0.5) * width, $0.element) }, color: s.color)
      plot.addLegend(s.name, color: s.color)
    }
    return plot
  }

  /// V_m of the recorded neurons of one population over time, one line per neuron.
  static func voltage(_ trace: TraceFile, population: String?, from: Double, to: Double,
                      neurons: Range<Int>?) throws -> Figure {
    let candidates = trace.reports.filter { $0.variable == "V_m" && (population == nil || $0.population == population) }
    guard let entry = candidates.first,
      let report = try trace.report(of: entry.population, variable: "V_m")
    else {
      throw CLIError("\(trace.path) holds no V_m report\(population.map { " for population '\($0)'" } ?? "") (record one with \"record\": {\"state\": ...})")
    }
    let columns = report.nodeIDs.indices.filter { neurons?.contains(report.nodeIDs[$0]) ?? true }.prefix(Figure.palette.count)
    let frames = report.times.indices.filter { report.times[$0] >= from && report.times[$0] <= to }
    var low = Double.infinity, high = -Double.infinity
    for f in frames {
      for c in columns {
        let v = Double(report.value(frame: f, node: c))
        guard v.isFinite else { continue }  // a diverged sample is not drawn and does not set the scale
        low = min(low, v)
        high = max(high, v)
      }
    }
    if !low.isFinite { low = -70; high = -50 }
    let pad = max((high - low) * 0.05, 0.5)
    var plot = Figure(x: from...to, y: (low - pad)...(high + pad),
                       title: "\(trace.modelName): membrane potential of \(entry.population)",
                       xLabel: "time (ms)", yLabel: "V_m (\(report.units))")
    for (i, c) in columns.enumerated() {
      let color = Figure.palette[i % Figure.palette.count]
      plot.addLine(points: frames.map { (report.times[$0], Double(report.value(frame: $0, node: c))) }, color: color)
      plot.addLegend("neuron \(report.nodeIDs[c])", color: color)
    }
    if report.nodeIDs.count > columns.count { plot.note = "showing \(columns.count) of \(report.nodeIDs.count) recorded neurons" }
    return plot
  }

  /// Histogram of inter-spike intervals, over all neurons of each population.
  static func isi(_ series: [Series], model: String) -> Figure {
    var intervals: [(Series, [Double])] = []
    for s in series {
      var last = [Int: Double]()
      var isi: [Double] = []
      for (t, id) in zip(s.times, s.ids) {
        if let previous = last[id] { isi.append(t - previous) }
        last[id] = t
      }
      intervals.append((s, isi))
    }
    let longest = intervals.flatMap(\.1).max() ?? 1
    let bins = 60, width = longest / Double(bins)
    var histograms: [(Series, [Double])] = []
    var highest = 1.0
    for (s, isi) in intervals {
      var counts = [Double](repeating: 0, count: bins)
      for x in isi { counts[min(Int(x / max(width, 1e-12)), bins - 1)] += 1 }
      highest = max(highest, counts.max() ?? 0)
      histograms.append((s, counts))
    }
    var plot = Figure(x: 0...longest, y: 0...(highest * 1.05), title: "\(model): inter-spike intervals",
                       xLabel: "interval (ms)", yLabel: "count")
    for (s, counts) in histograms {
      plot.addBars(counts.enumerated().map { (Double($0.offset) * width, Double($0.offset + 1) * width, $0.element) },
                   color: s.color)
      plot.addLegend(s.name, color: s.color)
    }
    return plot
  }
}
