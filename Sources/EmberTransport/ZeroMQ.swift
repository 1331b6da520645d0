// A small safe wrapper over libzmq. All unsafe pointer handling of the transport lives here.
//
// Threading: a ZMQContext may be shared by every thread. A ZMQSocket must be used by one thread at
// a time (libzmq sockets are not thread-safe); it is marked @unchecked Sendable only so that it can
// be created on one thread and handed to the thread that owns it from then on.
import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A libzmq call failed. Carries the call, the errno value and libzmq's description of it.
public struct ZMQError: Error, CustomStringConvertible, Sendable, Equatable {
    public let operation: String
    public let errno: Int32
    public let message: String

    public init(_ operation: String, errno code: Int32) {
        self.operation = operation
        self.errno = code
        self.message = String(cString: zmq_strerror(code))
    }

    static func last(_ operation: String) -> ZMQError { ZMQError(operation, errno: czmq_shim_errno()) }

    public var description: String { "\(operation): \(message) (errno \(errno))" }

    /// The call would have blocked (non-blocking send/receive) or timed out.
    public var isWouldBlock: Bool { errno == EAGAIN }
    /// The context was terminated while the call was in progress.
    public var isTerminated: Bool { errno == ETERM }
}

/// Retries a libzmq call that failed with EINTR; throws any other failure.
@discardableResult
private func zmqCall(_ operation: String, _ body: () -> Int32) throws(ZMQError) -> Int32 {
    while true {
        let result = body()
        if result >= 0 { return result }
        let code = czmq_shim_errno()
        if code == EINTR { continue }
        throw ZMQError(operation, errno: code)
    }
}

public final class ZMQContext: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    public init() throws(ZMQError) {
        guard let handle = zmq_ctx_new() else { throw ZMQError.last("zmq_ctx_new") }
        self.handle = handle
    }

    /// Terminates the context: blocking calls on its sockets fail with ETERM. Every socket must be
    /// closed before this returns, so call it only after the owning threads closed theirs.
    public func terminate() {
        while zmq_ctx_term(handle) != 0 && czmq_shim_errno() == EINTR {}
    }

    /// Whether libzmq was built with a capability ("curve", "ipc", ...).
    public static func has(_ capability: String) -> Bool { zmq_has(capability) != 0 }

    public static var version: (major: Int, minor: Int, patch: Int) {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return (Int(major), Int(minor), Int(patch))
    }
}

public enum ZMQSocketType: Sendable {
    case pair, pub, sub, req, rep, dealer, router, pull, push

    var raw: Int32 {
        switch self {
        case .pair: return ZMQ_PAIR
        case .pub: return ZMQ_PUB
        case .sub: return ZMQ_SUB
        case .req: return ZMQ_REQ
        case .rep: return ZMQ_REP
        case .dealer: return ZMQ_DEALER
        case .router: return ZMQ_ROUTER
        case .pull: return ZMQ_PULL
        case .push: return ZMQ_PUSH
        }
    }
}

public final class ZMQSocket: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    private var closed = false
    /// Reused for every received frame.
    private let frame: UnsafeMutablePointer<czmq_shim_frame>

    public init(_ context: ZMQContext, _ type: ZMQSocketType) throws(ZMQError) {
        guard let handle = zmq_socket(context.handle, type.raw) else { throw ZMQError.last("zmq_socket") }
        guard let frame = czmq_shim_frame_new() else {
            zmq_close(handle)
            throw ZMQError("czmq_shim_frame_new", errno: ENOMEM)
        }
        self.handle = handle
        self.frame = frame
    }

    deinit {
        close()
        czmq_shim_frame_free(frame)
    }

    /// Closes the socket. Idempotent. Set `linger` first if pending messages should be dropped.
    public func close() {
        guard !closed else { return }
        closed = true
        zmq_close(handle)
    }

    public func bind(_ endpoint: String) throws(ZMQError) {
        try zmqCall("zmq_bind(\(endpoint))") { zmq_bind(handle, endpoint) }
    }

    public func connect(_ endpoint: String) throws(ZMQError) {
        try zmqCall("zmq_connect(\(endpoint))") { zmq_connect(handle, endpoint) }
    }

    public func unbind(_ endpoint: String) throws(ZMQError) {
        try zmqCall("zmq_unbind(\(endpoint))") { zmq_unbind(handle, endpoint) }
    }

    // MARK: Options

    private func setOption(_ option: Int32, _ name: String, int value: Int32) throws(ZMQError) {
        var value = value
        try zmqCall("zmq_setsockopt(\(name))") {
            zmq_setsockopt(handle, option, &value, MemoryLayout<Int32>.size)
        }
    }

    private func setOption(_ option: Int32, _ name: String, int64 value: Int64) throws(ZMQError) {
        var value = value
        try zmqCall("zmq_setsockopt(\(name))") {
            zmq_setsockopt(handle, option, &value, MemoryLayout<Int64>.size)
        }
    }

    private func setOption(_ option: Int32, _ name: String, bytes: [UInt8]) throws(ZMQError) {
        try zmqCall("zmq_setsockopt(\(name))") {
            bytes.withUnsafeBytes { zmq_setsockopt(handle, option, $0.baseAddress, $0.count) }
        }
    }

    /// How long (ms) pending outgoing messages are kept after close; -1 forever, 0 drop at once.
    public func setLinger(milliseconds: Int32) throws(ZMQError) {
        try setOption(ZMQ_LINGER, "ZMQ_LINGER", int: milliseconds)
    }

    /// Peers sending a frame larger than this are disconnected by libzmq. -1: no limit.
    public func setMaxMessageSize(_ bytes: Int64) throws(ZMQError) {
        try setOption(ZMQ_MAXMSGSIZE, "ZMQ_MAXMSGSIZE", int64: bytes)
    }

    public func setReceiveTimeout(milliseconds: Int32) throws(ZMQError) {
        try setOption(ZMQ_RCVTIMEO, "ZMQ_RCVTIMEO", int: milliseconds)
    }

    public func setSendTimeout(milliseconds: Int32) throws(ZMQError) {
        try setOption(ZMQ_SNDTIMEO, "ZMQ_SNDTIMEO", int: milliseconds)
    }

    public func setSendHighWaterMark(_ messages: Int32) throws(ZMQError) {
        try setOption(ZMQ_SNDHWM, "ZMQ_SNDHWM", int: messages)
    }

    public func setReceiveHighWaterMark(_ messages: Int32) throws(ZMQError) {
        try setOption(ZMQ_RCVHWM, "ZMQ_RCVHWM", int: messages)
    }

    /// ROUTER: fail with EHOSTUNREACH instead of silently dropping a message to a gone peer.
    public func setRouterMandatory(_ on: Bool) throws(ZMQError) {
        try setOption(ZMQ_ROUTER_MANDATORY, "ZMQ_ROUTER_MANDATORY", int: on ? 1 : 0)
    }

    public func setRoutingID(_ id: [UInt8]) throws(ZMQError) {
        try setOption(ZMQ_ROUTING_ID, "ZMQ_ROUTING_ID", bytes: id)
    }

    public func subscribe(_ prefix: [UInt8]) throws(ZMQError) {
        try setOption(ZMQ_SUBSCRIBE, "ZMQ_SUBSCRIBE", bytes: prefix)
    }

    /// Makes this socket a CURVE server with the given Z85 secret key (40 characters).
    public func setCurveServer(secretKey: String) throws(ZMQError) {
        try setOption(ZMQ_CURVE_SERVER, "ZMQ_CURVE_SERVER", int: 1)
        try setOption(ZMQ_CURVE_SECRETKEY, "ZMQ_CURVE_SECRETKEY", bytes: Array(secretKey.utf8))
    }

    /// Makes this socket a CURVE client of the server with `serverKey`, using its own key pair.
    public func setCurveClient(serverKey: String, publicKey: String, secretKey: String) throws(ZMQError) {
        try setOption(ZMQ_CURVE_SERVERKEY, "ZMQ_CURVE_SERVERKEY", bytes: Array(serverKey.utf8))
        try setOption(ZMQ_CURVE_PUBLICKEY, "ZMQ_CURVE_PUBLICKEY", bytes: Array(publicKey.utf8))
        try setOption(ZMQ_CURVE_SECRETKEY, "ZMQ_CURVE_SECRETKEY", bytes: Array(secretKey.utf8))
    }

    /// The ZAP domain: set it on a server socket so libzmq asks the ZAP handler about every peer.
    public func setZAPDomain(_ domain: String) throws(ZMQError) {
        try setOption(ZMQ_ZAP_DOMAIN, "ZMQ_ZAP_DOMAIN", bytes: Array(domain.utf8))
    }

    /// The endpoint last bound, with the port resolved for `tcp://host:*`.
    public func lastEndpoint() throws(ZMQError) -> String {
        var buffer = [CChar](repeating: 0, count: 1024)
        var size = buffer.count
        try zmqCall("zmq_getsockopt(ZMQ_LAST_ENDPOINT)") {
            zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, &buffer, &size)
        }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    // MARK: Messages

    /// Sends a multipart message (one or more frames). Returns false only when `dontWait` is set
    /// and the message could not be queued (EAGAIN) before any frame was sent.
    @discardableResult
    public func send(_ frames: [[UInt8]], dontWait: Bool = false) throws(ZMQError) -> Bool {
        precondition(!frames.isEmpty, "a ZeroMQ message has at least one frame")
        for (index, frame) in frames.enumerated() {
            var flags: Int32 = index + 1 < frames.count ? ZMQ_SNDMORE : 0
            if dontWait { flags |= ZMQ_DONTWAIT }
            do {
                try zmqCall("zmq_send") {
                    frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
                }
            } catch {
                // libzmq queues all parts atomically once the first is accepted.
                if error.isWouldBlock && index == 0 { return false }
                throw error
            }
        }
        return true
    }

    /// Receives one multipart message. Returns nil when `dontWait` is set (or a receive timeout
    /// expired) and no message was waiting.
    public func receive(dontWait: Bool = false) throws(ZMQError) -> [[UInt8]]? {
        var frames: [[UInt8]] = []
        repeat {
            let flags: Int32 = dontWait ? ZMQ_DONTWAIT : 0
            do {
                try zmqCall("zmq_msg_recv") { czmq_shim_frame_recv(frame, handle, flags) }
            } catch {
                if error.isWouldBlock && frames.isEmpty { return nil }
                throw error
            }
            let size = czmq_shim_frame_size(frame)
            if size == 0 {
                frames.append([])
            } else {
                let data = UnsafeRawBufferPointer(start: czmq_shim_frame_data(frame), count: size)
                frames.append(Array(data))
            }
        } while czmq_shim_frame_more(frame) != 0
        return frames
    }
}

/// Something zmq_poll can wait on: a ZeroMQ socket or a plain file descriptor (a pipe, say).
public enum ZMQPollItem {
    case socket(ZMQSocket)
    case fileDescriptor(Int32)
}

/// Waits for sockets and file descriptors to become readable.
public enum ZMQPoller {
    /// Returns, for each item, whether it is readable now. `timeout` in ms, -1 forever. An
    /// interrupted wait (EINTR) returns all false.
    public static func pollReadable(_ entries: [ZMQPollItem], timeout: Int) throws(ZMQError) -> [Bool] {
        var items = entries.map { entry -> zmq_pollitem_t in
            switch entry {
            case .socket(let socket): return zmq_pollitem_t(socket: socket.handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
            case .fileDescriptor(let fd): return zmq_pollitem_t(socket: nil, fd: fd, events: Int16(ZMQ_POLLIN), revents: 0)
            }
        }
        let count = Int32(items.count)
        let result = zmq_poll(&items, count, timeout)
        if result < 0 {
            let code = czmq_shim_errno()
            if code == EINTR { return Array(repeating: false, count: entries.count) }
            throw ZMQError("zmq_poll", errno: code)
        }
        return items.map { ($0.revents & Int16(ZMQ_POLLIN)) != 0 }
    }

    public static func pollReadable(_ sockets: [ZMQSocket], timeout: Int) throws(ZMQError) -> [Bool] {
        try pollReadable(sockets.map { .socket($0) }, timeout: timeout)
    }
}

/// CURVE key pairs in Z85 text form (40 characters each).
public enum CurveKeys {
    public static func generatePair() throws(ZMQError) -> (publicKey: String, secretKey: String) {
        var publicKey = [CChar](repeating: 0, count: 41)
        var secretKey = [CChar](repeating: 0, count: 41)
        try zmqCall("zmq_curve_keypair") { zmq_curve_keypair(&publicKey, &secretKey) }
        return (string(publicKey), string(secretKey))
    }

    /// The public key belonging to a Z85 secret key.
    public static func publicKey(forSecret secretKey: String) throws(ZMQError) -> String {
        guard isValidZ85Key(secretKey) else { throw ZMQError("zmq_curve_public", errno: EINVAL) }
        var publicKey = [CChar](repeating: 0, count: 41)
        try zmqCall("zmq_curve_public") { zmq_curve_public(&publicKey, secretKey) }
        return string(publicKey)
    }

    /// A 32-byte key as 40 Z85 characters.
    public static func z85(_ key: [UInt8]) -> String? {
        guard key.count == 32 else { return nil }
        var text = [CChar](repeating: 0, count: 41)
        guard zmq_z85_encode(&text, key, 32) != nil else { return nil }
        return string(text)
    }

    public static func isValidZ85Key(_ text: String) -> Bool { bytes(ofZ85: text) != nil }

    /// The 32 bytes of a 40-character Z85 key, or nil when it is not one.
    public static func bytes(ofZ85 text: String) -> [UInt8]? {
        guard text.utf8.count == 40 else { return nil }
        var key = [UInt8](repeating: 0, count: 32)
        return zmq_z85_decode(&key, text) != nil ? key : nil
    }

    private static func string(_ chars: [CChar]) -> String {
        String(decoding: chars.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
