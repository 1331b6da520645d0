// A strict reader for the small TOML subset the board profiles use (boards/*.toml):
// `key = value` lines, `[table]` headers (one level), `#` comments, basic "strings" with
// \" \\ \n \t escapes, integers, floats, booleans and arrays of those (arrays may span lines).
// Anything else (dotted or quoted keys, inline tables, dates, multi-line strings, a key or
// table given twice) is an error naming the file and line. Names are prefixed `BoardTOML` so
// they never collide with the daemon's own configuration parser.

public enum BoardTOMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case boolean(Bool)
    case array([BoardTOMLValue])

    public var typeName: String {
        switch self {
        case .string: "string"
        case .integer: "integer"
        case .float: "float"
        case .boolean: "boolean"
        case .array: "array"
        }
    }
}

public struct BoardTOMLEntry: Sendable, Equatable {
    public let value: BoardTOMLValue
    public let line: Int
}

/// Tables by name; the root table (keys before any header) is named "".
public struct BoardTOMLDocument: Sendable, Equatable {
    public var tables: [String: [String: BoardTOMLEntry]] = ["": [:]]
    public var tableLines: [String: Int] = ["": 0]
}

public struct BoardTOMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let message: String
    public init(file: String, line: Int, _ message: String) {
        self.file = file
        self.line = line
        self.message = message
    }
    public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
}

public enum BoardTOMLReader {
    public static func parse(_ text: String, file: String) throws(BoardTOMLError) -> BoardTOMLDocument {
        var parser = Parser(chars: Array(text.unicodeScalars), file: file)
        return try parser.document()
    }
}

private struct Parser {
    let chars: [Unicode.Scalar]
    let file: String
    var index = 0
    var line = 1

    init(chars: [Unicode.Scalar], file: String) {
        self.chars = chars
        self.file = file
    }

    func fail(_ message: String) -> BoardTOMLError { BoardTOMLError(file: file, line: line, message) }

    var atEnd: Bool { index >= chars.count }
    var current: Unicode.Scalar? { atEnd ? nil : chars[index] }

    mutating func advance() {
        if chars[index] == "\n" { line += 1 }
        index += 1
    }

    mutating func skipSpaces() {
        while let c = current, c == " " || c == "\t" { advance() }
    }

    mutating func skipComment() {
        if current == "#" { while let c = current, c != "\n" { advance() } }
    }

    /// After a value or header: only spaces, a comment, then a newline or the end.
    mutating func endOfLine() throws(BoardTOMLError) {
        skipSpaces()
        skipComment()
        if current == "\r" { advance() }
        guard let c = current else { return }
        guard c == "\n" else { throw fail("unexpected '\(c)' after the value") }
        advance()
    }

    mutating func document() throws(BoardTOMLError) -> BoardTOMLDocument {
        var doc = BoardTOMLDocument()
        var table = ""
        while !atEnd {
            skipSpaces()
            skipComment()
            guard let c = current else { break }
            if c == "\n" || c == "\r" { advance(); continue }
            if c == "[" {
                advance()
                if current == "[" { throw fail("arrays of tables ([[...]]) are not supported") }
                let name = bareKey()
                guard !name.isEmpty else { throw fail("a table header needs a bare name, like [cpu]") }
                guard current == "]" else { throw fail("table header [\(name) is not closed with ']' (dotted names are not supported)") }
                advance()
                if doc.tables[name] != nil { throw fail("table [\(name)] appears twice (first on line \(doc.tableLines[name] ?? 0))") }
                doc.tables[name] = [:]
                doc.tableLines[name] = line
                table = name
                try endOfLine()
                continue
            }
            let key = bareKey()
            guard !key.isEmpty else { throw fail("expected a bare key (letters, digits, '_' or '-'), found '\(c)'") }
            skipSpaces()
            if current == "." { throw fail("dotted keys are not supported ('\(key).…')") }
            guard current == "=" else { throw fail("expected '=' after key '\(key)'") }
            advance()
            skipSpaces()
            let keyLine = line
            let value = try self.value()
            if let previous = doc.tables[table]?[key] {
                throw fail("key '\(key)' set twice (first on line \(previous.line))")
            }
            doc.tables[table]?[key] = BoardTOMLEntry(value: value, line: keyLine)
            try endOfLine()
        }
        return doc
    }

    mutating func bareKey() -> String {
        var s = String.UnicodeScalarView()
        while let c = current, c.properties.isASCIIHexDigit || ("a"..."z").contains(c) || ("A"..."Z").contains(c)
            || c == "_" || c == "-" {
            s.append(c)
            advance()
        }
        return String(s)
    }

    mutating func value() throws(BoardTOMLError) -> BoardTOMLValue {
        guard let c = current else { throw fail("missing value at end of file") }
        switch c {
        case "\"": return .string(try basicString())
        case "'": throw fail("literal 'strings' are not supported here: use \"double quotes\"")
        case "[": return try array()
        case "{": throw fail("inline tables are not supported")
        case "t", "f": return try boolean()
        default: return try number()
        }
    }

    mutating func basicString() throws(BoardTOMLError) -> String {
        advance()  // opening quote
        if current == "\"", index + 1 < chars.count, chars[index + 1] == "\"" {
            throw fail("multi-line strings are not supported")
        }
        var s = String.UnicodeScalarView()
        while true {
            guard let c = current, c != "\n" else { throw fail("string is not closed before the end of the line") }
            advance()
            if c == "\"" { return String(s) }
            if c == "\\" {
                guard let e = current else { throw fail("string ends in a lone backslash") }
                advance()
                switch e {
                case "\"": s.append("\"")
                case "\\": s.append("\\")
                case "n": s.append("\n")
                case "t": s.append("\t")
                default: throw fail("unsupported escape \\\(e) (allowed: \\\" \\\\ \\n \\t)")
                }
                continue
            }
            if c.value < 0x20 && c != "\t" { throw fail("control character U+\(String(c.value, radix: 16)) in a string") }
            s.append(c)
        }
    }

    mutating func boolean() throws(BoardTOMLError) -> BoardTOMLValue {
        let word = bareKey()
        switch word {
        case "true": return .boolean(true)
        case "false": return .boolean(false)
        default: throw fail("expected a value, found '\(word)' (strings need \"quotes\")")
        }
    }

    mutating func number() throws(BoardTOMLError) -> BoardTOMLValue {
        var s = ""
        while let c = current, c == "+" || c == "-" || c == "." || c == "_" || ("0"..."9").contains(c)
            || c == "e" || c == "E" || c == "x" || ("a"..."f").contains(c) || ("A"..."F").contains(c) {
            s.unicodeScalars.append(c)
            advance()
        }
        guard !s.isEmpty else { throw fail("expected a value, found '\(current.map { String($0) } ?? "end of file")'") }
        if s.contains("__") || s.hasPrefix("_") || s.hasSuffix("_") { throw fail("misplaced '_' in number '\(s)'") }
        let digits = s.replacingUnderscores()
        if digits.hasPrefix("0x") {
            guard let v = Int64(digits.dropFirst(2), radix: 16) else { throw fail("bad hexadecimal integer '\(s)'") }
            return .integer(v)
        }
        if let v = Int64(digits) {
            let unsigned = digits.hasPrefix("-") || digits.hasPrefix("+") ? String(digits.dropFirst()) : digits
            if unsigned.count > 1 && unsigned.hasPrefix("0") { throw fail("leading zeros are not allowed in '\(s)'") }
            return .integer(v)
        }
        if digits.contains(".") || digits.contains("e") || digits.contains("E"), !digits.hasSuffix("."),
           !digits.hasPrefix("."), let v = Double(digits), v.isFinite {
            return .float(v)
        }
        throw fail("'\(s)' is not a number (strings need \"quotes\")")
    }

    mutating func array() throws(BoardTOMLError) -> BoardTOMLValue {
        let startLine = line
        advance()  // [
        var items: [BoardTOMLValue] = []
        while true {
            skipArraySpace()
            guard let c = current else { throw BoardTOMLError(file: file, line: startLine, "array is not closed with ']'") }
            if c == "]" { advance(); return .array(items) }
            items.append(try value())
            skipArraySpace()
            if current == "," { advance(); continue }
            if atEnd { throw BoardTOMLError(file: file, line: startLine, "array is not closed with ']'") }
            guard current == "]" else { throw fail("expected ',' or ']' in the array") }
        }
    }

    /// Inside arrays newlines and comments are whitespace.
    mutating func skipArraySpace() {
        while let c = current {
            if c == " " || c == "\t" || c == "\n" || c == "\r" { advance() } else if c == "#" { skipComment() } else { return }
        }
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String { String(unicodeScalars.filter { $0 != "_" }) }
}
