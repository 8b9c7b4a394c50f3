// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore
import MyelinLearning

/// `myelin bench projection` and `myelin bench conv`: event against dense (OpenBLAS sgemm)
/// time of one projection's forward and backward passes over input densities, to place the
/// `auto` threshold. rows = T·B = 256. The dense layer defaults to the conv SNN's hidden
/// layer (6272 → 2048; `--inputs`, `--outputs`), the convolution to Spikformer's rpe
/// (128 → 128 channels, 3 × 3, 7 × 7 tokens; `--in-channels`, `--out-channels`, `--kernel`,
/// `--size`, padding k/2).
enum ProjectionBench {
  static let densities = [0.01, 0.02, 0.05, 0.10, 0.15, 0.20, 0.30]

  static func run(rows: Int, inputs: Int, outputs: Int, threads: Int, json: Bool) {
    let layer = DenseProjection(inputs: inputs, outputs: outputs, seed: 1)
    sweep(rows: rows, inputs: inputs, outputs: outputs, threads: threads, json: json,
          fields: ["workload": "projection", "inputs": inputs, "outputs": outputs]) { x, gy, mode in
      // As the Trainer does: one list of active inputs for both passes, where the path uses one.
      let active = mode == .event && layer.needsActiveInputs ? DenseProjection.ActiveInputs(x, rows: rows, inputs: inputs) : nil
      let y = layer.forward(x, rows: rows, mode: mode, threads: threads, active: active)
      let g = layer.backward(x, gradient: gy, rows: rows, mode: mode, threads: threads, active: active)
      return y.count + g.weight.count
    }
  }

  static func conv(rows: Int, inChannels: Int, outChannels: Int, kernel: Int, size: Int, threads: Int, json: Bool) throws {
    let layer = try ConvProjection(inChannels: inChannels, outChannels: outChannels, kernel: kernel, padding: kernel / 2,
                                   height: size, width: size, seed: 1)
    sweep(rows: rows, inputs: layer.inputSize, outputs: layer.outputSize, threads: threads, json: json,
          fields: ["workload": "conv", "in_channels": inChannels, "out_channels": outChannels, "kernel": kernel, "size": size]) {
      x, gy, mode in
      let y = layer.forward(x, rows: rows, mode: mode, threads: threads)
      let g = layer.backward(x, gradient: gy, rows: rows, mode: mode, threads: threads)
      return y.count + g.weight.count
    }
  }

  /// Best of 3 of `pass` (forward + backward; returns a count so that the work is kept) in
  /// both modes, at each density, on spikes from a fixed generator.
  private static func sweep(rows: Int, inputs: Int, outputs: Int, threads: Int, json: Bool, fields: [String: Any],
                            _ pass: ([Float], [Float], ForwardMode) -> Int) {
    Trainer.keepFreedMemory()  // as in training: freed blocks are reused, not faulted in again
    var results: [[String: Any]] = []
    if !json {
      print("both paths on \(threads) thread(s) (rows split in halves; OpenBLAS single-threaded inside)")
      print("density   event fwd+bwd (ms)   dense fwd+bwd (ms)   event/dense")
    }
    let gy = [Float](repeating: 0.01, count: rows * outputs)
    for density in densities {
      var state: UInt64 = 0x9E37_79B9_7F4A_7C15
      let x = (0..<rows * inputs).map { _ -> Float in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) * 0x1p-53 < density ? 1 : 0
      }
      func time(_ mode: ForwardMode) -> Double {
        var best = Double.infinity
        for _ in 0..<3 {
          let start = DispatchTime.now().uptimeNanoseconds
          let kept = pass(x, gy, mode)
          let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
          if kept < 0 { print("") }  // keep the work
          best = min(best, elapsed)
        }
        return best
      }
      let event = time(.event), dense = time(.dense)
      results.append(["density": density, "event_ms": event, "dense_ms": dense])
      if !json { print(String(format: "%7.2f   %18.1f   %18.1f   %11.2f", density, event, dense, event / dense)) }
    }
    if json {
      print(JSONText.encode(fields.merging(["threads": threads, "rows": rows, "results": results]) { a, _ in a }))
    }
  }
}
