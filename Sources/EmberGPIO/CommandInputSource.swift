import CGPIOD

/// Runs a command (argv, no shell) at every firing; its standard output is the input.
/// posix_spawn in its own process group, stdout and stderr through pipes read with poll, the whole
/// group killed when `timeoutMs` passes or stdout exceeds `maxBytes` (or `abort` is called); a
/// non-zero exit is an error quoting the end of stderr.
public final class CommandInputSource: InputSource, @unchecked Sendable {
    public let argv: [String]
    public let timeoutMs: Int
    public let maxBytes: Int
    private let clock: any MonotonicClock
    private static let stderrTail = 400
    /// Guards `child` and `aborted`. Held while the child is reaped, so `abort` never signals a
    /// process group whose id the kernel may already have reused.
    private let lock = ConditionLock()
    private var child: pid_t?
    private var aborted = false

    public init(argv: [String], timeoutMs: Int, maxBytes: Int, clock: any MonotonicClock = SystemMonotonicClock()) {
        self.argv = argv; self.timeoutMs = timeoutMs; self.maxBytes = maxBytes; self.clock = clock
    }

    public var summary: String { "command \(argv.first ?? "")" }

    public func close() {}

    public func abort() -> String? {
        lock.withLock {
            aborted = true
            guard let child else { return nil }
            kill(-child, SIGKILL)
            return "killed its command \(argv[0]) (process group \(child))"
        }
    }

    public func read() throws(InputSourceError) -> InputPayload {
        guard !argv.isEmpty else { throw InputSourceError(source: summary, "empty command") }
        let start = SystemMonotonicClock().nowNs()
        let deadline = start &+ UInt64(timeoutMs) &* 1_000_000
        guard !lock.withLock({ aborted }) else { throw InputSourceError(source: summary, "not run: emberd is stopping") }
        let (pid, outFd, errFd) = try spawn()
        lock.withLock {
            child = pid
            if aborted { kill(-pid, SIGKILL) }  // abort() ran during the spawn
        }
        var out: [UInt8] = []
        var err: [UInt8] = []
        var failure: String?
        var open = [outFd, errFd]
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)

        while !open.isEmpty && failure == nil {
            let now = SystemMonotonicClock().nowNs()
            guard now < deadline else { failure = "timed out after \(timeoutMs) ms"; break }
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let waitMs = Int32(clamping: (deadline - now + 999_999) / 1_000_000)
            let rc = poll(&fds, nfds_t(fds.count), waitMs)
            if rc < 0 && errno != EINTR { failure = "poll failed: \(describeErrno(errno))"; break }
            for entry in fds where entry.revents != 0 {
                let n = chunk.withUnsafeMutableBytes { Glibc.read(entry.fd, $0.baseAddress, $0.count) }
                if n < 0 && (errno == EINTR || errno == EAGAIN) { continue }
                if n <= 0 { open.removeAll { $0 == entry.fd }; continue }
                if entry.fd == outFd {
                    guard out.count + n <= maxBytes else { failure = "output larger than source_max_bytes (\(maxBytes))"; break }
                    out.append(contentsOf: chunk[0..<n])
                } else {
                    err.append(contentsOf: chunk[0..<n])
                    if err.count > 4 * Self.stderrTail { err.removeFirst(err.count - Self.stderrTail) }
                }
            }
        }
        Glibc.close(outFd); Glibc.close(errFd)

        var status: Int32 = 0
        if failure == nil {
            // stdout closed: give the process the rest of the timeout to exit.
            while !reaped(pid, &status, block: false) {
                if SystemMonotonicClock().nowNs() >= deadline { failure = "timed out after \(timeoutMs) ms"; break }
                usleep(1000)
            }
            if failure == nil {
                if lock.withLock({ aborted }) { throw InputSourceError(source: summary, "killed: emberd is stopping") }
                return try finish(status: status, out: out, err: err)
            }
        }
        kill(-pid, SIGKILL)
        _ = reaped(pid, &status, block: true)
        throw InputSourceError(source: summary, lock.withLock { aborted } ? "killed: emberd is stopping" : failure!)
    }

    /// waitpid under the lock; forgets the child once it is reaped.
    private func reaped(_ pid: pid_t, _ status: inout Int32, block: Bool) -> Bool {
        lock.withLock {
            var rc: pid_t
            repeat { rc = waitpid(pid, &status, block ? 0 : WNOHANG) } while rc < 0 && errno == EINTR
            if rc == 0 { return false }
            child = nil
            return true
        }
    }

    private func finish(status: Int32, out: [UInt8], err: [UInt8]) throws(InputSourceError) -> InputPayload {
        let signal = status & 0x7f
        let code = (status >> 8) & 0xff
        let tail = String(decoding: err.suffix(Self.stderrTail), as: UTF8.self)
            .split(whereSeparator: \.isNewline).joined(separator: " | ")
        let stderrNote = tail.isEmpty ? "" : "; stderr: \(tail)"
        if signal != 0 { throw InputSourceError(source: summary, "killed by signal \(signal)\(stderrNote)") }
        // 127 is the shell's and posix_spawn's "could not exec" when the failure is not reported
        // to the parent (e.g. under qemu-user).
        let hint = code == 127 ? " (command not found or not executable?)" : ""
        if code != 0 { throw InputSourceError(source: summary, "exited with status \(code)\(hint)\(stderrNote)") }
        if out.isEmpty { throw InputSourceError(source: summary, "wrote nothing to standard output\(stderrNote)") }
        return InputPayload(bytes: out, origin: summary, capturedAtNs: clock.nowNs())
    }

    /// Starts the child with stdin from /dev/null and stdout/stderr on fresh pipes.
    private func spawn() throws(InputSourceError) -> (pid_t, Int32, Int32) {
        var outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1]
        guard cgpiod_pipe_cloexec(&outPipe) == 0 else { throw InputSourceError(source: summary, "pipe: \(describeErrno(errno))") }
        guard cgpiod_pipe_cloexec(&errPipe) == 0 else {
            Glibc.close(outPipe[0]); Glibc.close(outPipe[1])
            throw InputSourceError(source: summary, "pipe: \(describeErrno(errno))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)

        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        // Own process group (so a timeout kills the children too), default SIGPIPE, nothing blocked.
        var defaults = sigset_t(), empty = sigset_t()
        sigemptyset(&defaults); sigaddset(&defaults, SIGPIPE); sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setsigmask(&attr, &empty)
        posix_spawnattr_setpgroup(&attr, 0)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) }
        cArgs.append(nil)
        defer { for p in cArgs { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, argv[0], &actions, &attr, cArgs, environ)
        Glibc.close(outPipe[1]); Glibc.close(errPipe[1])
        guard rc == 0 else {
            Glibc.close(outPipe[0]); Glibc.close(errPipe[0])
            throw InputSourceError(source: summary, "cannot start \(argv[0]): \(describeErrno(rc))")
        }
        return (pid, outPipe[0], errPipe[0])
    }
}
