// Builds the configuration from defaults, then the TOML file, then command-line options (which win),
// collecting every error so `emberd --check-config` can explain them all at once.
import EmberTOML

public struct DaemonCommandLine: Sendable, Equatable {
    public static let defaultConfigPath = "/etc/ember/emberd.toml"

    /// `--config PATH`; nil means the default path, if that file exists.
    public var configPath: String?
    public var checkConfig = false
    public var help = false
    public var version = false
    /// `--some-key VALUE`, in order, as (key name, text).
    public var overrides: [(key: String, text: String)] = []
    /// `--model NAME=PATH`.
    public var models: [ModelConfiguration] = []

    public init() {}

    public static func == (lhs: DaemonCommandLine, rhs: DaemonCommandLine) -> Bool {
        lhs.configPath == rhs.configPath && lhs.checkConfig == rhs.checkConfig && lhs.help == rhs.help
            && lhs.version == rhs.version && lhs.models == rhs.models
            && lhs.overrides.map(\.key) == rhs.overrides.map(\.key) && lhs.overrides.map(\.text) == rhs.overrides.map(\.text)
    }

    /// Parses the arguments after the program name. Accepts `--key VALUE` and `--key=VALUE`.
    public static func parse(_ arguments: [String]) -> (DaemonCommandLine, [ConfigError]) {
        var result = DaemonCommandLine()
        var errors: [ConfigError] = []
        func error(_ message: String) { errors.append(ConfigError(source: "command line", line: 0, message)) }
        var index = 0
        while index < arguments.count {
            var argument = arguments[index]
            index += 1
            var inlineValue: String?
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                inlineValue = String(argument[argument.index(after: equals)...])
                argument = String(argument[..<equals])
            }
            func value() -> String? {
                if let inlineValue { return inlineValue }
                guard index < arguments.count else { error("\(argument) needs a value"); return nil }
                index += 1
                return arguments[index - 1]
            }
            switch argument {
            case "--help", "-h": result.help = true
            case "--version": result.version = true
            case "--check-config": result.checkConfig = true
            case "--config": if let path = value() { result.configPath = path }
            case "--model":
                guard let spec = value() else { continue }
                guard let equals = spec.firstIndex(of: "="), equals != spec.startIndex, spec.index(after: equals) != spec.endIndex else {
                    error("--model wants NAME=PATH, got \"\(spec)\""); continue
                }
                let name = String(spec[..<equals])
                guard ModelNames.isValid(name) else { error("--model: name \"\(name)\" must be 1-64 characters of a-z A-Z 0-9 _ . -"); continue }
                result.models.append(ModelConfiguration(name: name, path: String(spec[spec.index(after: equals)...])))
            default:
                guard let key = ConfigurationKeys.daemon.first(where: { $0.optionName == argument }) else {
                    error("unknown option \(argument) (see --help)")
                    // Skip its value too, so one typo gives one message.
                    if inlineValue == nil, index < arguments.count, !arguments[index].hasPrefix("-") { index += 1 }
                    continue
                }
                if let text = value() { result.overrides.append((key.name, text)) }
            }
        }
        return (result, errors)
    }
}

public enum ConfigurationLoader {
    /// Applies a TOML document's text to the defaults, then the command line's overrides and models.
    public static func build(fileText: String?, source: String, commandLine: DaemonCommandLine) -> (DaemonConfiguration, [ConfigError]) {
        var config = DaemonConfiguration()
        var errors: [ConfigError] = []
        if let fileText {
            let (document, syntaxErrors) = TOMLParser.parse(fileText, source: source)
            errors += syntaxErrors
            errors += apply(document, to: &config, source: source)
        }
        for (keyName, text) in commandLine.overrides {
            let key = ConfigurationKeys.daemon.first(where: { $0.name == keyName })!
            do throws(ConfigKeyError) {
                try key.apply(&config, try commandLineValue(text, kind: key.kind, option: key.optionName))
            } catch {
                errors.append(ConfigError(source: "command line", line: 0, "\(key.optionName): \(error.message)"))
            }
        }
        config.models += commandLine.models
        errors += validate(config, source: source)
        return (config, errors)
    }

    static func commandLineValue(_ text: String, kind: ConfigValueKind, option: String) throws(ConfigKeyError) -> TOMLValue {
        switch kind {
        case .string: return .string(text)
        case .integer:
            guard let value = TOMLParser.integer(text) else { throw ConfigKeyError("\"\(text)\" is not an integer") }
            return .integer(value)
        case .number:
            if let value = TOMLParser.integer(text) { return .integer(value) }
            guard let value = TOMLParser.float(text) else { throw ConfigKeyError("\"\(text)\" is not a number") }
            return .float(value)
        case .boolean:
            guard text == "true" || text == "false" else { throw ConfigKeyError("\"\(text)\" is not true or false") }
            return .boolean(text == "true")
        case .stringArray:
            return .array(text.isEmpty ? [] : text.split(separator: ",").map { .string(String($0)) })
        }
    }

    static func apply(_ document: TOMLDocument, to config: inout DaemonConfiguration, source: String) -> [ConfigError] {
        var errors: [ConfigError] = []
        for entry in document.root.entries {
            guard let key = ConfigurationKeys.daemon.first(where: { $0.name == entry.key }) else {
                errors.append(ConfigError(source: source, line: entry.line, "unknown key \"\(entry.key)\"\(suggestion(entry.key, ConfigurationKeys.daemon.map(\.name)))"))
                continue
            }
            do throws(ConfigKeyError) { try key.apply(&config, entry.value) } catch {
                errors.append(ConfigError(source: source, line: entry.line, error.message))
            }
        }
        let gpioTables = document.tables.filter(GPIOTables.handles)
        errors += GPIOTables.apply(gpioTables, to: &config.gpio, source: source)
        for table in document.tables where !GPIOTables.handles(table) {
            guard table.name == "model", table.isArrayElement else {
                let shown = table.isArrayElement ? "[[\(table.name ?? "")]]" : "[\(table.name ?? "")]"
                errors.append(ConfigError(source: source, line: table.line, "unknown table \(shown); the tables are [[model]], [[trigger]] and [gpio]"))
                continue
            }
            var model = ModelConfiguration()
            model.line = table.line
            for entry in table.entries {
                guard let key = ConfigurationKeys.model.first(where: { $0.name == entry.key }) else {
                    errors.append(ConfigError(source: source, line: entry.line, "unknown key \"\(entry.key)\" in [[model]]\(suggestion(entry.key, ConfigurationKeys.model.map(\.name)))"))
                    continue
                }
                do throws(ConfigKeyError) { try key.apply(&model, entry.value) } catch {
                    errors.append(ConfigError(source: source, line: entry.line, error.message))
                }
            }
            if !table.entries.contains(where: { $0.key == "name" }) {
                errors.append(ConfigError(source: source, line: table.line, "[[model]] lacks the required key \"name\""))
            }
            if !table.entries.contains(where: { $0.key == "path" }) {
                errors.append(ConfigError(source: source, line: table.line, "[[model]] lacks the required key \"path\""))
            }
            config.models.append(model)
        }
        return errors
    }

    /// Checks that span several keys.
    static func validate(_ config: DaemonConfiguration, source: String) -> [ConfigError] {
        var errors: [ConfigError] = []
        var seen: [String: Int] = [:]
        for model in config.models where !model.name.isEmpty {
            if let first = seen[model.name] {
                let whereFirst = first > 0 ? " (first at line \(first))" : ""
                errors.append(ConfigError(source: model.line > 0 ? source : "command line", line: model.line,
                                          "model name \"\(model.name)\" is used twice\(whereFirst)"))
            } else {
                seen[model.name] = model.line
            }
        }
        if !config.tcpEndpoint.isEmpty && config.curveSecretKeyFile.isEmpty {
            errors.append(ConfigError(source: source, line: 0, "tcp_endpoint is set but curve_secret_key_file is not: tcp is only served with CURVE"))
        }
        errors += GPIOTables.validate(config, source: source)
        if config.endpoint == config.pubEndpoint {
            errors.append(ConfigError(source: source, line: 0, "endpoint and pub_endpoint are both \"\(config.endpoint)\""))
        }
        return errors
    }

    /// " (did you mean \"x\"?)" when a known key is close to the unknown one.
    static func suggestion(_ unknown: String, _ known: [String]) -> String {
        closestName(to: unknown, among: known).map { " (did you mean \"\($0)\"?)" } ?? ""
    }

    /// `emberd --help`, generated from the key tables.
    public static func helpText() -> String {
        var lines = [
            "usage: emberd [--config PATH] [--check-config] [--model NAME=PATH ...] [OPTIONS]",
            "",
            "Serves int8 models over ZeroMQ. Options override the configuration file",
            "(default \(DaemonCommandLine.defaultConfigPath)); every option is also a key in that file.",
            "",
            "  --config PATH          configuration file",
            "  --check-config         validate the configuration (and model files), explain every error, exit",
            "  --model NAME=PATH      serve a model in addition to the file's [[model]] tables",
            "  --help, --version",
            "",
        ]
        for key in ConfigurationKeys.daemon {
            let option = "  \(key.optionName) \(key.kind == .integer || key.kind == .number ? "N" : key.kind == .stringArray ? "A,B" : "VALUE")"
            lines.append(option.padding(toLength: 34) + key.help + " (default \(key.defaultText))")
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    func padding(toLength length: Int) -> String {
        count >= length ? self + " " : self + String(repeating: " ", count: length - count)
    }
}
