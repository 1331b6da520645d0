// Decoding and encoding of request messages (docs/protocol.md, "Requests").
// The decoder trusts nothing: every failure is a WireError naming the frame or field at fault.

/// Splits what a ROUTER socket received into the routing envelope (echoed on the reply) and the
/// request frames. The envelope is the peer's identity frame plus, for REQ clients (or DEALERs
/// that imitate them), the empty delimiter frame. A header is never empty, so an empty second
/// frame is always a delimiter.
public struct RoutedMessage: Sendable {
    public let envelope: [[UInt8]]
    public let body: [[UInt8]]

    public init(routerFrames frames: [[UInt8]]) {
        guard !frames.isEmpty else { envelope = []; body = []; return }
        if frames.count >= 2 && frames[1].isEmpty {
            envelope = Array(frames[0...1])
            body = Array(frames[2...])
        } else {
            envelope = [frames[0]]
            body = Array(frames[1...])
        }
    }
}

public struct RequestDecoder: Sendable {
    /// Largest accepted payload frame.
    public var maxPayloadBytes: Int

    public init(maxPayloadBytes: Int) {
        self.maxPayloadBytes = maxPayloadBytes
    }

    /// Decodes the request frames (header, then payload frames), without the envelope.
    public func decode(_ frames: [[UInt8]]) throws(WireError) -> Request {
        guard let headerBytes = frames.first, !headerBytes.isEmpty else {
            throw WireError(.badRequest, "message has no header frame (expected a JSON header, then payload frames)")
        }
        guard headerBytes.count <= WireProtocol.maxHeaderBytes else {
            throw WireError(.badRequest, "header frame is \(headerBytes.count) bytes; the limit is \(WireProtocol.maxHeaderBytes)")
        }
        let header: JSONValue
        do {
            header = try JSONParser.parse(headerBytes)
        } catch {
            throw WireError(.badRequest, "header frame: \(error)")
        }
        var fields = try FieldReader(header, context: "request header")
        let id = try fields.readID()
        do {
            return try decodeBody(&fields, payloads: Array(frames.dropFirst()), id: id)
        } catch {
            var error = error
            error.id = id
            throw error
        }
    }

    private func decodeBody(_ fields: inout FieldReader, payloads: [[UInt8]], id: String) throws(WireError) -> Request {
        let version = try fields.required("v", \.asInt)
        guard version == WireProtocol.version else {
            throw WireError(.unsupportedVersion, "protocol version \(version) is not supported; this daemon speaks version \(WireProtocol.version)")
        }
        let op = try fields.required("op", \.asString)
        let operation: RequestOperation
        switch op {
        case "infer":
            operation = .infer(try decodeInfer(&fields, payloads: payloads))
        case "models", "stats", "health":
            operation = op == "models" ? .models : op == "stats" ? .stats : .health
        case "reload":
            operation = .reload(model: try fields.optional("model", \.asString))
        default:
            throw WireError(.unknownOperation, "unknown op \"\(op)\"; expected infer, models, stats, health or reload")
        }
        try fields.rejectUnread()
        if case .infer = operation {} else if !payloads.isEmpty {
            throw WireError(.badRequest, "op \"\(op)\" takes no payload frames but \(payloads.count) followed the header")
        }
        return Request(id: id, operation: operation)
    }

    private func decodeInfer(_ fields: inout FieldReader, payloads: [[UInt8]]) throws(WireError) -> InferRequest {
        let model = try fields.required("model", \.asString)
        guard !model.isEmpty else { throw WireError(.badRequest, "field \"model\" is empty") }
        let topK = try fields.optional("top_k", \.asInt) ?? 5
        guard (1...Int64(WireProtocol.maxTopK)).contains(topK) else {
            throw WireError(.badRequest, "field \"top_k\" is \(topK); it must be 1...\(WireProtocol.maxTopK)")
        }
        let includeRaw = try fields.optional("raw", \.asBool) ?? false
        let deadline = try fields.optional("deadline_ms", \.asInt)
        if let deadline, !(1...WireProtocol.maxDeadlineMilliseconds).contains(deadline) {
            throw WireError(.badRequest, "field \"deadline_ms\" is \(deadline); it must be 1...\(WireProtocol.maxDeadlineMilliseconds)")
        }
        let inputValue = try fields.required("input", \.asObject)
        var input = try FieldReader(.object(inputValue), context: "\"input\"")
        let type = try input.required("type", \.asString)
        var tensorType: (dtype: TensorDType, shape: [Int])?
        switch type {
        case "tensor":
            let dtypeName = try input.required("dtype", \.asString)
            guard let dtype = TensorDType(rawValue: dtypeName) else {
                throw WireError(.badRequest, "\"input.dtype\" is \"\(dtypeName)\"; expected one of \(TensorDType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            tensorType = (dtype, try Self.decodeShape(try input.required("shape", \.asArray)))
        case "image", "text", "texts":
            break
        default:
            throw WireError(.badRequest, "\"input.type\" is \"\(type)\"; expected tensor, image, text or texts")
        }
        try input.rejectUnread()
        try fields.rejectUnread()

        if type == "texts" {
            return InferRequest(model: model, input: .texts(try decodeTexts(payloads)), topK: Int(topK), includeRaw: includeRaw,
                                deadlineMilliseconds: deadline)
        }
        guard payloads.count == 1 else {
            throw WireError(.badRequest, "op \"infer\" takes exactly 1 payload frame after the header, got \(payloads.count)")
        }
        let payload = payloads[0]
        guard payload.count <= maxPayloadBytes else {
            throw WireError(.payloadTooLarge, "payload frame is \(payload.count) bytes; the limit is \(maxPayloadBytes)")
        }

        let decoded: RequestInput
        if let (dtype, shape) = tensorType {
            let expected = try Self.byteCount(dtype: dtype, shape: shape)
            guard payload.count == expected else {
                throw WireError(.invalidInput, "tensor payload is \(payload.count) bytes but dtype \(dtype.rawValue) with shape \(shape) needs \(expected)")
            }
            decoded = .tensor(dtype: dtype, shape: shape, data: payload)
        } else if type == "image" {
            guard ImageSniffer.format(of: payload) != nil else {
                throw WireError(.invalidInput, "image payload (\(payload.count) bytes) is neither PNG nor JPEG")
            }
            decoded = .image(payload)
        } else {
            guard let text = String(validating: payload, as: UTF8.self) else {
                throw WireError(.invalidInput, "text payload is not valid UTF-8")
            }
            decoded = .text(text)
        }
        return InferRequest(model: model, input: decoded, topK: Int(topK), includeRaw: includeRaw,
                            deadlineMilliseconds: deadline)
    }

    /// One text per payload frame; together they count against `maxPayloadBytes`.
    private func decodeTexts(_ payloads: [[UInt8]]) throws(WireError) -> [String] {
        guard (1...WireProtocol.maxTexts).contains(payloads.count) else {
            throw WireError(.badRequest, "input type \"texts\" takes 1...\(WireProtocol.maxTexts) payload frames (one text each), got \(payloads.count)")
        }
        let total = payloads.reduce(0) { $0 + $1.count }
        guard total <= maxPayloadBytes else {
            throw WireError(.payloadTooLarge, "the \(payloads.count) text frames hold \(total) bytes together; the limit is \(maxPayloadBytes)")
        }
        var texts: [String] = []
        texts.reserveCapacity(payloads.count)
        for (index, payload) in payloads.enumerated() {
            guard let text = String(validating: payload, as: UTF8.self) else {
                throw WireError(.invalidInput, "text payload frame \(index) is not valid UTF-8")
            }
            texts.append(text)
        }
        return texts
    }

    static func decodeShape(_ values: [JSONValue]) throws(WireError) -> [Int] {
        guard (1...WireProtocol.maxRank).contains(values.count) else {
            throw WireError(.badRequest, "\"input.shape\" has rank \(values.count); it must be 1...\(WireProtocol.maxRank)")
        }
        var shape: [Int] = []
        for value in values {
            guard case .int(let dim) = value, dim >= 1, dim <= Int64(Int32.max) else {
                throw WireError(.badRequest, "\"input.shape\" must hold positive integers, found \(value.serializedString)")
            }
            shape.append(Int(dim))
        }
        return shape
    }

    /// The payload size a tensor needs, with overflow checked.
    public static func byteCount(dtype: TensorDType, shape: [Int]) throws(WireError) -> Int {
        var total = dtype.byteSize
        for dim in shape {
            let (product, overflow) = total.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw WireError(.invalidInput, "tensor shape \(shape) is too large") }
            total = product
        }
        return total
    }
}

/// Reads the fields of a JSON object, remembering which were read so the rest can be rejected.
struct FieldReader {
    private let members: [(String, JSONValue)]
    private let context: String
    private var read: Set<String> = []

    init(_ value: JSONValue, context: String) throws(WireError) {
        guard case .object(let members) = value else {
            throw WireError(.badRequest, "\(context) must be a JSON object, got \(value.typeName)")
        }
        self.members = members
        self.context = context
    }

    mutating func optional<T>(_ key: String, _ extract: (JSONValue) -> T?) throws(WireError) -> T? {
        read.insert(key)
        guard let value = members.first(where: { $0.0 == key })?.1 else { return nil }
        guard let typed = extract(value) else {
            throw WireError(.badRequest, "field \"\(key)\" in \(context) has the wrong type (\(value.typeName))")
        }
        return typed
    }

    mutating func required<T>(_ key: String, _ extract: (JSONValue) -> T?) throws(WireError) -> T {
        guard let value = try optional(key, extract) else {
            throw WireError(.badRequest, "\(context) lacks the required field \"\(key)\"")
        }
        return value
    }

    /// The id is read first so that every later error can echo it.
    mutating func readID() throws(WireError) -> String {
        let id = try required("id", \.asString)
        guard !id.isEmpty, id.utf8.count <= WireProtocol.maxIDBytes else {
            throw WireError(.badRequest, "field \"id\" must be 1...\(WireProtocol.maxIDBytes) bytes long, is \(id.utf8.count)")
        }
        return id
    }

    func rejectUnread() throws(WireError) {
        if let unknown = members.first(where: { !read.contains($0.0) }) {
            throw WireError(.badRequest, "unknown field \"\(unknown.0)\" in \(context)")
        }
    }
}

extension JSONValue {
    var asInt: Int64? { if case .int(let v) = self { return v } else { return nil } }
    var asBool: Bool? { if case .bool(let v) = self { return v } else { return nil } }
    var asString: String? { if case .string(let v) = self { return v } else { return nil } }
    var asArray: [JSONValue]? { if case .array(let v) = self { return v } else { return nil } }
    var asObject: [(String, JSONValue)]? { if case .object(let v) = self { return v } else { return nil } }
    /// Integers and doubles as Double.
    public var asNumber: Double? {
        switch self {
        case .int(let v): return Double(v)
        case .double(let v): return v
        default: return nil
        }
    }
}

public enum ImageFormat: String, Sendable { case png, jpeg }

public enum ImageSniffer {
    /// The encoded image format from the file's magic bytes.
    public static func format(of bytes: [UInt8]) -> ImageFormat? {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        return nil
    }
}

/// Builds request messages (header + payload frames) for clients.
public enum RequestEncoder {
    public static func encode(_ request: Request) -> [[UInt8]] {
        var header: [(String, JSONValue)] = [
            ("v", .int(WireProtocol.version)), ("id", .string(request.id)), ("op", .string(request.operation.name)),
        ]
        var payloads: [[UInt8]] = []
        switch request.operation {
        case .infer(let infer):
            header.append(("model", .string(infer.model)))
            switch infer.input {
            case .tensor(let dtype, let shape, let data):
                header.append(("input", .object([("type", .string("tensor")), ("dtype", .string(dtype.rawValue)),
                                                  ("shape", .array(shape.map { .int(Int64($0)) }))])))
                payloads.append(data)
            case .image(let bytes):
                header.append(("input", .object([("type", .string("image"))])))
                payloads.append(bytes)
            case .text(let text):
                header.append(("input", .object([("type", .string("text"))])))
                payloads.append(Array(text.utf8))
            case .texts(let texts):
                header.append(("input", .object([("type", .string("texts"))])))
                payloads += texts.map { Array($0.utf8) }
            }
            header.append(("top_k", .int(Int64(infer.topK))))
            if infer.includeRaw { header.append(("raw", .bool(true))) }
            if let deadline = infer.deadlineMilliseconds { header.append(("deadline_ms", .int(deadline))) }
        case .reload(let model):
            if let model { header.append(("model", .string(model))) }
        case .models, .stats, .health:
            break
        }
        return [JSONValue.object(header).serialized()] + payloads
    }
}
