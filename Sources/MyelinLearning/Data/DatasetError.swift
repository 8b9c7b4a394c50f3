// SPDX-License-Identifier: Apache-2.0

/// A data set that is missing or malformed: names the file, says what is wrong, and how to
/// get a good copy.
public struct DatasetError: Error, Equatable, Sendable, CustomStringConvertible {
  public var path: String
  public var problem: String
  public var hint: String?

  public init(path: String, problem: String, hint: String? = nil) {
    self.path = path
    self.problem = problem
    self.hint = hint
  }

  public var description: String {
    "\(path): \(problem)" + (hint.map { " (\($0))" } ?? "")
  }
}
