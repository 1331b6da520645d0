// A synchronous client of emberd: one DEALER socket, one request at a time, replies matched by id.
// Used by the `ember infer` / `ember embed` commands and the daemon tests.

public final class DaemonClient {
    private let context: ZMQContext
    private let socket: ZMQSocket
    private var nextID = 1
    private let idPrefix: String
    private let timeoutMilliseconds: Int32

    /// Connects to `endpoint` (ipc:// or tcp://). `curve` gives the server's public key and this
    /// client's key pair, for tcp endpoints.
    public init(endpoint: String, timeoutMilliseconds: Int32 = 10_000,
                curve: (serverKey: String, publicKey: String, secretKey: String)? = nil) throws(ZMQError) {
        self.timeoutMilliseconds = timeoutMilliseconds
        context = try ZMQContext()
        socket = try ZMQSocket(context, .dealer)
        try socket.setLinger(milliseconds: 0)
        try socket.setReceiveTimeout(milliseconds: timeoutMilliseconds)
        if let curve { try socket.setCurveClient(serverKey: curve.serverKey, publicKey: curve.publicKey, secretKey: curve.secretKey) }
        try socket.connect(endpoint)
        var seed = SystemRandomNumberGenerator()
        idPrefix = String(seed.next() & 0xFFFF_FFFF, radix: 16)
    }

    deinit {
        socket.close()
        context.terminate()
    }

    public enum Failure: Error, CustomStringConvertible {
        case transport(ZMQError)
        case timeout(milliseconds: Int32)
        case malformedReply(WireError)
        /// The daemon answered with an error.
        case daemon(WireError)

        public var description: String {
            switch self {
            case .transport(let error): return "ZeroMQ: \(error)"
            case .timeout(let ms): return "no reply from emberd within \(ms) ms (is it running, and is the endpoint right?)"
            case .malformedReply(let error): return "malformed reply: \(error.message)"
            case .daemon(let error): return "emberd answered \(error.code.rawValue): \(error.message)"
            }
        }
    }

    /// Sends `operation` and returns the successful reply; error replies throw `.daemon`.
    public func call(_ operation: RequestOperation) throws(Failure) -> Reply {
        let id = "\(idPrefix)-\(nextID)"
        nextID += 1
        do { try socket.send(RequestEncoder.encode(Request(id: id, operation: operation))) } catch { throw .transport(error) }
        while true {
            let frames: [[UInt8]]?
            do { frames = try socket.receive() } catch { throw .transport(error) }
            guard var frames else { throw .timeout(milliseconds: timeoutMilliseconds) }
            if frames.first?.isEmpty == true { frames.removeFirst() }
            let reply: Reply
            do { reply = try Reply(frames: frames) } catch { throw .malformedReply(error) }
            // A late answer to an earlier request that timed out.
            if let replyID = reply.id, replyID != id { continue }
            if let error = reply.error { throw .daemon(error) }
            return reply
        }
    }
}
