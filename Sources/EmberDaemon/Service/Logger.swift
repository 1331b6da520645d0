// Logs to stderr, one line per message, prefixed `<N>` with the sd-daemon priority so that
// journald keeps the level. Safe to call from any thread: each line is a single write(2).
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

public final class Logger: Sendable {
    public let level: LogLevel
    private let fd: Int32

    public init(level: LogLevel, fd: Int32 = 2) {
        self.level = level
        self.fd = fd
    }

    public func enabled(_ messageLevel: LogLevel) -> Bool { messageLevel <= level }

    public func log(_ messageLevel: LogLevel, _ message: @autoclosure () -> String) {
        guard enabled(messageLevel) else { return }
        // Newlines inside a message would start journald records without a prefix.
        var line = Array("<\(messageLevel.priority)>".utf8)
        for byte in message().utf8 {
            if byte == 0x0A { line.append(contentsOf: " | ".utf8) } else if byte != 0x0D { line.append(byte) }
        }
        line.append(0x0A)
        line.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 { if errno == EINTR { continue } else { return } }
                offset += written
            }
        }
    }

    public func error(_ message: @autoclosure () -> String) { log(.error, message()) }
    public func warning(_ message: @autoclosure () -> String) { log(.warning, message()) }
    public func notice(_ message: @autoclosure () -> String) { log(.notice, message()) }
    public func info(_ message: @autoclosure () -> String) { log(.info, message()) }
    public func debug(_ message: @autoclosure () -> String) { log(.debug, message()) }
}
