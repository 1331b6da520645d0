/// Reads a whole file at every firing, refusing files larger than `maxBytes`.
public final class FileInputSource: InputSource {
    public let path: String
    public let maxBytes: Int
    private let clock: any MonotonicClock

    public init(path: String, maxBytes: Int, clock: any MonotonicClock = SystemMonotonicClock()) {
        self.path = path; self.maxBytes = maxBytes; self.clock = clock
    }

    public var summary: String { "file \(path)" }

    public func read() throws(InputSourceError) -> InputPayload {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw InputSourceError(source: summary, describeErrno(errno)) }
        defer { Glibc.close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw InputSourceError(source: summary, "read failed: \(describeErrno(errno))")
            }
            if n == 0 { break }
            guard bytes.count + n <= maxBytes else {
                throw InputSourceError(source: summary, "larger than source_max_bytes (\(maxBytes))")
            }
            bytes.append(contentsOf: chunk[0..<n])
        }
        guard !bytes.isEmpty else { throw InputSourceError(source: summary, "file is empty") }
        return InputPayload(bytes: bytes, origin: summary, capturedAtNs: clock.nowNs())
    }

    public func close() {}
}
