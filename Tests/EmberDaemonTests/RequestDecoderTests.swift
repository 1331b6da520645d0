import Testing
@testable import EmberTransport
import EmberTestSupport

@Suite struct RequestDecoderTests {
    let decoder = RequestDecoder(maxPayloadBytes: 1024)

    func header(_ text: String) -> [UInt8] { Array(text.utf8) }

    func expectError(_ frames: [[UInt8]], _ code: WireErrorCode, mentioning fragment: String, id: String? = nil,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let request = try decoder.decode(frames)
            Issue.record("decoded \(request), expected \(code)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
            #expect(error.message.contains(fragment), "\(error.message)", sourceLocation: sourceLocation)
            #expect(error.id == id, sourceLocation: sourceLocation)
        }
    }

    @Test func decodesEveryOperation() throws {
        let tensor = Request(id: "t1", operation: .infer(InferRequest(model: "m", input: .tensor(dtype: .int8, shape: [2, 3], data: [1, 2, 3, 4, 5, 6]), topK: 3, includeRaw: true, deadlineMilliseconds: 20)))
        let text = Request(id: "t2", operation: .infer(InferRequest(model: "e", input: .text("héllo"))))
        let image = Request(id: "t3", operation: .infer(InferRequest(model: "m", input: .image([0xFF, 0xD8, 0xFF, 0xE0]))))
        let texts = Request(id: "t4", operation: .infer(InferRequest(model: "e", input: .texts(["one", "", "trois, quatre"]))))
        for request in [tensor, text, image, texts, Request(id: "a", operation: .models), Request(id: "b", operation: .stats),
                        Request(id: "c", operation: .health), Request(id: "d", operation: .reload(model: "m")),
                        Request(id: "e", operation: .reload(model: nil))] {
            #expect(try decoder.decode(RequestEncoder.encode(request)) == request)
        }
    }

    @Test func textsTakeOneFramePerTextWithinTheLimits() throws {
        let good = #""v":1,"id":"r","op":"infer","model":"e","input":{"type":"texts"}"#
        let request = try decoder.decode([header("{\(good)}"), Array("a".utf8), [], Array("ü".utf8)])
        guard case .infer(let infer) = request.operation else { Issue.record("not infer"); return }
        #expect(infer.input == .texts(["a", "", "ü"]))
        #expect(infer.input.workUnits == 3)
        expectError([header("{\(good)}")], .badRequest, mentioning: "takes 1...256 payload frames (one text each), got 0", id: "r")
        expectError([header("{\(good)}")] + Array(repeating: [65], count: 257), .badRequest, mentioning: "got 257", id: "r")
        #expect(throws: Never.self) { try decoder.decode([header("{\(good)}")] + Array(repeating: [65], count: 256)) }
        expectError([header("{\(good)}"), [65], [65], [0xC3, 0x28]], .invalidInput, mentioning: "text payload frame 2 is not valid UTF-8", id: "r")
        // The frames count together against max_payload_bytes (1024 here).
        expectError([header("{\(good)}"), [UInt8](repeating: 65, count: 600), [UInt8](repeating: 66, count: 600)], .payloadTooLarge,
                    mentioning: "the 2 text frames hold 1200 bytes together; the limit is 1024", id: "r")
        expectError([header(#"{"v":1,"id":"r","op":"infer","model":"e","input":{"type":"text_batch"}}"#), [65]], .badRequest,
                    mentioning: "expected tensor, image, text or texts", id: "r")
    }

    @Test func envelopeSplitsIdentityAndDelimiter() {
        let req = RoutedMessage(routerFrames: [[1, 2], [], [3], [4]])
        #expect(req.envelope == [[1, 2], []])
        #expect(req.body == [[3], [4]])
        let dealer = RoutedMessage(routerFrames: [[1, 2], [3], []])
        #expect(dealer.envelope == [[1, 2]])
        #expect(dealer.body == [[3], []])
    }

    @Test func malformedFramesAreNamed() {
        expectError([], .badRequest, mentioning: "no header frame")
        expectError([[]], .badRequest, mentioning: "no header frame")
        expectError([[0xDE, 0xAD, 0xBE, 0xEF]], .badRequest, mentioning: "invalid JSON at byte 0")
        expectError([header("[1]")], .badRequest, mentioning: "must be a JSON object")
        expectError([header(#"{"v":1,"op":"health"}"#)], .badRequest, mentioning: "required field \"id\"")
        expectError([header(#"{"v":1,"id":7,"op":"health"}"#)], .badRequest, mentioning: "field \"id\"")
        expectError([header(#"{"v":2,"id":"x","op":"health"}"#)], .unsupportedVersion, mentioning: "version 2", id: "x")
        expectError([header(#"{"v":1,"id":"x","op":"dance"}"#)], .unknownOperation, mentioning: "\"dance\"", id: "x")
        expectError([header(#"{"v":1,"id":"x","op":"health","colour":"red"}"#)], .badRequest, mentioning: "unknown field \"colour\"", id: "x")
        expectError([header(#"{"v":1,"id":"x","op":"health"}"#), [1]], .badRequest, mentioning: "takes no payload frames", id: "x")
        expectError([header(String(repeating: " ", count: 70_000) + "{}")], .badRequest, mentioning: "header frame is 70002 bytes")
    }

    @Test func malformedInferRequestsAreNamed() {
        let good = #""v":1,"id":"r","op":"infer","model":"m""#
        expectError([header("{\(good),\"input\":{\"type\":\"tensor\",\"dtype\":\"int8\",\"shape\":[4]}}")], .badRequest, mentioning: "exactly 1 payload frame after the header, got 0", id: "r")
        expectError([header("{\(good),\"input\":{\"type\":\"tensor\",\"dtype\":\"int8\",\"shape\":[4]}}"), [1], [2]], .badRequest, mentioning: "got 2", id: "r")
        expectError([header("{\(good),\"input\":{\"type\":\"tensor\",\"dtype\":\"int8\",\"shape\":[4]}}"), [1, 2, 3]], .invalidInput, mentioning: "3 bytes but dtype int8 with shape [4] needs 4", id: "r")
        expectError([header("{\(good),\"input\":{\"type\":\"tensor\",\"dtype\":\"float32\",\"shape\":[2,2]}}"), [UInt8](repeating: 0, count: 4)], .invalidInput, mentioning: "needs 16", id: "r")
        expectError([header("{\(good),\"input\":{\"type\":\"tensor\",\"dtype\":\"float16\",\"shape\":[4]}}"), [1]], .badRequest, mentioning: "\"float16\"", id: "r")
        expectError([header("{\(good),\"input\":{\"type\":\"tensor\",\"dtype\":\"int8\",\"shape\":[0]}}"), [1]], .badRequest, mentioning: "positive integers", id: "r")
        expectError([header("{\(good),\"input\":{\"type\":\"tensor\",\"dtype\":\"int8\",\"shape\":[2147483647,2147483647,2147483647]}}"), [1]], .invalidInput, mentioning: "too large", id: "r")
        expectError([header("{\(good),\"input\":{\"type\":\"tensor\",\"dtype\":\"int8\"}}"), [1]], .badRequest, mentioning: "\"shape\"", id: "r")
        expectError([header("{\(good),\"input\":{\"type\":\"image\",\"dpi\":3}}"), [1]], .badRequest, mentioning: "unknown field \"dpi\" in \"input\"", id: "r")
        expectError([header("{\(good),\"input\":{\"type\":\"image\"}}"), [1, 2, 3]], .invalidInput, mentioning: "neither PNG nor JPEG", id: "r")
        expectError([header("{\(good),\"input\":{\"type\":\"text\"}}"), [0xC3, 0x28]], .invalidInput, mentioning: "not valid UTF-8", id: "r")
        expectError([header("{\(good),\"input\":{\"type\":\"audio\"}}"), [1]], .badRequest, mentioning: "\"audio\"", id: "r")
        expectError([header("{\(good),\"input\":{\"type\":\"text\"}}"), [UInt8](repeating: 65, count: 1025)], .payloadTooLarge, mentioning: "1025 bytes; the limit is 1024", id: "r")
        expectError([header("{\(good),\"input\":{\"type\":\"text\"},\"top_k\":0}"), [65]], .badRequest, mentioning: "\"top_k\" is 0", id: "r")
        expectError([header("{\(good),\"input\":{\"type\":\"text\"},\"top_k\":\"5\"}"), [65]], .badRequest, mentioning: "wrong type (string)", id: "r")
        expectError([header("{\(good),\"input\":{\"type\":\"text\"},\"deadline_ms\":-1}"), [65]], .badRequest, mentioning: "\"deadline_ms\"", id: "r")
        expectError([header(#"{"v":1,"id":"r","op":"infer","input":{"type":"text"}}"#), [65]], .badRequest, mentioning: "\"model\"", id: "r")
    }

    /// Random corruptions of a valid message are always answered with an error, never a crash.
    @Test func survivesCorruptedMessages() {
        let seed: UInt64 = 0x5EED_0002
        var rng = SeededGenerator(seed: seed)
        let valid = [RequestEncoder.encode(Request(id: "z", operation: .infer(InferRequest(model: "m", input: .tensor(dtype: .int8, shape: [4], data: [1, 2, 3, 4]))))),
                     RequestEncoder.encode(Request(id: "t", operation: .infer(InferRequest(model: "m", input: .texts(["ab", "c", "déf"])))))]
        for round in 0..<3000 {
            var frames = valid[round % 2]
            let which = Int(rng.next() % UInt64(frames.count))
            if !frames[which].isEmpty {
                let at = Int(rng.next() % UInt64(frames[which].count))
                frames[which][at] = UInt8(truncatingIfNeeded: rng.next())
            }
            if rng.next() % 8 == 0 { frames.append([UInt8(truncatingIfNeeded: rng.next())]) }
            _ = try? decoder.decode(frames)
        }
        #expect(Bool(true), "seed \(seed)")
    }

    @Test func errorReplyRoundTrips() throws {
        let frames = ReplyEncoder.error(WireError(.busy, "queue of \"m\" is full (16)", id: "q"))
        let reply = try Reply(frames: frames)
        #expect(reply.id == "q")
        #expect(reply.error == WireError(.busy, "queue of \"m\" is full (16)", id: "q"))
        let anonymous = try Reply(frames: ReplyEncoder.error(WireError(.badRequest, "x")))
        #expect(anonymous.id == nil)
        #expect(anonymous.header["id"] == .null)
    }

    @Test func embeddingRowsSplitByShape() throws {
        let values: [Float] = [1, 2, 3, 4, 5, 6]
        func reply(_ shape: [Int64]) throws -> Reply {
            try Reply(frames: ReplyEncoder.ok(id: "e", fields: [("outputs", .object([("embedding", .object([
                ("dtype", .string("float32")), ("shape", .array(shape.map { .int($0) })), ("payload", .int(0))]))]))],
                payloads: [LittleEndianFloats.encode(values)]))
        }
        #expect(try reply([2, 3]).embeddings() == [[1, 2, 3], [4, 5, 6]])
        #expect(try reply([3, 2]).embeddings() == [[1, 2], [3, 4], [5, 6]])
        #expect(try reply([4, 2]).embeddings() == nil, "shape and payload disagree")
        #expect(try reply([6]).embeddings() == nil)
        #expect(try reply([1 << 40, 1 << 40]).embeddings() == nil, "a shape whose product overflows")
    }

    @Test func embeddingFrameDecodes() throws {
        let values: [Float] = [0.5, -1.25, 3.0e-8]
        let frames = ReplyEncoder.ok(id: "e", fields: [("outputs", .object([("embedding", .object([("dtype", .string("float32")), ("shape", .array([.int(1), .int(3)])), ("payload", .int(0))]))]))],
                                     payloads: [LittleEndianFloats.encode(values)])
        #expect(try Reply(frames: frames).embedding() == values)
    }
}
