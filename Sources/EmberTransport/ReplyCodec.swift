// Encoding of replies (daemon side) and their decoding (client side); docs/protocol.md, "Replies".

public enum ReplyEncoder {
    /// A successful reply: header {"v","id","status":"ok", ...fields} and the payload frames.
    public static func ok(id: String, fields: [(String, JSONValue)], payloads: [[UInt8]] = []) -> [[UInt8]] {
        let header: [(String, JSONValue)] = [("v", .int(WireProtocol.version)), ("id", .string(id)), ("status", .string("ok"))] + fields
        return [JSONValue.object(header).serialized()] + payloads
    }

    /// An error reply. The id is null when the request's id could not be read.
    public static func error(_ error: WireError) -> [[UInt8]] {
        let header: [(String, JSONValue)] = [
            ("v", .int(WireProtocol.version)),
            ("id", error.id.map { .string($0) } ?? .null),
            ("status", .string("error")),
            ("error", .object([("code", .string(error.code.rawValue)), ("message", .string(error.message))])),
        ]
        return [JSONValue.object(header).serialized()]
    }
}

/// A reply as a client sees it.
public struct Reply: Sendable {
    public let id: String?
    /// The whole header, for fields specific to the operation.
    public let header: JSONValue
    public let payloads: [[UInt8]]
    /// Set when status is "error".
    public let error: WireError?

    public var isOK: Bool { error == nil }

    /// Decodes reply frames (without any envelope or delimiter).
    public init(frames: [[UInt8]]) throws(WireError) {
        guard let first = frames.first else { throw WireError(.badRequest, "reply has no frames") }
        let header: JSONValue
        do { header = try JSONParser.parse(first) } catch { throw WireError(.badRequest, "reply header: \(error)") }
        guard header["v"]?.asInt == WireProtocol.version else {
            throw WireError(.unsupportedVersion, "reply header has no \"v\": \(WireProtocol.version)")
        }
        self.header = header
        self.payloads = Array(frames.dropFirst())
        self.id = header["id"]?.asString
        switch header["status"]?.asString {
        case "ok":
            error = nil
        case "error":
            let codeName = header["error"]?["code"]?.asString ?? ""
            let message = header["error"]?["message"]?.asString ?? ""
            guard let code = WireErrorCode(rawValue: codeName) else {
                throw WireError(.badRequest, "reply carries unknown error code \"\(codeName)\"")
            }
            error = WireError(code, message, id: id)
        default:
            throw WireError(.badRequest, "reply header has no valid \"status\"")
        }
    }

    /// The float32 embedding an encoder returned, from the payload frame its header names.
    public func embedding() -> [Float]? {
        guard let index = header["outputs"]?["embedding"]?["payload"]?.asInt, index >= 0, Int(index) < payloads.count else {
            return nil
        }
        return LittleEndianFloats.decode(payloads[Int(index)])
    }

    /// The embeddings as rows, split by the header's shape [texts, dimensions].
    public func embeddings() -> [[Float]]? {
        guard let values = embedding(), case .array(let shape)? = header["outputs"]?["embedding"]?["shape"], shape.count == 2,
              let rows = shape[0].asInt, let width = shape[1].asInt, rows >= 1, width >= 1,
              case let (count, overflow) = rows.multipliedReportingOverflow(by: width), !overflow, count == values.count else {
            return nil
        }
        return (0..<Int(rows)).map { Array(values[$0 * Int(width)..<($0 + 1) * Int(width)]) }
    }
}

public enum LittleEndianFloats {
    public static func encode(_ values: [Float]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * 4)
        for value in values {
            let bits = value.bitPattern.littleEndian
            bytes.append(UInt8(truncatingIfNeeded: bits))
            bytes.append(UInt8(truncatingIfNeeded: bits >> 8))
            bytes.append(UInt8(truncatingIfNeeded: bits >> 16))
            bytes.append(UInt8(truncatingIfNeeded: bits >> 24))
        }
        return bytes
    }

    public static func decode(_ bytes: [UInt8]) -> [Float]? {
        guard bytes.count % 4 == 0 else { return nil }
        var values: [Float] = []
        values.reserveCapacity(bytes.count / 4)
        for i in stride(from: 0, to: bytes.count, by: 4) {
            var bits = UInt32(bytes[i])
            bits |= UInt32(bytes[i + 1]) << 8
            bits |= UInt32(bytes[i + 2]) << 16
            bits |= UInt32(bytes[i + 3]) << 24
            values.append(Float(bitPattern: bits))
        }
        return values
    }
}
