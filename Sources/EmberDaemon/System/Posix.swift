// Thin wrappers over the POSIX calls the daemon needs: files, clocks, memory use, threads.
// System calls retry EINTR and throw an error carrying errno.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

public struct SystemError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let errno: Int32

    public init(_ operation: String, errno code: Int32 = Glibc.errno) {
        self.operation = operation
        self.errno = code
    }

    public var description: String { "\(operation): \(String(cString: strerror(errno))) (errno \(errno))" }
}

/// Calls `body` until it does not fail with EINTR; throws on -1.
@discardableResult
func retryingEINTR<T: BinaryInteger>(_ operation: @autoclosure () -> String, _ body: () -> T) throws(SystemError) -> T {
    while true {
        let result = body()
        if result != -1 { return result }
        if errno != EINTR { throw SystemError(operation()) }
    }
}

/// Reads a whole file. Refuses files over `limit` bytes so a wrong path cannot exhaust memory.
public func readFile(_ path: String, limit: Int = 64 << 20) throws(SystemError) -> [UInt8] {
    let fd = try retryingEINTR("open(\(path))") { open(path, O_RDONLY | O_CLOEXEC) }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = try retryingEINTR("read(\(path))") { chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } }
        if count == 0 { return bytes }
        bytes.append(contentsOf: chunk[0..<count])
        if bytes.count > limit { throw SystemError("read(\(path)): larger than \(limit) bytes", errno: EFBIG) }
    }
}

public func readTextFile(_ path: String) throws(SystemError) -> String {
    String(decoding: try readFile(path), as: UTF8.self)
}

/// Writes `bytes` to a temporary file next to `path`, then renames it over `path`, so readers see
/// either the old or the new content.
public func writeFileAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws(SystemError) {
    let temporary = path + ".tmp.\(getpid())"
    let fd = try retryingEINTR("open(\(temporary))") { open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode) }
    var written = 0
    while written < bytes.count {
        let count = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
        if count < 0 {
            if errno == EINTR { continue }
            let error = SystemError("write(\(temporary))")
            close(fd)
            unlink(temporary)
            throw error
        }
        written += count
    }
    close(fd)
    try retryingEINTR("rename(\(temporary), \(path))") { rename(temporary, path) }
}

public func fileExists(_ path: String) -> Bool { access(path, F_OK) == 0 }

public func changeMode(_ path: String, _ mode: Int) throws(SystemError) {
    try retryingEINTR("chmod(\(path))") { chmod(path, mode_t(mode)) }
}

/// Creates `path` and missing parents (mode 0755); existing directories are fine.
public func makeDirectories(_ path: String) throws(SystemError) {
    var prefix = ""
    for component in path.split(separator: "/") {
        prefix += "/" + component
        if mkdir(prefix, 0o755) != 0 && errno != EEXIST { throw SystemError("mkdir(\(prefix))") }
    }
}

public func environment(_ name: String) -> String? {
    guard let value = getenv(name) else { return nil }
    return String(cString: value)
}

/// Monotonic time in nanoseconds (CLOCK_MONOTONIC): for durations and deadlines.
@inline(__always)
public func monotonicNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

/// Wall-clock seconds since the epoch, for event timestamps.
public func unixTimeSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_REALTIME, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// Resident set size of this process in bytes, from /proc/self/statm; 0 if unavailable.
public func residentSetBytes() -> Int {
    guard let text = try? readTextFile("/proc/self/statm") else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count >= 2, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

public func sleepMilliseconds(_ milliseconds: Int) {
    var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}

/// Starts a detached-style thread running `body`; join it with the returned handle.
public final class OSThread: @unchecked Sendable {
    private var handle = pthread_t()
    private let body: @Sendable () -> Void

    public init(name: String, _ body: @escaping @Sendable () -> Void) throws(SystemError) {
        self.body = body
        let unmanaged = Unmanaged.passRetained(self)
        let result = pthread_create(&handle, nil, { context in
            let thread = Unmanaged<OSThread>.fromOpaque(context!).takeRetainedValue()
            thread.body()
            return nil
        }, unmanaged.toOpaque())
        if result != 0 {
            unmanaged.release()
            throw SystemError("pthread_create(\(name))", errno: result)
        }
    }

    public func join() { pthread_join(handle, nil) }

    /// For threads nobody joins: their resources are freed when they end.
    public func detach() { pthread_detach(handle) }
}

public func processID() -> Int32 { getpid() }
