// The one place that touches files: reads and writes under a root directory, so tests can point
// the governor at a fake /proc and /sys tree. Every failure is a value, never a trap.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What reading one pseudo-file gave.
public enum SysfsContent: Sendable, Equatable {
    case text(String)
    case missing
    case empty
    /// Could not be opened or read (errno), or was larger than the reader accepts.
    case failed(String)
}

public struct SysfsRoot: Sendable, Equatable {
    /// The directory standing for "/": "/" on a real machine.
    public let path: String
    /// Largest file read, in bytes; sysfs values are tiny, /proc/cpuinfo of a big machine is not.
    public static let maxFileBytes = 1 << 20

    public init(_ path: String = "/") {
        self.path = path.hasSuffix("/") ? path : path + "/"
    }

    /// `relative` has no leading slash: "sys/class/thermal".
    public func absolute(_ relative: String) -> String { path + relative }

    public func read(_ relative: String) -> SysfsContent {
        let fd = retryingEINTR { open(absolute(relative), O_RDONLY | O_CLOEXEC) }
        if fd < 0 {
            let e = errno
            return e == ENOENT || e == ENOTDIR ? .missing : .failed(Self.describe(errno: e))
        }
        defer { _ = close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { buf in retryingEINTR { posixRead(fd, buf.baseAddress, buf.count) } }
            if n < 0 { return .failed(Self.describe(errno: errno)) }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > Self.maxFileBytes { return .failed("larger than \(Self.maxFileBytes) bytes") }
        }
        let text = String(decoding: bytes, as: UTF8.self)
        return text.trimmingASCIIWhitespace().isEmpty ? .empty : .text(text)
    }

    /// The text when the file exists and is not blank; nil otherwise.
    public func readText(_ relative: String) -> String? {
        if case .text(let t) = read(relative) { return t }
        return nil
    }

    /// Entry names of a directory (without "." and ".."), sorted; nil when it cannot be opened.
    public func list(_ relative: String) -> [String]? {
        guard let dir = opendir(absolute(relative)) else { return nil }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Replaces the file's content (sysfs attributes take one write). Returns an error text.
    public func write(_ relative: String, _ text: String) -> String? {
        let fd = retryingEINTR { open(absolute(relative), O_WRONLY | O_TRUNC | O_CLOEXEC) }
        if fd < 0 { return Self.describe(errno: errno) }
        defer { _ = close(fd) }
        let bytes = Array(text.utf8)
        let n = bytes.withUnsafeBytes { buf in retryingEINTR { posixWrite(fd, buf.baseAddress, buf.count) } }
        if n < 0 { return Self.describe(errno: errno) }
        if n != bytes.count { return "short write (\(n) of \(bytes.count) bytes)" }
        return nil
    }

    static func describe(errno e: Int32) -> String {
        switch e {
        case EACCES: "permission denied"
        case EPERM: "operation not permitted"
        case EISDIR: "is a directory"
        case EINVAL: "invalid argument"
        case EIO: "input/output error"
        case ENOENT: "no such file"
        default: "errno \(e)"
        }
    }
}

private func retryingEINTR<T: BinaryInteger>(_ body: () -> T) -> T {
    while true {
        let r = body()
        if r < 0 && errno == EINTR { continue }
        return r
    }
}

// File-scope wrappers: inside SysfsRoot, `read` and `write` name its own methods.
private func posixRead(_ fd: Int32, _ buf: UnsafeMutableRawPointer?, _ count: Int) -> Int { read(fd, buf, count) }
private func posixWrite(_ fd: Int32, _ buf: UnsafeRawPointer?, _ count: Int) -> Int { write(fd, buf, count) }
