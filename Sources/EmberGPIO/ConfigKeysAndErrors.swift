/// A configuration error naming the table, the key and the file line.
public struct GPIOConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var table: String
    public var key: String?
    public var line: Int
    public var message: String

    public init(table: String, key: String?, line: Int, _ message: String) {
        self.table = table; self.key = key; self.line = line; self.message = message
    }

    public var description: String {
        let at = line > 0 ? "line \(line): " : ""
        return key.map { "\(at)\(table): key '\($0)': \(message)" } ?? "\(at)\(table): \(message)"
    }
}

/// One documented key: the single source for parsing, `docs/gpio.md` and its test.
public struct GPIOConfigKey: Sendable {
    public var name: String
    public var type: String
    public var defaultValue: String
    public var help: String
}

/// Every problem found in the GPIO part of a configuration.
public struct GPIOConfigErrors: Error, Sendable, Equatable, CustomStringConvertible {
    public var errors: [GPIOConfigError]
    public init(_ errors: [GPIOConfigError]) { self.errors = errors }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
