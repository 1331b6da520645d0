// The `[gpio]` table and the `[[trigger]]` tables of emberd's file. The daemon's one TOML parser
// reads them; EmberGPIO's trigger parser checks their keys (docs/gpio.md) in the parsed entries,
// so every error keeps its file and line.
import EmberGPIO
import EmberTOML

public struct GPIOConfiguration: Sendable, Equatable {
    /// `[gpio]`: the backend (libgpiod unless "simulated" is asked for) and the simulator's FIFO.
    public var settings = GPIOSettings()
    /// `[[trigger]]` tables, in file order.
    public var triggers: [TriggerConfig] = []
    /// Header line of each trigger's table, by trigger name (for messages).
    public var lines: [String: Int] = [:]

    public init() {}
}

enum GPIOTables {
    /// Tables that belong to GPIO rather than to the daemon's own keys.
    static func handles(_ table: TOMLTable) -> Bool { table.name == "trigger" || table.name == "gpio" }

    static func apply(_ tables: [TOMLTable], to gpio: inout GPIOConfiguration, source: String) -> [ConfigError] {
        var errors: [ConfigError] = []
        var triggerTables: [(entries: [TOMLEntry], line: Int)] = []
        for table in tables {
            switch (table.name, table.isArrayElement) {
            case ("trigger", true):
                triggerTables.append((table.entries, table.line))
            case ("gpio", false):
                switch TriggerConfigParser.parseSettings(table.entries, tableLine: table.line) {
                case .success(let settings): gpio.settings = settings
                case .failure(let list): errors += list.errors.map { configError($0, source: source) }
                }
            case ("trigger", false):
                errors.append(ConfigError(source: source, line: table.line, "[trigger] is not a table name; triggers are declared with [[trigger]]"))
            default:
                errors.append(ConfigError(source: source, line: table.line, "[[gpio]] is not a table name; GPIO settings go in one [gpio] table"))
            }
        }
        // One table at a time, so that --check-config still checks the good triggers against their models.
        for (index, table) in triggerTables.enumerated() {
            switch TriggerConfigParser.parseTrigger(table.entries, index: index, tableLine: table.line) {
            case .success(let trigger):
                if let first = gpio.lines[trigger.name] {
                    errors.append(ConfigError(source: source, line: table.line, "[[trigger]] name \"\(trigger.name)\" is used twice (first at line \(first))"))
                } else {
                    gpio.triggers.append(trigger)
                    gpio.lines[trigger.name] = table.line
                }
            case .failure(let list):
                errors += list.errors.map { configError($0, source: source) }
            }
        }
        return errors
    }

    /// Checks against the rest of the configuration: each trigger's model is configured.
    static func validate(_ config: DaemonConfiguration, source: String) -> [ConfigError] {
        let models = Set(config.models.map(\.name))
        return config.gpio.triggers.compactMap { trigger in
            guard !models.contains(trigger.model) else { return nil }
            let known = config.models.isEmpty ? "no models are configured" : "configured: \(config.models.map(\.name).joined(separator: ", "))"
            return ConfigError(source: source, line: config.gpio.lines[trigger.name] ?? 0,
                               "[[trigger]] \"\(trigger.name)\": model \"\(trigger.model)\" is not a [[model]] (\(known))")
        }
    }

    private static func configError(_ error: GPIOConfigError, source: String) -> ConfigError {
        ConfigError(source: source, line: error.line, error.key.map { "\(error.table): key '\($0)': \(error.message)" } ?? "\(error.table): \(error.message)")
    }
}
