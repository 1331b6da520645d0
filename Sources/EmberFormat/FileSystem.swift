#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The few system calls the container needs: map a file read-only and shared, unmap it, and
/// write a file atomically. Every failure becomes `FormatError.io` carrying errno.
enum FileSystem {
    /// Maps `path` read-only and shared. An empty file maps to a zero-length heap buffer (mmap
    /// rejects length 0); the parser then reports the missing header.
    static func mapReadOnly(_ path: String) throws -> (base: UnsafeRawPointer, length: Int, isMapped: Bool) {
        let fd = retryingEINTR { open(path, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { throw FormatError.io(path: path, operation: "open", errno: errno) }
        defer { _ = close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FormatError.io(path: path, operation: "fstat", errno: errno) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw FormatError.io(path: path, operation: "open (not a regular file)", errno: EINVAL) }
        guard let length = Int(exactly: st.st_size), length > 0 else {
            return (UnsafeRawPointer(UnsafeMutableRawPointer.allocate(byteCount: 0, alignment: 64)), 0, false)
        }
        guard let p = mmap(nil, length, PROT_READ, MAP_SHARED, fd, 0), p != MAP_FAILED else {
            throw FormatError.io(path: path, operation: "mmap", errno: errno)
        }
        return (UnsafeRawPointer(p), length, true)
    }

    static func unmap(_ base: UnsafeRawPointer, length: Int) {
        _ = munmap(UnsafeMutableRawPointer(mutating: base), length)
    }

    /// Writes to `path.tmp-PID`, fsyncs, renames over `path`: readers never see a half file.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let temporary = "\(path).tmp-\(getpid())"
        let fd = retryingEINTR { open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
        guard fd >= 0 else { throw FormatError.io(path: temporary, operation: "open", errno: errno) }
        var failure: FormatError?
        bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = .io(path: temporary, operation: "write", errno: errno)
                    return
                }
                done += n
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = .io(path: temporary, operation: "fsync", errno: errno) }
        if close(fd) != 0, failure == nil { failure = .io(path: temporary, operation: "close", errno: errno) }
        if failure == nil, rename(temporary, path) != 0 { failure = .io(path: path, operation: "rename", errno: errno) }
        if let failure {
            _ = unlink(temporary)
            throw failure
        }
    }

    private static func retryingEINTR(_ call: () -> Int32) -> Int32 {
        while true {
            let r = call()
            if r >= 0 || errno != EINTR { return r }
        }
    }
}

/// strerror text for an errno value.
func systemErrorMessage(_ code: Int32) -> String {
    String(cString: strerror(code))
}
