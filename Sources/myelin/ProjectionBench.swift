// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinLearning

/// `myelin bench projection`: event against dense (OpenBLAS sgemm) time of a dense
/// projection's forward and backward passes, over input densities, to place the `auto`
/// threshold. Sizes default to the hidden layer of the conv SNN (6272 → 2048; `--inputs`,
/// `--outputs` change them), rows = T·B = 256.
enum ProjectionBench {
  static func run(rows: Int, inputs: Int, outputs: Int, threads: Int, json: Bool) {
    let layer = DenseProjection(inputs: inputs, outputs: outputs, seed: 1)
    Trainer.keepFreedMemory()  // as in training: freed blocks are reused, not faulted in again
    var results: [[String: Any]] = []
    if !json {
      print("both paths on \(threads) thread(s) (rows split in halves; OpenBLAS single-threaded inside)")
      print("density   event fwd+bwd (ms)   dense fwd+bwd (ms)   event/dense")
    }
    for density in [0.01, 0.02, 0.05, 0.10, 0.15, 0.20, 0.30] {
      var state: UInt64 = 0x9E37_79B9_7F4A_7C15
      let x = (0..<rows * inputs).map { _ -> Float in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) * 0x1p-53 < density ? 1 : 0
      }
      let gy = [Float](repeating: 0.01, count: rows * outputs)
      func time(_ mode: ForwardMode) -> Double {
        var best = Double.infinity
        for _ in 0..<3 {
          let start = DispatchTime.now().uptimeNanoseconds
          // As the Trainer does: one list of active inputs for both passes, where the path uses one.
          let active = mode == .event && layer.needsActiveInputs ? DenseProjection.ActiveInputs(x, rows: rows, inputs: inputs) : nil
          let y = layer.forward(x, rows: rows, mode: mode, threads: threads, active: active)
          let g = layer.backward(x, gradient: gy, rows: rows, mode: mode, threads: threads, active: active)
          let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
          if y.isEmpty && g.weight.isEmpty { print("") }  // keep the work
          best = min(best, elapsed)
        }
        return best
      }
      let event = time(.event), dense = time(.dense)
      results.append(["density": density, "event_ms": event, "dense_ms": dense])
      if !json { print(String(format: "%7.2f   %18.1f   %18.1f   %11.2f", density, event, dense, event / dense)) }
    }
    if json {
      print(JSONText.encode(["workload": "projection", "threads": threads, "rows": rows, "inputs": inputs, "outputs": outputs,
                             "results": results]))
    }
  }
}
