/// Where a trigger's input comes from, read when the trigger fires.
public enum InputSourceConfig: Sendable, Equatable {
    /// A file re-read at every firing (a camera tool may overwrite it).
    case file(path: String, maxBytes: Int)
    /// A command (argv, no shell) whose standard output is the input; killed after `timeoutMs`,
    /// and a non-zero exit status is an error.
    case command(argv: [String], timeoutMs: Int, maxBytes: Int)
    /// The newest frame of a ZeroMQ PUB frame feed (only the latest is kept). A frame older than
    /// `maxAgeMs` (0: any age) is an error rather than a stale input.
    case zeroMQ(endpoint: String, topic: String, maxAgeMs: Int, maxBytes: Int)

    public var summary: String {
        switch self {
        case .file(let path, _): return "file \(path)"
        case .command(let argv, _, _): return "command \(argv.joined(separator: " "))"
        case .zeroMQ(let endpoint, let topic, _, _): return "zmq \(endpoint)" + (topic.isEmpty ? "" : " topic \"\(topic)\"")
        }
    }
}

/// The bytes a firing hands to the model (an encoded image, a tensor, text), and where from.
public struct InputPayload: Sendable, Equatable {
    public var bytes: [UInt8]
    /// The frames before the last one of a ZeroMQ message (e.g. topic, header); empty otherwise.
    public var leadingFrames: [[UInt8]]
    public var origin: String
    /// When the bytes were obtained (CLOCK_MONOTONIC ns).
    public var capturedAtNs: UInt64

    public init(bytes: [UInt8], leadingFrames: [[UInt8]] = [], origin: String, capturedAtNs: UInt64) {
        self.bytes = bytes; self.leadingFrames = leadingFrames; self.origin = origin; self.capturedAtNs = capturedAtNs
    }
}

public struct InputSourceError: Error, Sendable, Equatable, CustomStringConvertible {
    public var source: String
    public var message: String
    public init(source: String, _ message: String) { self.source = source; self.message = message }
    public var description: String { "input \(source): \(message)" }
}

public protocol InputSource: AnyObject, Sendable {
    var summary: String { get }
    /// Reads one input. Blocks at most for the source's own timeout.
    func read() throws(InputSourceError) -> InputPayload
    func close()
    /// Ends a read in progress at once and fails every later one (emberd is stopping and will not
    /// wait); callable from any thread. Returns what it ended, for the log, or nil.
    func abort() -> String?
}

extension InputSource {
    /// Sources whose reads never block long have nothing to end.
    public func abort() -> String? { nil }
}

public enum InputSources {
    /// Creates the source; a ZeroMQ source starts receiving at once so a frame is ready at the
    /// first firing.
    public static func make(_ config: InputSourceConfig, clock: any MonotonicClock = SystemMonotonicClock())
        throws(InputSourceError) -> any InputSource {
        switch config {
        case .file(let path, let maxBytes): return FileInputSource(path: path, maxBytes: maxBytes, clock: clock)
        case .command(let argv, let timeoutMs, let maxBytes):
            return CommandInputSource(argv: argv, timeoutMs: timeoutMs, maxBytes: maxBytes, clock: clock)
        case .zeroMQ(let endpoint, let topic, let maxAgeMs, let maxBytes):
            return try ZeroMQFrameSource(endpoint: endpoint, topic: topic, maxAgeMs: maxAgeMs, maxBytes: maxBytes, clock: clock)
        }
    }
}
