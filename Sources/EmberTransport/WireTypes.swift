// The vocabulary of Ember wire protocol version 1 (docs/protocol.md): operations, error codes,
// tensor element types, request inputs and decoded requests.

public enum WireProtocol {
    /// The protocol version carried in every header as "v".
    public static let version: Int64 = 1
    /// Longest accepted header frame (JSON), in bytes.
    public static let maxHeaderBytes = 64 * 1024
    /// Longest accepted request id, in UTF-8 bytes.
    public static let maxIDBytes = 128
    /// Largest accepted `top_k`.
    public static let maxTopK = 1000
    /// Largest accepted `deadline_ms` (one hour).
    public static let maxDeadlineMilliseconds: Int64 = 3_600_000
    /// Largest accepted tensor rank.
    public static let maxRank = 8
    /// Most texts one `texts` request may carry (one payload frame each).
    public static let maxTexts = 256
}

/// Error codes carried in error replies as `error.code`.
public enum WireErrorCode: String, Sendable, CaseIterable {
    /// The message is malformed: frame count, JSON, field names or types.
    case badRequest = "bad_request"
    /// The header's "v" is not a version this daemon speaks.
    case unsupportedVersion = "unsupported_version"
    /// "op" names no operation.
    case unknownOperation = "unknown_op"
    /// "model" names no loaded model.
    case unknownModel = "unknown_model"
    /// The payload does not fit the declared or expected input (size, dtype, shape, encoding).
    case invalidInput = "invalid_input"
    /// A payload frame is larger than the daemon's max_payload_bytes.
    case payloadTooLarge = "payload_too_large"
    /// The model's queue is full; retry later.
    case busy = "busy"
    /// The request's deadline passed, or could not be met, before it ran.
    case deadlineExceeded = "deadline_exceeded"
    /// The governor's learned latency says the deadline cannot be met; the request did not run.
    case deadlineUnmeetable = "deadline_unmeetable"
    /// Running the request would break the power or energy budget; it did not run.
    case overBudget = "over_budget"
    /// The daemon is stopping and accepts no new work.
    case shuttingDown = "shutting_down"
    /// A reload was refused or failed; the previous model keeps serving.
    case reloadFailed = "reload_failed"
    /// The model's file changed on disk since it was loaded (truncated or written in place); the
    /// request's result was discarded and emberd reloads the file. Retry once it is whole again.
    case modelChanged = "model_changed"
    /// Anything else; the message says what.
    case `internal` = "internal"
}

/// A request that cannot be served, answered with an error reply.
public struct WireError: Error, CustomStringConvertible, Sendable, Equatable {
    public let code: WireErrorCode
    public let message: String
    /// The request id when it could be read, so the reply can echo it.
    public var id: String?

    public init(_ code: WireErrorCode, _ message: String, id: String? = nil) {
        self.code = code
        self.message = message
        self.id = id
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

public enum TensorDType: String, Sendable, CaseIterable {
    case int8, uint8, int32, float32

    public var byteSize: Int {
        switch self {
        case .int8, .uint8: return 1
        case .int32, .float32: return 4
        }
    }
}

/// A request's input, as received.
public enum RequestInput: Sendable, Equatable {
    /// Raw little-endian tensor bytes; the byte count matches dtype and shape.
    case tensor(dtype: TensorDType, shape: [Int], data: [UInt8])
    /// An encoded image file (PNG or JPEG).
    case image([UInt8])
    /// UTF-8 text.
    case text(String)
    /// Several UTF-8 texts, embedded together (1 ... `WireProtocol.maxTexts`).
    case texts([String])

    public var kindName: String {
        switch self {
        case .tensor: return "tensor"
        case .image: return "image"
        case .text: return "text"
        case .texts: return "texts"
        }
    }

    /// Units of work for scheduling: a `texts` request costs about one run per text.
    public var workUnits: Int {
        if case .texts(let texts) = self { return max(1, texts.count) }
        return 1
    }
}

public struct InferRequest: Sendable, Equatable {
    public var model: String
    public var input: RequestInput
    /// How many labels a classifier returns, best first.
    public var topK: Int
    /// Whether the reply carries the raw output tensor as well.
    public var includeRaw: Bool
    /// Milliseconds from the daemon's receipt of the request after which it is not worth running.
    public var deadlineMilliseconds: Int64?

    public init(model: String, input: RequestInput, topK: Int = 5, includeRaw: Bool = false, deadlineMilliseconds: Int64? = nil) {
        self.model = model
        self.input = input
        self.topK = topK
        self.includeRaw = includeRaw
        self.deadlineMilliseconds = deadlineMilliseconds
    }
}

public enum RequestOperation: Sendable, Equatable {
    case infer(InferRequest)
    case models
    case stats
    case health
    /// Reload one model by name, or every model when nil.
    case reload(model: String?)

    public var name: String {
        switch self {
        case .infer: return "infer"
        case .models: return "models"
        case .stats: return "stats"
        case .health: return "health"
        case .reload: return "reload"
        }
    }
}

public struct Request: Sendable, Equatable {
    public var id: String
    public var operation: RequestOperation

    public init(id: String, operation: RequestOperation) {
        self.id = id
        self.operation = operation
    }
}
