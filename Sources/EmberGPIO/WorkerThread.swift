import CGPIOD

/// A joinable OS thread for loops that block (poll, waitpid, zmq_recv): they must not sit on the
/// Swift concurrency pool.
public final class WorkerThread: @unchecked Sendable {
    private var thread = pthread_t()
    private var joined = false

    private final class Box {
        let name: String, body: () -> Void
        init(_ n: String, _ b: @escaping () -> Void) { name = n; body = b }
    }

    /// Starts the thread; fails (rather than crashing) when the system has no threads to give.
    public init(name: String, _ body: @escaping @Sendable () -> Void) throws(ThreadStartError) {
        let box = Unmanaged.passRetained(Box(name, body)).toOpaque()
        let rc = pthread_create(&thread, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.name.withCString { cgpiod_name_this_thread($0) }
            box.body()
            return nil
        }, box)
        if rc != 0 {
            Unmanaged<Box>.fromOpaque(box).release()
            throw ThreadStartError(name: name, code: rc)
        }
    }

    /// Waits for the thread to finish. Call once, from another thread.
    public func join() {
        guard !joined else { return }
        joined = true
        pthread_join(thread, nil)
    }

    /// Gives the thread up instead of joining it: it runs on until its body returns, and then its
    /// stack goes back to the system by itself. For a thread that a stop abandons.
    public func detach() {
        guard !joined else { return }
        joined = true
        pthread_detach(thread)
    }
}

public struct ThreadStartError: Error, Sendable, CustomStringConvertible {
    public var name: String
    public var code: Int32
    public var description: String { "cannot start thread \(name): \(describeErrno(code))" }
}
