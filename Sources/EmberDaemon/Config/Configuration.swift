// emberd's one configuration struct. Every field lists its default; the key tables below map
// each field to its name in the TOML file and on the command line (`log_level` ↔ `--log-level`)
// and are the single source of `--help` and of docs/configuration.md.

public enum LogLevel: String, Sendable, CaseIterable, Comparable {
    case error, warning, notice, info, debug

    /// The sd-daemon priority (`<N>` prefix) of messages at this level.
    public var priority: Int {
        switch self {
        case .error: return 3
        case .warning: return 4
        case .notice: return 5
        case .info: return 6
        case .debug: return 7
        }
    }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.priority < rhs.priority }
}

public struct ModelConfiguration: Sendable, Equatable {
    /// The name clients put in "model". Required; 1–64 of `a-z A-Z 0-9 _ . -`.
    public var name: String = ""
    /// The model file (`.ember`, or `builtin:…` for the diagnostic models). Required.
    public var path: String = ""
    /// A label file (one label per line, or a JSON array of strings) for a classifier; overrides
    /// labels inside the model. Default: none.
    public var labels: String? = nil
    /// This model's queue capacity. Default: the daemon's `queue_depth`.
    public var queueDepth: Int? = nil
    /// Inferences run on a zero input before the model serves. Default: the daemon's `warmup_runs`.
    public var warmupRuns: Int? = nil
    /// The p99 latency the governor plans this model's threads for, in ms. Default: none.
    public var latencyObjectiveMilliseconds: Int? = nil
    /// Line of the `[[model]]` header, for messages.
    public var line: Int = 0

    public init(name: String = "", path: String = "") {
        self.name = name
        self.path = path
    }
}

public struct DaemonConfiguration: Sendable, Equatable {
    /// Least severe messages logged: error, warning, notice, info, debug. Default "info".
    public var logLevel: LogLevel = .info
    /// The ROUTER endpoint for requests. Default "ipc:///run/ember/emberd.sock".
    public var endpoint: String = "ipc:///run/ember/emberd.sock"
    /// File mode of ipc socket files. Default 0o660.
    public var ipcMode: Int = 0o660
    /// The PUB endpoint for events; "" disables it. Default "ipc:///run/ember/emberd-events.sock".
    public var pubEndpoint: String = "ipc:///run/ember/emberd-events.sock"
    /// An additional tcp ROUTER endpoint, always CURVE-encrypted; "" for none. Default "".
    public var tcpEndpoint: String = ""
    /// File holding the server's Z85 CURVE secret key (40 characters). Required with tcp_endpoint. Default "".
    public var curveSecretKeyFile: String = ""
    /// Z85 public keys of the clients allowed over tcp; empty allows any client holding the server's public key. Default [].
    public var curveAllowedClients: [String] = []
    /// Inference worker threads shared by all models. Default 1.
    public var workers: Int = 1
    /// Threads each inference uses (the engine's own pool); workers × this should not exceed the cores. Default 1.
    public var threadsPerInference: Int = 1
    /// Requests a model may hold waiting; more are answered "busy". Default 16.
    public var queueDepth: Int = 16
    /// An encoder's worker takes `text` requests waiting behind the one it starts and runs them
    /// together (packed), up to this many tokens; each reply is what its text gives alone. 0: one
    /// request per run. Default 128.
    public var batchTokens: Int = 128
    /// Largest accepted payload frame, in bytes. Default 16777216 (16 MiB).
    public var maxPayloadBytes: Int = 16 << 20
    /// Deadline applied to infer requests that carry none, in ms; 0 for none. Default 0.
    public var defaultDeadlineMilliseconds: Int = 0
    /// On SIGTERM/SIGINT, how long to let queued and running requests finish, in ms. Default 5000.
    public var drainTimeoutMilliseconds: Int = 5000
    /// Prometheus text file rewritten every stats_interval_ms (node_exporter textfile collector); "" for none. Default "".
    public var statsTextfile: String = ""
    /// Period of the stats text file, in ms. Default 10000.
    public var statsIntervalMilliseconds: Int = 10_000
    /// Inferences run on a zero input when a model is loaded, before it serves. Default 1.
    public var warmupRuns: Int = 1
    /// Board profile, budgets and tick of the power / latency governor.
    public var governor = GovernorConfiguration()
    /// The models to serve, from `[[model]]` tables (or `--model NAME=PATH`).
    public var models: [ModelConfiguration] = []
    /// GPIO triggers (`[[trigger]]`) and how lines are reached (`[gpio]`); see docs/gpio.md.
    public var gpio = GPIOConfiguration()

    public init() {}

    /// The ZeroMQ per-frame cap: large enough that a modestly oversized payload still reaches the
    /// decoder and gets a named `payload_too_large` error.
    public var zmqMaxMessageBytes: Int64 { Int64(maxPayloadBytes) * 2 + 64 * 1024 }
}
