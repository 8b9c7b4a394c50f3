// SPDX-License-Identifier: Apache-2.0
import Dispatch

#if canImport(Glibc)
  import Glibc
#endif

/// A dedicated OS thread that runs one part of each run, started once and kept.
///
/// Parts wait for each other at a spinning barrier, so each needs a thread of its own:
/// queueing a part on a shared pool (Dispatch) deadlocks when the pool's threads are all
/// busy spinning in other simulations, as happens under parallel tests. Keeping the thread
/// between runs makes `run(steps: 1)` in a loop cheap (creating a thread costs tens of µs).
final class WorkerThread: @unchecked Sendable {
  private var thread: pthread_t?
  private let start = DispatchSemaphore(value: 0)
  private let done = DispatchSemaphore(value: 0)
  /// Set before `start` is signalled and read after it is waited for: the semaphores order
  /// every access, so no lock is needed.
  private var job: (() -> Void)?
  private var stopping = false

  /// Starts the thread; `nil` if the system refuses to create one.
  init?() {
    let box = Unmanaged.passRetained(self).toOpaque()
    var handle = pthread_t()
    let status = pthread_create(&handle, nil, { context in
      guard let context else { return nil }
      Unmanaged<WorkerThread>.fromOpaque(context).takeRetainedValue().loop()
      return nil
    }, box)
    guard status == 0 else {
      Unmanaged<WorkerThread>.fromOpaque(box).release()
      return nil
    }
    thread = handle
  }

  private func loop() {
    while true {
      start.wait()
      if stopping { return }
      job?()
      job = nil
      done.signal()
    }
  }

  /// Runs `body` on the worker thread; `wait()` returns when it has finished.
  func submit(_ body: @escaping () -> Void) {
    job = body
    start.signal()
  }

  func wait() { done.wait() }

  /// Ends the thread and waits for it.
  func stop() {
    stopping = true
    start.signal()
    if let thread { pthread_join(thread, nil) }
    thread = nil
  }
}
