// Runs the real emberd executable (built next to the test bundle) in a temporary directory with
// its own config, a test NOTIFY_SOCKET, and ipc endpoints; and talks to it over real sockets.
import EmberDaemon
import EmberTransport
import Testing

#if canImport(Glibc)
import Glibc
#endif

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A temporary directory, removed with its content on deinit.
final class TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/emberd-test-XXXXXX".utf8CString)
        guard let result = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { throw TestFailure("mkdtemp failed") }
        path = String(cString: result)
    }

    deinit {
        if let directory = opendir(path) {
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
                if name != "." && name != ".." { unlink(path + "/" + name) }
            }
            closedir(directory)
        }
        rmdir(path)
    }

    func write(_ name: String, _ text: String) throws {
        try writeFileAtomically(path + "/" + name, Array(text.utf8))
    }
}

/// An AF_UNIX datagram socket standing in for systemd's notify socket.
final class NotifyListener {
    let path: String
    private let fd: Int32

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket failed") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.enumerated() { buffer[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw TestFailure("bind(\(path)) failed: errno \(errno)") }
    }

    deinit { close(fd); unlink(path) }

    /// The next datagram, or nil after `timeoutMilliseconds`.
    func receive(timeoutMilliseconds: Int) -> String? {
        var poll = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard Glibc.poll(&poll, 1, Int32(timeoutMilliseconds)) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return count < 0 ? nil : String(decoding: buffer[0..<count], as: UTF8.self)
    }

    /// Waits for a datagram containing `line` (e.g. "READY=1"), collecting what came before.
    func waitFor(_ line: String, timeoutMilliseconds: Int = 10_000) -> Bool {
        let deadline = monotonicNanoseconds() + UInt64(timeoutMilliseconds) * 1_000_000
        while monotonicNanoseconds() < deadline {
            let left = Int((deadline - monotonicNanoseconds()) / 1_000_000)
            guard let message = receive(timeoutMilliseconds: max(left, 1)) else { continue }
            if message.split(separator: "\n").contains(Substring(line)) { return true }
        }
        return false
    }
}

final class DaemonProcess {
    let directory: TemporaryDirectory
    let endpoint: String
    let pubEndpoint: String
    let notify: NotifyListener
    let pid: pid_t
    let logPath: String
    private(set) var exitStatus: Int32?

    /// The emberd next to this test bundle (.build/<config>/emberd).
    static func executablePath() throws -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { throw TestFailure("readlink /proc/self/exe failed") }
        let exe = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // Linux: .build/<config>/EmberPackageTests.xctest is a file next to emberd; macOS bundles
        // nest the executable a few directories deeper.
        var directory = exe
        for _ in 0..<4 {
            guard let slash = directory.lastIndex(of: "/") else { break }
            directory = String(directory[..<slash])
            if fileExists(directory + "/emberd") { return directory + "/emberd" }
        }
        throw TestFailure("emberd not found next to \(exe); build it first (swift build --build-tests builds it)")
    }

    /// Starts emberd with `config` (TOML text; the endpoints are added) and waits for READY=1.
    init(config: String, extraFiles: [String: String] = [:], arguments: [String] = [],
         environment extra: [String: String] = [:], waitForReady: Bool = true) throws {
        directory = try TemporaryDirectory()
        endpoint = "ipc://\(directory.path)/emberd.sock"
        pubEndpoint = "ipc://\(directory.path)/events.sock"
        notify = try NotifyListener(path: directory.path + "/notify.sock")
        logPath = directory.path + "/emberd.log"
        for (name, text) in extraFiles { try directory.write(name, text.replacing("$DIR", with: directory.path)) }
        let fullConfig = "endpoint = \"\(endpoint)\"\npub_endpoint = \"\(pubEndpoint)\"\nlog_level = \"debug\"\n"
            + config.replacing("$DIR", with: directory.path)
        try directory.write("emberd.toml", fullConfig)

        let executable = try Self.executablePath()
        let argv = [executable, "--config", directory.path + "/emberd.toml"] + arguments
        var environment = [String: String]()
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") { environment[String(text[..<equals])] = String(text[text.index(after: equals)...]) }
            pointer += 1
        }
        environment["NOTIFY_SOCKET"] = notify.path
        for (key, value) in extra { environment[key] = value }
        pid = try Self.spawn(argv, environment: environment.map { "\($0)=\($1)" }, stderrPath: logPath)
        if waitForReady && !notify.waitFor("READY=1") {
            kill(pid, SIGKILL)
            _ = waitExit(timeoutMilliseconds: 5000)
            throw TestFailure("emberd sent no READY=1; log:\n\(log())")
        }
    }

    private static func spawn(_ argv: [String], environment: [String], stderrPath: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 1, stderrPath + ".out", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup($0) } + [nil]
        defer { (cArgs + cEnv).forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, argv[0], &actions, nil, cArgs, cEnv)
        guard result == 0 else { throw TestFailure("posix_spawn \(argv[0]) failed: \(result)") }
        return pid
    }

    deinit {
        if exitStatus == nil {
            kill(pid, SIGKILL)
            _ = waitExit(timeoutMilliseconds: 5000)
        }
    }

    func log() -> String { (try? readTextFile(logPath)) ?? "(no log)" }

    func signal(_ number: Int32) { kill(pid, number) }

    /// Waits for the process to exit; returns its exit status (128+N when killed by signal N).
    func waitExit(timeoutMilliseconds: Int) -> Int32? {
        if let exitStatus { return exitStatus }
        let deadline = monotonicNanoseconds() + UInt64(timeoutMilliseconds) * 1_000_000
        while monotonicNanoseconds() < deadline {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                let code = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
                exitStatus = code
                return code
            }
            sleepMilliseconds(5)
        }
        return nil
    }
}

/// A DEALER client with a receive timeout.
final class TestClient {
    let socket: ZMQSocket

    init(_ context: ZMQContext, endpoint: String, timeoutMilliseconds: Int32 = 10_000, type: ZMQSocketType = .dealer) throws {
        socket = try ZMQSocket(context, type)
        try socket.setLinger(milliseconds: 0)
        try socket.setReceiveTimeout(milliseconds: timeoutMilliseconds)
        try socket.connect(endpoint)
    }

    func send(_ frames: [[UInt8]]) throws { try socket.send(frames) }

    func receive() throws -> Reply {
        guard let frames = try socket.receive() else { throw TestFailure("no reply within the timeout") }
        return try Reply(frames: frames)
    }

    func call(_ request: Request) throws -> Reply {
        try send(RequestEncoder.encode(request))
        return try receive()
    }

    func call(_ operation: RequestOperation, id: String = "t") throws -> Reply {
        try call(Request(id: id, operation: operation))
    }
}
