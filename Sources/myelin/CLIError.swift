// SPDX-License-Identifier: Apache-2.0
import MyelinCore
import MyelinLearning
import MyelinTraces

/// A mistake on the command line: unknown command or option, missing or bad value.
struct CLIError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// A failure of the run itself, not of its input (exit 1).
struct RuntimeFailure: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// Exit codes, mapped in one place (DESIGN.md §3): 2 for usage and input errors, 1 for
/// runtime failures.
enum ExitStatus {
  static func code(for error: any Error) -> Int32 {
    switch error {
    case is CLIError, is ModelError, is FileError, is DatasetError: 2
    case is Interrupted, is TrainingInterrupted: 130
    default: 1
    }
  }
}
