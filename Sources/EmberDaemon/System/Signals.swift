// Signals handled synchronously: SIGTERM, SIGINT and SIGHUP are blocked in every thread (block them
// before starting any) and one thread takes them with sigwait and hands them on.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

public enum DaemonSignal: Sendable, Equatable {
    case terminate(Int32)
    case reload
}

public enum SignalHandling {
    static let handled: [Int32] = [SIGTERM, SIGINT, SIGHUP]

    /// Blocks the handled signals in the calling thread (and every thread it starts later) and
    /// ignores SIGPIPE, so a vanished peer never kills the daemon.
    public static func blockHandledSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in handled { sigaddset(&set, signal) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
        signal(SIGPIPE, SIG_IGN)
    }

    /// Starts a thread that waits for the handled signals and calls `handler` for each.
    public static func startWaiting(_ handler: @escaping @Sendable (DaemonSignal) -> Void) throws(SystemError) -> OSThread {
        try OSThread(name: "ember-signals") {
            var set = sigset_t()
            sigemptyset(&set)
            for signal in handled { sigaddset(&set, signal) }
            while true {
                var received: Int32 = 0
                guard sigwait(&set, &received) == 0 else { continue }
                handler(received == SIGHUP ? .reload : .terminate(received))
            }
        }
    }
}

/// A wake-up pipe that a zmq_poll loop can wait on next to its sockets.
public final class WakeupPipe: @unchecked Sendable {
    public let readFD: Int32
    private let writeFD: Int32

    public init() throws(SystemError) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw SystemError("pipe") }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        readFD = fds[0]
        writeFD = fds[1]
    }

    deinit {
        close(readFD)
        close(writeFD)
    }

    /// Wakes the poller. A full pipe already means a wake-up is pending, so EAGAIN is fine.
    public func wake() {
        var byte: UInt8 = 1
        while write(writeFD, &byte, 1) < 0 && errno == EINTR {}
    }

    /// Empties the pipe (call before looking at what the wakers left).
    public func drain() {
        var buffer = [UInt8](repeating: 0, count: 256)
        // One read usually empties it; a full buffer means there may be more.
        while buffer.withUnsafeMutableBytes({ read(readFD, $0.baseAddress, $0.count) }) == buffer.count {}
    }
}
