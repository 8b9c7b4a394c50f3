// SPDX-License-Identifier: Apache-2.0

/// An error in a user-supplied model, named by where it is and what is allowed.
///
/// `description` is the one-line form the CLI prints:
/// `<file>: <field path>: <what is wrong> (<allowed>)`.
public struct ModelError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The file the value came from, or `nil` for models built with the Swift API.
  public var file: String?
  /// A path to the field, such as `populations[1].params.tau_m`.
  public var field: String
  /// What is wrong with the value.
  public var problem: String
  /// The allowed values or range, if there is a short way to say it.
  public var allowed: String?

  public init(field: String, problem: String, allowed: String? = nil, file: String? = nil) {
    self.file = file
    self.field = field
    self.problem = problem
    self.allowed = allowed
  }

  public var description: String {
    var text = "\(file ?? "<model>"): \(field): \(problem)"
    if let allowed { text += " (\(allowed))" }
    return text
  }

  /// The same error attributed to `file`.
  public func inFile(_ file: String) -> ModelError {
    var copy = self
    copy.file = file
    return copy
  }
}

/// Validation helpers shared by every model type; each names the field it checks.
package enum Check {
  static func positive(_ value: Double, _ field: String, unit: String) throws(ModelError) {
    guard value.isFinite, value > 0 else {
      throw ModelError(field: field, problem: "must be positive, got \(value)", allowed: "> 0 \(unit)")
    }
  }

  static func finite(_ value: Double, _ field: String) throws(ModelError) {
    guard value.isFinite else {
      throw ModelError(field: field, problem: "must be a finite number, got \(value)")
    }
  }

  static func nonNegative(_ value: Double, _ field: String, unit: String) throws(ModelError) {
    guard value.isFinite, value >= 0 else {
      throw ModelError(
        field: field, problem: "must not be negative, got \(value)", allowed: ">= 0 \(unit)")
    }
  }

  static func probability(_ value: Double, _ field: String) throws(ModelError) {
    guard value.isFinite, value >= 0, value <= 1 else {
      throw ModelError(field: field, problem: "is \(value)", allowed: "probability in [0, 1]")
    }
  }
}
