// The key tables: name, type, default, meaning and how to store a value, for every setting.
import EmberTransport

/// The type of a setting, for conversion from command-line text and for messages.
public enum ConfigValueKind: String, Sendable {
    case string, integer, number, boolean, stringArray = "array of strings"
}

public struct ConfigKey<Target>: Sendable {
    public let name: String
    public let kind: ConfigValueKind
    public let defaultText: String
    public let help: String
    let apply: @Sendable (inout Target, TOMLValue) throws(ConfigKeyError) -> Void

    /// `log_level` → `--log-level`.
    public var optionName: String { "--" + String(name.map { $0 == "_" ? "-" : $0 }) }
}

/// A bad value; the caller adds where it was.
public struct ConfigKeyError: Error, Sendable {
    public let message: String
    init(_ message: String) { self.message = message }
}

private func string<T>(_ name: String, _ help: String, default defaultText: String,
                       _ set: @escaping @Sendable (inout T, String) throws(ConfigKeyError) -> Void) -> ConfigKey<T> {
    ConfigKey(name: name, kind: .string, defaultText: defaultText, help: help) { target, value throws(ConfigKeyError) in
        guard case .string(let text) = value else { throw ConfigKeyError("\(name) must be a string, not \(value.typeName)") }
        try set(&target, text)
    }
}

private func integer<T>(_ name: String, _ range: ClosedRange<Int>, _ help: String, default defaultText: String,
                        _ set: @escaping @Sendable (inout T, Int) -> Void) -> ConfigKey<T> {
    ConfigKey(name: name, kind: .integer, defaultText: defaultText, help: help) { target, value throws(ConfigKeyError) in
        guard case .integer(let number) = value else { throw ConfigKeyError("\(name) must be an integer, not \(value.typeName)") }
        guard number >= Int64(range.lowerBound), number <= Int64(range.upperBound) else {
            throw ConfigKeyError("\(name) is \(number); it must be \(range.lowerBound)...\(range.upperBound)")
        }
        set(&target, Int(number))
    }
}

private func endpoint(_ text: String, _ name: String, allowEmpty: Bool) throws(ConfigKeyError) {
    if text.isEmpty && allowEmpty { return }
    guard text.hasPrefix("ipc://") || text.hasPrefix("tcp://") || text.hasPrefix("inproc://") else {
        throw ConfigKeyError("\(name) \"\(text)\" is not a ZeroMQ endpoint (ipc://PATH, tcp://HOST:PORT)")
    }
}

public enum ConfigurationKeys {
    public static let daemon: [ConfigKey<DaemonConfiguration>] = [
        string("log_level", "least severe messages logged: error, warning, notice, info, debug", default: "\"info\"") { c, v throws(ConfigKeyError) in
            guard let level = LogLevel(rawValue: v) else {
                throw ConfigKeyError("log_level is \"\(v)\"; expected one of \(LogLevel.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            c.logLevel = level
        },
        string("endpoint", "ROUTER endpoint for requests", default: "\"ipc:///run/ember/emberd.sock\"") { c, v throws(ConfigKeyError) in
            try endpoint(v, "endpoint", allowEmpty: false)
            c.endpoint = v
        },
        integer("ipc_mode", 0...0o777, "file mode of ipc socket files (write it in octal: 0o660)", default: "0o660") { $0.ipcMode = $1 },
        string("pub_endpoint", "PUB endpoint for events; \"\" disables it", default: "\"ipc:///run/ember/emberd-events.sock\"") { c, v throws(ConfigKeyError) in
            try endpoint(v, "pub_endpoint", allowEmpty: true)
            c.pubEndpoint = v
        },
        string("tcp_endpoint", "additional tcp ROUTER endpoint, always CURVE-encrypted; \"\" for none", default: "\"\"") { c, v throws(ConfigKeyError) in
            guard v.isEmpty || v.hasPrefix("tcp://") else { throw ConfigKeyError("tcp_endpoint \"\(v)\" must start with tcp://") }
            c.tcpEndpoint = v
        },
        string("curve_secret_key_file", "file holding the server's Z85 CURVE secret key; required with tcp_endpoint", default: "\"\"") { $0.curveSecretKeyFile = $1 },
        ConfigKey(name: "curve_allowed_clients", kind: .stringArray, defaultText: "[]",
                  help: "Z85 public keys of the clients allowed over tcp; empty allows any client that knows the server key") { c, value throws(ConfigKeyError) in
            guard case .array(let elements) = value else { throw ConfigKeyError("curve_allowed_clients must be an array of strings, not \(value.typeName)") }
            var keys: [String] = []
            for element in elements {
                guard case .string(let key) = element else { throw ConfigKeyError("curve_allowed_clients must hold strings, found \(element.typeName)") }
                guard CurveKeys.isValidZ85Key(key) else { throw ConfigKeyError("curve_allowed_clients: \"\(key)\" is not a 40-character Z85 key") }
                keys.append(key)
            }
            c.curveAllowedClients = keys
        },
        integer("workers", 1...64, "inference worker threads shared by all models", default: "1") { $0.workers = $1 },
        integer("threads_per_inference", 1...64, "threads each inference uses; workers x this should not exceed the cores", default: "1") { $0.threadsPerInference = $1 },
        integer("queue_depth", 1...65_536, "requests a model may hold waiting; more are answered busy", default: "16") { $0.queueDepth = $1 },
        integer("max_payload_bytes", 1024...(1 << 30), "largest accepted payload frame, in bytes", default: "16777216") { $0.maxPayloadBytes = $1 },
        integer("default_deadline_ms", 0...3_600_000, "deadline for infer requests that carry none, in ms; 0 for none", default: "0") { $0.defaultDeadlineMilliseconds = $1 },
        integer("drain_timeout_ms", 0...600_000, "on SIGTERM/SIGINT, how long a running trigger firing and the queued and running requests may take to finish, in ms", default: "5000") { $0.drainTimeoutMilliseconds = $1 },
        string("stats_textfile", "Prometheus text file rewritten every stats_interval_ms; \"\" for none", default: "\"\"") { $0.statsTextfile = $1 },
        integer("stats_interval_ms", 100...3_600_000, "period of the stats text file, in ms", default: "10000") { $0.statsIntervalMilliseconds = $1 },
        integer("warmup_runs", 0...100, "inferences run on a zero input when a model loads, before it serves", default: "1") { $0.warmupRuns = $1 },
        integer("batch_tokens", 0...4096, "an encoder's worker runs text requests waiting in its queue together, up to this many tokens per run; 0: one request per run", default: "128") { $0.batchTokens = $1 },
    ] + governor

    public static let model: [ConfigKey<ModelConfiguration>] = [
        string("name", "the name clients put in \"model\" (1-64 of a-z A-Z 0-9 _ . -); required", default: "(required)") { c, v throws(ConfigKeyError) in
            guard ModelNames.isValid(v) else { throw ConfigKeyError("model name \"\(v)\" must be 1-64 characters of a-z A-Z 0-9 _ . -") }
            c.name = v
        },
        string("path", "the model file (.ember), or builtin:NAME for a diagnostic model; required", default: "(required)") { c, v throws(ConfigKeyError) in
            guard !v.isEmpty else { throw ConfigKeyError("path is empty") }
            c.path = v
        },
        string("labels", "label file (one per line, or a JSON array) overriding the model's labels", default: "(none)") { $0.labels = $1.isEmpty ? nil : $1 },
        integer("queue_depth", 1...65_536, "this model's queue capacity", default: "the daemon's queue_depth") { $0.queueDepth = $1 },
        integer("warmup_runs", 0...100, "warm-up inferences for this model", default: "the daemon's warmup_runs") { $0.warmupRuns = $1 },
    ] + governorModel
}

public enum ModelNames {
    public static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64 && name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
        }
    }
}
