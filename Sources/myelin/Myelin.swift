// SPDX-License-Identifier: Apache-2.0
import Foundation
import MyelinCore
import MyelinLearning

/// `myelin`: parse the command, run it, and map any error to one line and an exit code.
@main
struct Myelin {
  static let version = "0.1.0"

  static func main() {
    // Before any work: a process restarted here loses nothing (docs/benchmarks.md, OpenBLAS).
    BLASCore.restartIfMisdetected()
    let words = Array(CommandLine.arguments.dropFirst())
    do {
      try dispatch(words)
    } catch {
      // A model error with no file came from a built-in model or from options: name the command.
      var shown: any Error = error
      if let model = error as? ModelError, model.file == nil, let command = words.first {
        shown = model.inFile("myelin \(command)")
      }
      FileHandle.standardError.write(Data("error: \(shown)\n".utf8))
      exit(ExitStatus.code(for: error))
    }
  }

  static func dispatch(_ words: [String]) throws {
    guard let command = words.first else {
      print(Help.main)
      throw CLIError("missing command (run, inspect, plot, bench, train, eval, infer, describe)")
    }
    let rest = Array(words.dropFirst())
    switch command {
    case "run": try RunCommand(rest).execute()
    case "bench": try BenchCommand(rest).execute()
    case "inspect": try InspectCommand(rest).execute()
    case "plot": try PlotCommand(rest).execute()
    case "train": try TrainCommand(rest).execute()
    case "eval": try EvalCommand(rest).execute()
    case "describe": try DescribeCommand(rest).execute()
    case "infer": try InferCommand(rest).execute()
    case "-h", "--help", "help": print(Help.main)
    case "--version", "version": print("myelin \(version) (OpenBLAS kernels: \(BLASCore.current))")
    default: throw CLIError("unknown command '\(command)' (commands: run, inspect, plot, bench, train, eval, infer, describe; see myelin --help)")
    }
  }
}
