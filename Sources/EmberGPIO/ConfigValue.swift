/// A configuration value as the daemon's TOML parser produced it. EmberGPIO does not parse TOML
/// itself: the daemon maps its values to these and keeps the line numbers for error messages.
public enum GPIOConfigValue: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case boolean(Bool)
    case array([GPIOConfigValue])

    var typeName: String {
        switch self {
        case .string: return "string"
        case .integer: return "integer"
        case .float: return "float"
        case .boolean: return "boolean"
        case .array: return "array"
        }
    }
}

public struct GPIOConfigEntry: Sendable, Equatable {
    public var key: String
    public var value: GPIOConfigValue
    /// 1-based line in the configuration file (0 when unknown).
    public var line: Int
    public init(key: String, value: GPIOConfigValue, line: Int = 0) { self.key = key; self.value = value; self.line = line }
}

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
