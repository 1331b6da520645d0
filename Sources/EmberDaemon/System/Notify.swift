// The sd_notify protocol, written here: datagrams like "READY=1" sent to the AF_UNIX socket named
// by $NOTIFY_SOCKET (a path, or an abstract name written with a leading '@').
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

public final class SystemdNotifier: Sendable {
    /// nil when not started by a service manager: every call is then a no-op.
    public let socketPath: String?
    /// Half of $WATCHDOG_USEC, when the watchdog is enabled for this process.
    public let watchdogInterval: UInt64?

    public init(environment read: (String) -> String? = environment) {
        let path = read("NOTIFY_SOCKET").flatMap { $0.isEmpty ? nil : $0 }
        socketPath = path
        var interval: UInt64?
        if let usec = read("WATCHDOG_USEC").flatMap(UInt64.init), usec > 0 {
            // WATCHDOG_PID, when set, names the process the watchdog is meant for.
            if let pid = read("WATCHDOG_PID").flatMap(Int32.init), pid != getpid() {
                interval = nil
            } else {
                interval = usec * 1000 / 2
            }
        }
        watchdogInterval = path == nil ? nil : interval
    }

    /// Sends one notification ("READY=1\nSTATUS=..."). Errors are returned, not thrown: a
    /// notification that cannot be sent must not stop the daemon.
    @discardableResult
    public func notify(_ state: String) -> SystemError? {
        guard let socketPath else { return nil }
        return Self.send(state, to: socketPath)
    }

    static func send(_ state: String, to path: String) -> SystemError? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(path.utf8)
        let abstract = pathBytes.first == UInt8(ascii: "@")
        if abstract { pathBytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { return SystemError("NOTIFY_SOCKET is longer than \(capacity - 1) bytes", errno: ENAMETOOLONG) }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in pathBytes.enumerated() { buffer[index] = byte }
        }
        // Abstract names are exactly as long as given; paths include their terminating zero.
        let length = MemoryLayout.offset(of: \sockaddr_un.sun_path)! + pathBytes.count + (abstract ? 0 : 1)
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return SystemError("socket(AF_UNIX)") }
        defer { close(fd) }
        let message = Array(state.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                message.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), socketAddress, socklen_t(length)) }
            }
        }
        return sent < 0 ? SystemError("sendto(\(path))") : nil
    }
}
