import Testing
@testable import EmberTransport
import EmberTestSupport

@Suite struct JSONTests {
    @Test func parsesNestedValues() throws {
        let value = try JSONParser.parse(Array(#" {"a": [1, -2.5, 3e2, true, null], "b": {"c": "x\u00e9\ud83d\ude00\n"}} "#.utf8))
        #expect(value["a"] == .array([.int(1), .double(-2.5), .double(300), .bool(true), .null]))
        #expect(value["b"]?["c"] == .string("xé😀\n"))
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "{\"a\":1 \"b\":2}", "01", "1.", "-", "1e", "\"\\x\"", "\"abc",
        "{\"a\":1,\"a\":2}", "\"\\ud800\"", "\"\\udc00\"", "tru", "nul", "[1] [2]", "{'a':1}", "// c\n1",
        "\"\u{01}\"", "1e999", "NaN", "[" + String(repeating: "[", count: 40) + String(repeating: "]", count: 41),
    ])
    func rejectsMalformed(text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test func errorNamesTheOffset() {
        do {
            _ = try JSONParser.parse(Array("{\"a\": x}".utf8))
            Issue.record("no error")
        } catch {
            #expect(error.offset == 6)
        }
    }

    @Test func roundTripsSerializedValues() throws {
        let value = JSONValue.object([
            ("s", .string("quote\" backslash\\ tab\t ctl\u{02} é")), ("i", .int(-42)), ("d", .double(0.125)),
            ("a", .array([.bool(false), .null, .double(1e-7)])), ("o", .object([])),
        ])
        #expect(try JSONParser.parse(value.serialized()) == value)
        #expect(JSONValue.double(.nan).serializedString == "null")
        #expect(JSONValue.double(2).serializedString == "2.0")
    }

    /// Random byte strings never crash the parser; it either returns a value or throws.
    @Test func survivesRandomBytes() {
        let seed: UInt64 = 0x5EED_0001
        var rng = SeededGenerator(seed: seed)
        let alphabet = Array("{}[]\",:0123456789.-eEtrufalsn \\u".utf8)
        for _ in 0..<5000 {
            let length = Int(rng.next() % 24)
            let bytes = (0..<length).map { _ in rng.next() % 4 == 0 ? UInt8(truncatingIfNeeded: rng.next()) : alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            if let value = try? JSONParser.parse(bytes) {
                #expect((try? JSONParser.parse(value.serialized())) == value, "seed \(seed): \(bytes)")
            }
        }
    }
}

