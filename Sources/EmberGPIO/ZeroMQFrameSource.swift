import EmberTransport

/// Subscribes to a ZeroMQ frame feed and keeps only the newest message: a receiver thread
/// replaces one slot, so a fast camera never builds a backlog. A message's last frame is the input;
/// earlier frames (topic, header) ride along in `leadingFrames`. Sockets come from EmberTransport;
/// the SUB socket is used by the receiver thread only.
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
    private let context: ZMQContext
    private let socket: ZMQSocket

    public init(endpoint: String, topic: String, maxAgeMs: Int, maxBytes: Int,
                clock: any MonotonicClock = SystemMonotonicClock()) throws(InputSourceError) {
        self.endpoint = endpoint; self.topic = topic; self.maxAgeMs = maxAgeMs; self.maxBytes = maxBytes
        self.clock = clock
        let summary = "zmq \(endpoint)"
        do {
            context = try ZMQContext()
            socket = try ZMQSocket(context, .sub)
        } catch {
            throw InputSourceError(source: summary, error.description)
        }
        do {
            // A short receive timeout lets the thread notice `close`; a small high-water mark keeps
            // libzmq's own queue from holding a backlog of frames.
            try socket.setReceiveTimeout(milliseconds: 100)
            try socket.setLinger(milliseconds: 0)
            try socket.setReceiveHighWaterMark(4)
            try socket.setMaxMessageSize(Int64(maxBytes))
            try socket.subscribe(Array(topic.utf8))
            try socket.connect(endpoint)
        } catch {
            socket.close(); context.terminate()
            throw InputSourceError(source: summary, error.description)
        }
        do { thread = try WorkerThread(name: "ember-zmq-in") { [self] in receiveLoop() } } catch {
            socket.close(); context.terminate()
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

    private func receiveLoop() {
        while !lock.withLock({ stopping }) {
            do {
                guard let frames = try socket.receive() else { continue }
                let payload = InputPayload(bytes: frames.last ?? [], leadingFrames: Array(frames.dropLast()),
                                           origin: summary, capturedAtNs: clock.nowNs())
                lock.withLock { latest = payload; received += 1 }
            } catch {
                lock.withLock { lastError = error.description }
                usleep(10_000)
            }
        }
        socket.close()
        context.terminate()
    }
}
