import EmberTOML

/// Turns `[[trigger]]` and `[gpio]` tables into configurations, reporting every problem with
/// its key and line rather than stopping at the first.
public enum TriggerConfigParser {
    public static let triggerKeys: [GPIOConfigKey] = [
        .init(name: "name", type: "string", defaultValue: "(required)", help: "unique name (1-64 of `a-z A-Z 0-9 _ . -`); results are published under the topic `ember.trigger.NAME`"),
        .init(name: "model", type: "string", defaultValue: "(required)", help: "the `[[model]]` to run when the trigger fires"),
        .init(name: "chip", type: "string", defaultValue: "\"gpiochip0\"", help: "GPIO chip: a path (`/dev/gpiochip0`), a name (`gpiochip0`) or a label (`pinctrl-bcm2711`)"),
        .init(name: "line", type: "string or integer", defaultValue: "(required)", help: "the input line: its name (`\"GPIO17\"`) or its offset (`17`, or a string of digits)"),
        .init(name: "edge", type: "string", defaultValue: "\"rising\"", help: "`rising`, `falling` or `both` (after `active_low` is applied)"),
        .init(name: "bias", type: "string", defaultValue: "\"as-is\"", help: "`as-is`, `pull-up`, `pull-down` or `disabled`"),
        .init(name: "active_low", type: "boolean", defaultValue: "false", help: "the line is active when low: edges are inverted"),
        .init(name: "debounce_ms", type: "integer", defaultValue: "50", help: "edges closer than this to the last accepted edge are bounces and ignored (0 to 60000)"),
        .init(name: "min_interval_ms", type: "integer", defaultValue: "1000", help: "minimum time between two firings; edges in between collapse into one pending firing (0 to 86400000)"),
        .init(name: "source", type: "string", defaultValue: "(required)", help: "where the input comes from: `file`, `command` or `zmq`"),
        .init(name: "source_path", type: "string", defaultValue: "(required for file)", help: "file read at every firing"),
        .init(name: "source_command", type: "array of strings", defaultValue: "(required for command)", help: "argv of a command whose standard output is the input (no shell; `[\"sh\", \"-c\", \"...\"]` if you need one)"),
        .init(name: "source_timeout_ms", type: "integer", defaultValue: "5000", help: "the command is killed (with its process group) after this long"),
        .init(name: "source_endpoint", type: "string", defaultValue: "(required for zmq)", help: "ZeroMQ PUB endpoint of a frame feed, e.g. `ipc:///run/camera/frames`"),
        .init(name: "source_topic", type: "string", defaultValue: "\"\"", help: "subscription prefix on the frame feed (empty: every message)"),
        .init(name: "source_max_age_ms", type: "integer", defaultValue: "2000", help: "a newest frame older than this is an error instead of a stale input (0: any age)"),
        .init(name: "source_max_bytes", type: "integer", defaultValue: "16777216", help: "largest accepted input (file, command output or frame)"),
        .init(name: "input_type", type: "string", defaultValue: "\"image\"", help: "what the input bytes are: `image` (PNG or JPEG), `text` (UTF-8) or `tensor` (raw bytes of the model's input tensor)"),
        .init(name: "top_k", type: "integer", defaultValue: "5", help: "labels a classifier's published result carries, best first (1 to 1000)"),
        .init(name: "action_label", type: "string", defaultValue: "(no action)", help: "when a result scores this label at or above `action_threshold`, drive `action_lines` active"),
        .init(name: "action_threshold", type: "float", defaultValue: "0.5", help: "score needed for the action"),
        .init(name: "action_lines", type: "array of strings or integers", defaultValue: "(required with action_label)", help: "output lines (names or offsets) driven active by the action"),
        .init(name: "action_chip", type: "string", defaultValue: "same as `chip`", help: "chip of the output lines"),
        .init(name: "action_active_low", type: "boolean", defaultValue: "false", help: "the outputs are active when low"),
        .init(name: "action_hold_ms", type: "integer", defaultValue: "2000", help: "how long outputs stay active; a new qualifying result extends the hold"),
    ]

    public static let gpioKeys: [GPIOConfigKey] = [
        .init(name: "backend", type: "string", defaultValue: "\"libgpiod\"", help: "`libgpiod` (the kernel's GPIO chips) or `simulated` (no hardware; never chosen automatically)"),
        .init(name: "simulated_fifo", type: "string", defaultValue: "\"\"", help: "with the simulated backend: a FIFO (created if missing) that accepts edges such as `GPIO17 rising`"),
    ]

    /// Parses every `[[trigger]]` table (each given as its entries and header line) and checks
    /// that names are unique.
    public static func parseTriggers(_ tables: [(entries: [TOMLEntry], line: Int)]) -> Result<[TriggerConfig], GPIOConfigErrors> {
        var configs: [TriggerConfig] = []
        var errors: [GPIOConfigError] = []
        var seen: [String: Int] = [:]
        for (index, table) in tables.enumerated() {
            switch parseTrigger(table.entries, index: index, tableLine: table.line) {
            case .success(let config):
                if let first = seen[config.name] {
                    errors.append(GPIOConfigError(table: label(index, config.name), key: "name", line: table.line,
                                                  "duplicate trigger name (first used by [[trigger]] #\(first + 1))"))
                } else {
                    seen[config.name] = index
                    configs.append(config)
                }
            case .failure(let list): errors += list.errors
            }
        }
        return errors.isEmpty ? .success(configs) : .failure(GPIOConfigErrors(errors))
    }

    public static func parseTrigger(_ entries: [TOMLEntry], index: Int = 0, tableLine: Int = 0) -> Result<TriggerConfig, GPIOConfigErrors> {
        var r = TableReader(entries: entries, table: label(index, nil), tableLine: tableLine, known: triggerKeys)
        var name = r.string("name", required: true) ?? ""
        // The name ends a PUB topic and shows in logs: keep it to a plain word.
        if !name.isEmpty && !(name.utf8.count <= 64 && name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_.-".unicodeScalars.contains($0)) }) {
            r.fail("name", "\"\(name)\" must be 1-64 characters of a-z A-Z 0-9 _ . -")
            name = ""
        }
        r.table = label(index, name.isEmpty ? nil : name)
        let model = r.string("model", required: true) ?? ""
        let chip = r.string("chip") ?? "gpiochip0"
        let line = r.lineSelector("line", required: true)
        let edge = r.choice("edge", Edge.self) ?? .rising
        let bias = r.choice("bias", Bias.self) ?? .asIs
        let activeLow = r.bool("active_low") ?? false
        let debounceMs = r.integer("debounce_ms", in: 0...60_000) ?? 50
        let intervalMs = r.integer("min_interval_ms", in: 0...86_400_000) ?? 1000
        let maxBytes = r.integer("source_max_bytes", in: 1...(1 << 30)) ?? 16 << 20
        let inputType = r.choice("input_type", TriggerInputType.self) ?? .image
        let topK = r.integer("top_k", in: 1...1000) ?? 5

        var source: InputSourceConfig?
        switch r.string("source", required: true) {
        case "file":
            if let path = r.string("source_path", required: true) { source = .file(path: path, maxBytes: maxBytes) }
        case "command":
            let timeout = r.integer("source_timeout_ms", in: 1...3_600_000) ?? 5000
            if let argv = r.stringArray("source_command", required: true) {
                if argv.isEmpty || argv[0].isEmpty { r.fail("source_command", "needs at least the program to run") }
                else { source = .command(argv: argv, timeoutMs: timeout, maxBytes: maxBytes) }
            }
        case "zmq":
            let topic = r.string("source_topic") ?? ""
            let maxAge = r.integer("source_max_age_ms", in: 0...86_400_000) ?? 2000
            if let endpoint = r.string("source_endpoint", required: true) {
                if endpoint.contains("://") { source = .zeroMQ(endpoint: endpoint, topic: topic, maxAgeMs: maxAge, maxBytes: maxBytes) }
                else { r.fail("source_endpoint", "expected a ZeroMQ endpoint such as ipc:///run/camera/frames or tcp://127.0.0.1:5556") }
            }
        case nil: break
        case let other?: r.fail("source", "expected one of file, command, zmq; got \"\(other)\"")
        }
        r.onlyWith("source_path", source: "file"); r.onlyWith("source_command", source: "command")
        r.onlyWith("source_timeout_ms", source: "command"); r.onlyWith("source_endpoint", source: "zmq")
        r.onlyWith("source_topic", source: "zmq"); r.onlyWith("source_max_age_ms", source: "zmq")

        var action: ActionConfig?
        if let label = r.string("action_label") {
            let threshold = r.float("action_threshold") ?? 0.5
            let outChip = r.string("action_chip") ?? chip
            let outLow = r.bool("action_active_low") ?? false
            let hold = r.integer("action_hold_ms", in: 1...86_400_000) ?? 2000
            if let lines = r.lineSelectors("action_lines") {
                action = ActionConfig(label: label, threshold: threshold,
                                      outputs: lines.map { OutputLineSpec(chip: outChip, line: $0, activeLow: outLow, consumer: "emberd:\(name)") },
                                      holdNs: UInt64(hold) * 1_000_000)
            }
        } else {
            for key in ["action_threshold", "action_lines", "action_chip", "action_active_low", "action_hold_ms"] where r.has(key) {
                r.fail(key, "has no effect without action_label")
            }
        }
        r.rejectUnknown()

        guard r.errors.isEmpty, let line, let source else {
            return .failure(GPIOConfigErrors(r.errors.isEmpty ? [GPIOConfigError(table: r.table, key: nil, line: tableLine, "incomplete")] : r.errors))
        }
        return .success(TriggerConfig(
            name: name, model: model,
            line: InputLineSpec(chip: chip, line: line, edge: edge, bias: bias, activeLow: activeLow, consumer: "emberd:\(name)"),
            debounceNs: UInt64(debounceMs) * 1_000_000, minIntervalNs: UInt64(intervalMs) * 1_000_000,
            source: source, inputType: inputType, topK: topK, action: action))
    }

    /// Parses the `[gpio]` table (absent: all defaults).
    public static func parseSettings(_ entries: [TOMLEntry], tableLine: Int = 0) -> Result<GPIOSettings, GPIOConfigErrors> {
        var r = TableReader(entries: entries, table: "[gpio]", tableLine: tableLine, known: gpioKeys)
        let backend = r.choice("backend", GPIOSettings.BackendKind.self) ?? .libgpiod
        let fifo = r.string("simulated_fifo") ?? ""
        if !fifo.isEmpty && backend != .simulated { r.fail("simulated_fifo", "only used with backend = \"simulated\"") }
        r.rejectUnknown()
        return r.errors.isEmpty ? .success(GPIOSettings(backend: backend, simulatedFIFO: fifo.isEmpty ? nil : fifo)) : .failure(GPIOConfigErrors(r.errors))
    }

    private static func label(_ index: Int, _ name: String?) -> String {
        name.map { "[[trigger]] #\(index + 1) \"\($0)\"" } ?? "[[trigger]] #\(index + 1)"
    }
}

/// The `[gpio]` table.
public struct GPIOSettings: Sendable, Equatable {
    public enum BackendKind: String, Sendable, CaseIterable { case libgpiod, simulated }
    public var backend: BackendKind
    public var simulatedFIFO: String?
    public init(backend: BackendKind = .libgpiod, simulatedFIFO: String? = nil) {
        self.backend = backend; self.simulatedFIFO = simulatedFIFO
    }
}
