#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CEmberFormat

/// A model file mapped read-only and shared, with the descriptor kept open and the mapping under
/// the SIGBUS guard (cemberformat.h), so a later truncation or in-place write by another process
/// is noticed instead of crashing or silently changing the weights.
final class FileMapping {
    let base: UnsafeRawPointer
    let length: Int
    private let descriptor: Int32
    private let guardSlot: Int32
    private let loadedSize: Int
    private let loadedModification: timespec

    fileprivate init(base: UnsafeRawPointer, length: Int, descriptor: Int32, status: stat) {
        self.base = base
        self.length = length
        self.descriptor = descriptor
        guardSlot = cemberformat_guard_add(base, length)
        loadedSize = Int(status.st_size)
        loadedModification = status.st_mtim
    }

    /// How the file differs from when it was mapped, or nil when it does not.
    func change() -> String? {
        if guardSlot >= 0, case let faults = cemberformat_guard_faults(guardSlot), faults > 0 {
            return "it was truncated while mapped (\(faults) read\(faults == 1 ? "" : "s") past its new end saw zeros)"
        }
        var st = stat()
        guard fstat(descriptor, &st) == 0 else { return nil }
        if Int(st.st_size) != loadedSize { return "it is now \(st.st_size) bytes, \(loadedSize) when loaded" }
        if st.st_mtim.tv_sec != loadedModification.tv_sec || st.st_mtim.tv_nsec != loadedModification.tv_nsec {
            return "it was written in place"
        }
        return nil
    }

    deinit {
        cemberformat_guard_remove(guardSlot)
        _ = munmap(UnsafeMutableRawPointer(mutating: base), length)
        _ = close(descriptor)
    }
}

/// The few system calls the container needs: map a file read-only and shared, and write a file
/// atomically. Every failure becomes `FormatError.io` carrying errno.
enum FileSystem {
    /// Maps `path` read-only and shared; nil for an empty file (mmap rejects length 0; the parser
    /// then reports the missing header).
    static func mapReadOnly(_ path: String) throws -> FileMapping? {
        let fd = retryingEINTR { open(path, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { throw FormatError.io(path: path, operation: "open", errno: errno) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let code = errno
            _ = close(fd)
            throw FormatError.io(path: path, operation: "fstat", errno: code)
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            _ = close(fd)
            throw FormatError.io(path: path, operation: "open (not a regular file)", errno: EINVAL)
        }
        guard let length = Int(exactly: st.st_size), length > 0 else {
            _ = close(fd)
            return nil
        }
        guard let p = mmap(nil, length, PROT_READ, MAP_SHARED, fd, 0), p != MAP_FAILED else {
            let code = errno
            _ = close(fd)
            throw FormatError.io(path: path, operation: "mmap", errno: code)
        }
        return FileMapping(base: UnsafeRawPointer(p), length: length, descriptor: fd, status: st)
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
