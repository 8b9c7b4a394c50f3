// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
  import Glibc
#endif

/// A dedicated OS thread for one part of a run, joined at the end of the run.
///
/// Parts wait for each other at a spinning barrier, so each must have a thread of its own:
/// queueing a part on a shared pool (Dispatch) deadlocks when the pool's threads are all
/// busy spinning in other simulations, as happens under parallel tests.
final class WorkerThread {
  private var thread: pthread_t?

  /// Starts `body` on a new thread; `nil` if the system refuses to create one.
  init?(_ body: @escaping @Sendable () -> Void) {
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    var handle = pthread_t()
    let status = pthread_create(&handle, nil, { context in
      guard let context else { return nil }
      let box = Unmanaged<Box>.fromOpaque(context).takeRetainedValue()
      box.body()
      return nil
    }, box)
    guard status == 0 else {
      Unmanaged<Box>.fromOpaque(box).release()
      return nil
    }
    thread = handle
  }

  /// Waits for the thread to finish.
  func join() {
    if let thread { pthread_join(thread, nil) }
    thread = nil
  }

  private final class Box {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
  }
}
