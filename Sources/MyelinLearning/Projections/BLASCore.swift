// SPDX-License-Identifier: Apache-2.0
import COpenBLAS
import Foundation

/// Which of OpenBLAS's kernel sets runs `sgemm`.
///
/// A dynamic-arch OpenBLAS picks its kernels from the CPU model when the library loads. A
/// release that predates the CPU does not know the model and falls back to its generic SSE3
/// kernels ("Prescott"): Debian 12's OpenBLAS 0.3.21 does so on Intel's Emerald Rapids
/// (family 6, model 207), where a Spikformer training step then ran at 30 samples/s
/// instead of 50. The choice is made before `main`, so the only remedy is the documented
/// variable `OPENBLAS_CORETYPE` in the environment of a fresh process.
public enum BLASCore {

  /// The kernel set OpenBLAS chose in this process ("Haswell", "SkylakeX", "Prescott"...).
  public static var current: String {
    guard let name = openblas_get_corename() else { return "unknown" }
    return String(cString: name)
  }

  /// Kernel sets that use neither AVX2 nor AVX-512: what OpenBLAS falls back to on a CPU
  /// model it does not know, and what old CPUs legitimately get.
  static let generic: Set<String> = [
    "unknown", "Katmai", "Coppermine", "Northwood", "Prescott", "Banias", "Core2", "Penryn",
    "Dunnington", "Nehalem", "Atom", "Sandybridge", "Opteron", "Opteron_SSE3", "Barcelona",
    "Bobcat", "Bulldozer", "Piledriver", "Steamroller",
  ]

  /// The kernel set to ask for when OpenBLAS chose `core` on a CPU with these `/proc/cpuinfo`
  /// flags, or nil when its choice already fits: a generic set on a CPU with AVX2 and FMA
  /// gets "Haswell", and "SkylakeX" where the CPU also has the AVX-512 subsets those
  /// kernels use. Pure, so that the rule is testable on any machine.
  public static func suggestion(core: String, cpuFlags: Set<String>) -> String? {
    guard generic.contains(core), cpuFlags.isSuperset(of: ["avx2", "fma"]) else { return nil }
    let skylakeX: Set<String> = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]
    return cpuFlags.isSuperset(of: skylakeX) ? "SkylakeX" : "Haswell"
  }

  /// The flags of the first processor in `/proc/cpuinfo`; empty where there is none.
  public static func cpuFlags(cpuinfo path: String = "/proc/cpuinfo") -> Set<String> {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
    for line in text.split(separator: "\n") where line.hasPrefix("flags") {
      guard let colon = line.firstIndex(of: ":") else { return [] }
      return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }
    return []
  }

  /// Restarts this program with `OPENBLAS_CORETYPE` set when OpenBLAS fell back to generic
  /// kernels on a CPU that has AVX2 or AVX-512. A user's own `OPENBLAS_CORETYPE` is left
  /// alone, and so the restarted process never restarts again. Returns only when nothing
  /// needs changing or the restart failed, in which case the program goes on as it is.
  public static func restartIfMisdetected() {
    guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil,
      let wanted = suggestion(core: current, cpuFlags: cpuFlags())
    else { return }
    setenv("OPENBLAS_CORETYPE", wanted, 1)
    execv("/proc/self/exe", CommandLine.unsafeArgv)
    unsetenv("OPENBLAS_CORETYPE")
  }
}
