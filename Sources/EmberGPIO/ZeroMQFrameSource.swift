import CZeroMQ

/// Subscribes to a ZeroMQ frame feed and keeps only the newest message: a receiver thread
/// replaces one slot, so a fast camera never builds a backlog. A message's last frame is the input;
/// earlier frames (topic, header) ride along in `leadingFrames`. All libzmq calls are in this file.
public final class ZeroMQFrameSource: InputSource, @unchecked Sendable {
    public let endpoint: String
    public let topic: String
    public let maxAgeMs: Int
    public let maxBytes: Int
    private let clock: any MonotonicClock
    private let lock = ConditionLock()
    private var latest: InputPayload?
    private var lastError: String?
    private var received = 0
    private var stopping = false
    private var thread: WorkerThread?
    private let context: UnsafeMutableRawPointer
    private let socket: UnsafeMutableRawPointer

    public init(endpoint: String, topic: String, maxAgeMs: Int, maxBytes: Int,
                clock: any MonotonicClock = SystemMonotonicClock()) throws(InputSourceError) {
        self.endpoint = endpoint; self.topic = topic; self.maxAgeMs = maxAgeMs; self.maxBytes = maxBytes
        self.clock = clock
        let summary = "zmq \(endpoint)"
        guard let context = zmq_ctx_new() else { throw InputSourceError(source: summary, "zmq_ctx_new failed") }
        guard let socket = zmq_socket(context, ZMQ_SUB) else {
            zmq_ctx_term(context)
            throw InputSourceError(source: summary, "zmq_socket: \(Self.zmqError())")
        }
        var timeout: Int32 = 100, linger: Int32 = 0, hwm: Int32 = 4
        var maxSize = Int64(maxBytes)
        var ok = zmq_setsockopt(socket, ZMQ_RCVTIMEO, &timeout, 4) == 0
        ok = ok && zmq_setsockopt(socket, ZMQ_LINGER, &linger, 4) == 0
        ok = ok && zmq_setsockopt(socket, ZMQ_RCVHWM, &hwm, 4) == 0
        ok = ok && zmq_setsockopt(socket, ZMQ_MAXMSGSIZE, &maxSize, 8) == 0
        ok = ok && topic.withCString { zmq_setsockopt(socket, ZMQ_SUBSCRIBE, $0, strlen($0)) } == 0
        ok = ok && zmq_connect(socket, endpoint) == 0
        guard ok else {
            let message = Self.zmqError()
            zmq_close(socket); zmq_ctx_term(context)
            throw InputSourceError(source: summary, message)
        }
        self.context = context; self.socket = socket
        do { thread = try WorkerThread(name: "ember-zmq-in") { [self] in receiveLoop() } } catch {
            zmq_close(socket); zmq_ctx_term(context)
            throw InputSourceError(source: summary, error.description)
        }
    }

    public var summary: String { "zmq \(endpoint)" }

    /// Messages received so far (for stats and tests).
    public var receivedCount: Int { lock.withLock { received } }

    public func read() throws(InputSourceError) -> InputPayload {
        let (frame, error) = lock.withLock { (latest, lastError) }
        guard let frame else {
            throw InputSourceError(source: summary, "no frame received yet" + (error.map { " (last error: \($0))" } ?? ""))
        }
        if maxAgeMs > 0 {
            let ageMs = (clock.nowNs() &- frame.capturedAtNs) / 1_000_000
            if ageMs > UInt64(maxAgeMs) {
                throw InputSourceError(source: summary, "newest frame is \(ageMs) ms old (source_max_age_ms = \(maxAgeMs))")
            }
        }
        return frame
    }

    public func close() {
        lock.withLock { stopping = true }
        thread?.join()
        thread = nil
    }

    deinit { close() }

    private func receiveLoop() {
        while !lock.withLock({ stopping }) {
            switch receiveMessage() {
            case .none: continue
            case .some(.success(let frames)):
                let payload = InputPayload(bytes: frames.last ?? [], leadingFrames: Array(frames.dropLast()),
                                           origin: summary, capturedAtNs: clock.nowNs())
                lock.withLock { latest = payload; received += 1 }
            case .some(.failure(let error)):
                lock.withLock { lastError = error.message }
                usleep(10_000)
            }
        }
        zmq_close(socket)
        zmq_ctx_term(context)
    }

    /// One multipart message, nil on timeout.
    private func receiveMessage() -> Result<[[UInt8]], InputSourceError>? {
        var frames: [[UInt8]] = []
        repeat {
            var msg = zmq_msg_t()
            zmq_msg_init(&msg)
            defer { zmq_msg_close(&msg) }
            if zmq_msg_recv(&msg, socket, 0) < 0 {
                let e = zmq_errno()
                if frames.isEmpty && (e == EAGAIN || e == EINTR) { return nil }
                return .failure(InputSourceError(source: summary, "receive: \(Self.zmqError())"))
            }
            let size = zmq_msg_size(&msg)
            if let data = zmq_msg_data(&msg), size > 0 {
                frames.append(Array(UnsafeRawBufferPointer(start: data, count: size)))
            } else {
                frames.append([])
            }
            if zmq_msg_more(&msg) == 0 { break }
        } while true
        return .success(frames)
    }

    private static func zmqError() -> String {
        let e = zmq_errno()
        return "\(String(cString: zmq_strerror(e))) (errno \(e))"
    }
}
