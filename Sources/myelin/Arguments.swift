// SPDX-License-Identifier: Apache-2.0

/// Hand-written argument parsing (no packages): positional words and `--name value` or
/// `--name=value` options, each option checked against the command's list.
struct Arguments {
  private(set) var positional: [String] = []
  private var values: [String: String] = [:]
  private var flags: Set<String> = []

  /// `valued` options take a value; `switches` do not.
  init(_ words: [String], valued: Set<String>, switches: Set<String>) throws(CLIError) {
    var i = 0
    while i < words.count {
      let word = words[i]
      i += 1
      guard word.hasPrefix("-"), word != "-" else {
        positional.append(word)
        continue
      }
      if word == "-h" {
        flags.insert("--help")
        continue
      }
      var name = word
      var inline: String?
      if let eq = word.firstIndex(of: "=") {
        name = String(word[..<eq])
        inline = String(word[word.index(after: eq)...])
      }
      if switches.contains(name) {
        guard inline == nil else { throw CLIError("option '\(name)' takes no value") }
        flags.insert(name)
      } else if valued.contains(name) {
        if let inline {
          values[name] = inline
        } else {
          guard i < words.count else { throw CLIError("option '\(name)' needs a value") }
          values[name] = words[i]
          i += 1
        }
      } else {
        let known = (valued.union(switches)).sorted().joined(separator: ", ")
        throw CLIError("unknown option '\(name)' (options: \(known))")
      }
    }
  }

  func flag(_ name: String) -> Bool { flags.contains(name) }
  func string(_ name: String) -> String? { values[name] }

  func double(_ name: String, positive: Bool = true) throws(CLIError) -> Double? {
    guard let text = values[name] else { return nil }
    guard let x = Double(text), x.isFinite, !positive || x > 0 else {
      throw CLIError("invalid value '\(text)' for '\(name)': expected a \(positive ? "positive " : "")number")
    }
    return x
  }

  func integer(_ name: String, in range: ClosedRange<Int>) throws(CLIError) -> Int? {
    guard let text = values[name] else { return nil }
    guard let x = Int(text), range.contains(x) else {
      throw CLIError("invalid value '\(text)' for '\(name)': expected an integer in \(range.lowerBound)...\(range.upperBound)")
    }
    return x
  }
}
