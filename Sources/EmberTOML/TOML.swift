// The one TOML parser of the package, for emberd's configuration and the board profiles
// (boards/*.toml, read by EmberGovernor). A strict subset: bare keys, `[table]`
// and `[[array of tables]]` headers, basic and literal strings, integers (decimal, 0x, 0o, 0b,
// underscores), floats, booleans, and arrays (may span lines). Comments with `#`.
// Not supported, and reported as such: dotted or quoted keys, inline tables, multi-line strings,
// dates. Every error carries its line; the parser skips to the next line and keeps going so that
// one run reports every problem.

public enum TOMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case boolean(Bool)
    case array([TOMLValue])

    public var typeName: String {
        switch self {
        case .string: return "string"
        case .integer: return "integer"
        case .float: return "float"
        case .boolean: return "boolean"
        case .array: return "array"
        }
    }
}

public struct TOMLEntry: Sendable, Equatable {
    public let key: String
    public let value: TOMLValue
    /// 1-based line in the file (0 when unknown).
    public let line: Int

    public init(key: String, value: TOMLValue, line: Int = 0) { self.key = key; self.value = value; self.line = line }
}

public struct TOMLTable: Sendable, Equatable {
    /// nil for the root table (keys before any header).
    public let name: String?
    /// Whether the header was `[[name]]`.
    public let isArrayElement: Bool
    public let line: Int
    public var entries: [TOMLEntry] = []
}

public struct TOMLDocument: Sendable, Equatable {
    public var root = TOMLTable(name: nil, isArrayElement: false, line: 0)
    /// Tables in file order.
    public var tables: [TOMLTable] = []
}

/// A problem in a configuration file or option, with where it is.
public struct ConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    /// File name or "command line".
    public let source: String
    /// 1-based line, or 0 when not tied to a line.
    public let line: Int
    public let message: String

    public init(source: String, line: Int, _ message: String) {
        self.source = source
        self.line = line
        self.message = message
    }

    public var description: String { line > 0 ? "\(source):\(line): \(message)" : "\(source): \(message)" }
}

public struct TOMLParser {
    /// Parses `text`; returns the document and every error found (the document is partial then).
    public static func parse(_ text: String, source: String) -> (TOMLDocument, [ConfigError]) {
        var parser = TOMLParser(bytes: Array(text.utf8), source: source)
        parser.run()
        return (parser.document, parser.errors)
    }

    private let bytes: [UInt8]
    private let source: String
    private var position = 0
    private var line = 1
    private var document = TOMLDocument()
    private var errors: [ConfigError] = []
    private var seenTables: Set<String> = []

    private init(bytes: [UInt8], source: String) {
        self.bytes = bytes
        self.source = source
    }

    private struct SyntaxError: Error { let message: String }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func run() {
        while position < bytes.count {
            let startLine = line
            do {
                try parseLine()
            } catch {
                errors.append(ConfigError(source: source, line: startLine, error.message))
                skipRestOfLine()
            }
        }
    }

    private mutating func skipRestOfLine() {
        while let byte = current, byte != 0x0A { position += 1 }
        if current == 0x0A { position += 1; line += 1 }
    }

    private mutating func skipSpaces() {
        while current == 0x20 || current == 0x09 { position += 1 }
    }

    /// After a value or header: only spaces and an optional comment may follow on the line.
    private mutating func expectEndOfLine() throws(SyntaxError) {
        skipSpaces()
        if current == UInt8(ascii: "#") { skipComment() }
        if current == 0x0D { position += 1 }
        guard current == nil || current == 0x0A else {
            throw SyntaxError(message: "unexpected \(describeCurrent()) after the value")
        }
        if current == 0x0A { position += 1; line += 1 }
    }

    private mutating func skipComment() {
        while let byte = current, byte != 0x0A, byte != 0x0D { position += 1 }
    }

    private func describeCurrent() -> String {
        guard let byte = current else { return "end of file" }
        if byte == 0x0A { return "end of line" }
        return (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
    }

    private mutating func parseLine() throws(SyntaxError) {
        skipSpaces()
        switch current {
        case nil: return
        case 0x0A, 0x0D, UInt8(ascii: "#"): try expectEndOfLine()
        case UInt8(ascii: "["): try parseHeader()
        default: try parseKeyValue()
        }
    }

    private static func isBareKeyByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    private mutating func parseBareKey(_ what: String) throws(SyntaxError) -> String {
        let start = position
        while let byte = current, Self.isBareKeyByte(byte) { position += 1 }
        if position == start {
            if current == UInt8(ascii: "\"") || current == UInt8(ascii: "'") {
                throw SyntaxError(message: "quoted keys are not supported; write \(what) as a bare key")
            }
            throw SyntaxError(message: "expected \(what), found \(describeCurrent())")
        }
        if current == UInt8(ascii: ".") { throw SyntaxError(message: "dotted keys are not supported") }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    private mutating func parseHeader() throws(SyntaxError) {
        let headerLine = line
        position += 1
        let isArray = current == UInt8(ascii: "[")
        if isArray { position += 1 }
        skipSpaces()
        let name = try parseBareKey("a table name")
        skipSpaces()
        for _ in 0..<(isArray ? 2 : 1) {
            guard current == UInt8(ascii: "]") else { throw SyntaxError(message: "expected '\(isArray ? "]]" : "]")' to close the table header") }
            position += 1
        }
        if !isArray {
            guard seenTables.insert(name).inserted else { throw SyntaxError(message: "table [\(name)] is defined twice") }
        }
        try expectEndOfLine()
        document.tables.append(TOMLTable(name: name, isArrayElement: isArray, line: headerLine))
    }

    private mutating func parseKeyValue() throws(SyntaxError) {
        let keyLine = line
        let key = try parseBareKey("a key")
        skipSpaces()
        guard current == UInt8(ascii: "=") else { throw SyntaxError(message: "expected '=' after key \"\(key)\"") }
        position += 1
        skipSpaces()
        let value = try parseValue(depth: 0)
        let existing = document.tables.last?.entries ?? document.root.entries
        guard !existing.contains(where: { $0.key == key }) else {
            throw SyntaxError(message: "key \"\(key)\" is set twice in the same table")
        }
        try expectEndOfLine()
        let entry = TOMLEntry(key: key, value: value, line: keyLine)
        if document.tables.isEmpty { document.root.entries.append(entry) } else { document.tables[document.tables.count - 1].entries.append(entry) }
    }

    private mutating func parseValue(depth: Int) throws(SyntaxError) -> TOMLValue {
        guard let byte = current else { throw SyntaxError(message: "expected a value, found end of file") }
        switch byte {
        case UInt8(ascii: "\""): return .string(try parseBasicString())
        case UInt8(ascii: "'"): return .string(try parseLiteralString())
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "{"): throw SyntaxError(message: "inline tables are not supported")
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return try parseBoolean()
        default: return try parseNumber()
        }
    }

    private mutating func parseBoolean() throws(SyntaxError) -> TOMLValue {
        for (word, value) in [("true", true), ("false", false)] where bytes[position...].starts(with: word.utf8) {
            position += word.utf8.count
            if let next = current, Self.isBareKeyByte(next) { break }
            return .boolean(value)
        }
        throw SyntaxError(message: "expected a value (string, number, boolean or array), found \(describeCurrent()); strings need quotes")
    }

    private mutating func parseBasicString() throws(SyntaxError) -> String {
        if bytes[position...].starts(with: "\"\"\"".utf8) { throw SyntaxError(message: "multi-line strings are not supported") }
        position += 1
        var out: [UInt8] = []
        while true {
            guard let byte = current, byte != 0x0A else { throw SyntaxError(message: "unterminated string") }
            position += 1
            if byte == UInt8(ascii: "\"") { break }
            if byte < 0x20 && byte != 0x09 { throw SyntaxError(message: "control character in string") }
            guard byte == UInt8(ascii: "\\") else { out.append(byte); continue }
            guard let escape = current else { throw SyntaxError(message: "unterminated string") }
            position += 1
            switch escape {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u"), UInt8(ascii: "U"):
                let digits = escape == UInt8(ascii: "u") ? 4 : 8
                guard position + digits <= bytes.count,
                      let code = UInt32(String(decoding: bytes[position..<position + digits], as: UTF8.self), radix: 16),
                      let scalar = Unicode.Scalar(code) else {
                    throw SyntaxError(message: "bad \\\(Character(Unicode.Scalar(escape))) escape in string")
                }
                position += digits
                UTF8.encode(scalar) { out.append($0) }
            default:
                throw SyntaxError(message: "unknown escape '\\\(Character(Unicode.Scalar(escape)))' in string")
            }
        }
        guard let text = String(validating: out, as: UTF8.self) else { throw SyntaxError(message: "string is not valid UTF-8") }
        return text
    }

    private mutating func parseLiteralString() throws(SyntaxError) -> String {
        if bytes[position...].starts(with: "'''".utf8) { throw SyntaxError(message: "multi-line strings are not supported") }
        position += 1
        let start = position
        while let byte = current, byte != UInt8(ascii: "'") {
            if byte == 0x0A { throw SyntaxError(message: "unterminated string") }
            position += 1
        }
        guard current != nil else { throw SyntaxError(message: "unterminated string") }
        let end = position
        position += 1
        guard let text = String(validating: bytes[start..<end], as: UTF8.self) else { throw SyntaxError(message: "string is not valid UTF-8") }
        return text
    }

    private mutating func parseArray(depth: Int) throws(SyntaxError) -> TOMLValue {
        guard depth <= 4 else { throw SyntaxError(message: "arrays nested too deeply") }
        position += 1
        var elements: [TOMLValue] = []
        while true {
            try skipArrayWhitespace()
            if current == UInt8(ascii: "]") { position += 1; return .array(elements) }
            elements.append(try parseValue(depth: depth))
            try skipArrayWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return .array(elements)
            default: throw SyntaxError(message: "expected ',' or ']' in array, found \(describeCurrent())")
            }
        }
    }

    /// Arrays may span lines and hold comments.
    private mutating func skipArrayWhitespace() throws(SyntaxError) {
        while let byte = current {
            switch byte {
            case 0x20, 0x09, 0x0D: position += 1
            case 0x0A: position += 1; line += 1
            case UInt8(ascii: "#"): skipComment()
            default: return
            }
        }
        throw SyntaxError(message: "unterminated array")
    }

    private mutating func parseNumber() throws(SyntaxError) -> TOMLValue {
        let start = position
        while let byte = current, Self.isBareKeyByte(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".") { position += 1 }
        let token = String(decoding: bytes[start..<position], as: UTF8.self)
        guard !token.isEmpty else {
            throw SyntaxError(message: "expected a value (string, number, boolean or array), found \(describeCurrent())")
        }
        if let value = Self.integer(token) { return .integer(value) }
        if let value = Self.float(token) { return .float(value) }
        throw SyntaxError(message: "\"\(token)\" is not a value (strings need quotes; numbers look like 42, 0o660, 1.5)")
    }

    /// TOML integers: optional sign, decimal without leading zeros, or 0x/0o/0b; single underscores between digits.
    public static func integer(_ token: String) -> Int64? {
        var text = Substring(token)
        guard !text.contains("__"), !text.hasPrefix("_"), !text.hasSuffix("_") else { return nil }
        var radix = 10
        for (prefix, base) in [("0x", 16), ("0o", 8), ("0b", 2)] where text.hasPrefix(prefix) {
            radix = base
            text = text.dropFirst(2)
        }
        if text.hasPrefix("_") { return nil }
        let digits = String(text.filter { $0 != "_" })
        if radix == 10 {
            let unsigned = digits.hasPrefix("+") || digits.hasPrefix("-") ? String(digits.dropFirst()) : digits
            if unsigned.count > 1 && unsigned.hasPrefix("0") { return nil }
            guard !unsigned.isEmpty, unsigned.allSatisfy(\.isASCII), unsigned.allSatisfy(\.isNumber) else { return nil }
            return Int64(digits.hasPrefix("+") ? String(digits.dropFirst()) : digits)
        }
        guard !digits.isEmpty, !digits.hasPrefix("+"), !digits.hasPrefix("-") else { return nil }
        return Int64(digits, radix: radix)
    }

    public static func float(_ token: String) -> Double? {
        switch token {
        case "inf", "+inf": return .infinity
        case "-inf": return -.infinity
        case "nan", "+nan", "-nan": return .nan
        default: break
        }
        guard !token.contains("__") else { return nil }
        let text = String(token.filter { $0 != "_" })
        // A dot must have digits on both sides (TOML), which Double() does not insist on.
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 2 {
            guard parts[0].last?.isNumber == true, parts[1].first?.isNumber == true else { return nil }
        }
        guard text.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }) else { return nil }
        let unsigned = text.hasPrefix("+") || text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        if unsigned.count > 1, unsigned.hasPrefix("0"), unsigned.dropFirst().first?.isNumber == true { return nil }
        return Double(text)
    }
}
