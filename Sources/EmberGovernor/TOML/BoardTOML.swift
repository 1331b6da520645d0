// The board profiles' view of a TOML file (boards/*.toml): tables by name, each key with its line.
// Parsing is EmberTOML's (the parser emberd's configuration uses too); this adds what the profiles
// forbid on top of it: arrays of tables. Errors are EmberTOML's ConfigError, naming file and line.
import EmberTOML

public typealias BoardTOMLValue = TOMLValue

public struct BoardTOMLEntry: Sendable, Equatable {
    public let value: BoardTOMLValue
    public let line: Int
}

/// Tables by name; the root table (keys before any header) is named "".
public struct BoardTOMLDocument: Sendable, Equatable {
    public var tables: [String: [String: BoardTOMLEntry]] = ["": [:]]
    public var tableLines: [String: Int] = ["": 0]
}

public enum BoardTOMLReader {
    /// The document, or the first error in the file.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> BoardTOMLDocument {
        let (parsed, errors) = TOMLParser.parse(text, source: file)
        if let first = errors.first { throw first }
        var doc = BoardTOMLDocument()
        for entry in parsed.root.entries { doc.tables[""]?[entry.key] = BoardTOMLEntry(value: entry.value, line: entry.line) }
        for table in parsed.tables {
            let name = table.name ?? ""
            if table.isArrayElement { throw ConfigError(source: file, line: table.line, "arrays of tables ([[\(name)]]) are not supported") }
            // The parser has already refused a [table] given twice.
            doc.tableLines[name] = table.line
            var entries: [String: BoardTOMLEntry] = [:]
            for entry in table.entries { entries[entry.key] = BoardTOMLEntry(value: entry.value, line: entry.line) }
            doc.tables[name] = entries
        }
        return doc
    }
}
