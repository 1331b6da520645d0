import Testing
import EmberGPIO
import EmberTOML

@Suite struct TriggerConfigTests {
    /// Entries numbered from line 11, as if the table header were on line 10.
    func table(_ pairs: [(String, TOMLValue)]) -> [TOMLEntry] {
        pairs.enumerated().map { TOMLEntry(key: $1.0, value: $1.1, line: 11 + $0) }
    }

    let pir: [(String, TOMLValue)] = [
        ("name", .string("hall")), ("model", .string("mobilenet")), ("line", .string("GPIO17")),
        ("source", .string("command")), ("source_command", .array([.string("rpicam-still"), .string("-o"), .string("-")])),
    ]

    func errors(_ pairs: [(String, TOMLValue)]) -> [String] {
        guard case .failure(let e) = TriggerConfigParser.parseTrigger(table(pairs), index: 1, tableLine: 10) else { return [] }
        return e.errors.map(\.description)
    }

    @Test func minimalTableGetsTheDocumentedDefaults() throws {
        let config = try TriggerConfigParser.parseTrigger(table(pir)).get()
        #expect(config.line == InputLineSpec(chip: "gpiochip0", line: .name("GPIO17"), edge: .rising, bias: .asIs,
                                             activeLow: false, consumer: "emberd:hall"))
        #expect(config.debounceNs == 50 * ms && config.minIntervalNs == 1000 * ms)
        #expect(config.source == .command(argv: ["rpicam-still", "-o", "-"], timeoutMs: 5000, maxBytes: 16 << 20))
        #expect(config.action == nil)
    }

    @Test func fullTable() throws {
        let config = try TriggerConfigParser.parseTrigger(table([
            ("name", .string("door")), ("model", .string("m")), ("chip", .string("pinctrl-bcm2711")),
            ("line", .integer(17)), ("edge", .string("both")), ("bias", .string("pull-up")), ("active_low", .boolean(true)),
            ("debounce_ms", .integer(5)), ("min_interval_ms", .integer(0)),
            ("source", .string("zmq")), ("source_endpoint", .string("ipc:///run/cam")), ("source_topic", .string("cam0")),
            ("source_max_age_ms", .integer(0)), ("source_max_bytes", .integer(1000)),
            ("action_label", .string("person")), ("action_threshold", .float(0.7)), ("action_lines", .array([.string("GPIO27"), .integer(22)])),
            ("action_active_low", .boolean(true)), ("action_hold_ms", .integer(1500)),
        ])).get()
        #expect(config.line.chip == "pinctrl-bcm2711" && config.line.line == .offset(17) && config.line.edge == .both)
        #expect(config.line.bias == .pullUp && config.line.activeLow)
        #expect(config.debounceNs == 5 * ms && config.minIntervalNs == 0)
        #expect(config.source == .zeroMQ(endpoint: "ipc:///run/cam", topic: "cam0", maxAgeMs: 0, maxBytes: 1000))
        let action = try #require(config.action)
        #expect(action.label == "person" && action.threshold == 0.7 && action.holdNs == 1500 * ms)
        #expect(action.outputs.map(\.line) == [.name("GPIO27"), .offset(22)])
        #expect(action.outputs.allSatisfy { $0.chip == "pinctrl-bcm2711" && $0.activeLow })
    }

    @Test func everyProblemIsNamedWithItsKeyAndLine() {
        let found = errors([
            ("name", .string("hall")), ("line", .boolean(true)), ("edge", .string("up")),
            ("debounce_ms", .integer(-1)), ("source", .string("file")), ("bais", .string("pull-up")),
            ("action_hold_ms", .integer(10)),
        ])
        let expected = [
            "line 10: [[trigger]] #2 \"hall\": key 'model': missing (required)",
            "line 12: [[trigger]] #2 \"hall\": key 'line': expected a line name or offset, got boolean",
            "line 13: [[trigger]] #2 \"hall\": key 'edge': expected one of rising, falling, both; got \"up\"",
            "line 14: [[trigger]] #2 \"hall\": key 'debounce_ms': -1 is outside 0...60000",
            "line 10: [[trigger]] #2 \"hall\": key 'source_path': missing (required)",
            "line 17: [[trigger]] #2 \"hall\": key 'action_hold_ms': has no effect without action_label",
            "line 16: [[trigger]] #2 \"hall\": key 'bais': unknown key (did you mean 'bias'?)",
        ]
        #expect(found == expected)
    }

    @Test func sourceKeysMustMatchTheSource() {
        var pairs = pir
        pairs.append(("source_endpoint", .string("tcp://x:1")))
        #expect(errors(pairs) == ["line 16: [[trigger]] #2 \"hall\": key 'source_endpoint': only used with source = \"zmq\""])
        #expect(errors([("name", .string("a")), ("model", .string("m")), ("line", .integer(70000)), ("source", .string("camera"))]) == [
            "line 13: [[trigger]] #2 \"a\": key 'line': offset 70000 is outside 0...65535",
            "line 14: [[trigger]] #2 \"a\": key 'source': expected one of file, command, zmq; got \"camera\"",
        ])
    }

    @Test func duplicateKeysAndNamesAreErrors() {
        var pairs = pir
        pairs.append(("line", .string("GPIO18")))
        #expect(errors(pairs).first == "line 16: [[trigger]] #2: key 'line': given twice")
        let tables = [(entries: table(pir), line: 10), (entries: table(pir), line: 20)]
        guard case .failure(let e) = TriggerConfigParser.parseTriggers(tables) else { Issue.record("accepted"); return }
        #expect(e.errors.map(\.description) == ["line 20: [[trigger]] #2 \"hall\": key 'name': duplicate trigger name (first used by [[trigger]] #1)"])
    }

    @Test func gpioTable() throws {
        #expect(try TriggerConfigParser.parseSettings([]).get() == GPIOSettings(backend: .libgpiod))
        let sim = try TriggerConfigParser.parseSettings([.init(key: "backend", value: .string("simulated")),
                                                         .init(key: "simulated_fifo", value: .string("/run/ember/gpio"))]).get()
        #expect(sim == GPIOSettings(backend: .simulated, simulatedFIFO: "/run/ember/gpio"))
        guard case .failure(let e) = TriggerConfigParser.parseSettings([.init(key: "backend", value: .string("sysfs"), line: 3)]) else {
            Issue.record("accepted"); return
        }
        #expect(e.description == "line 3: [gpio]: key 'backend': expected one of libgpiod, simulated; got \"sysfs\"")
    }

    /// docs/gpio.md lists every key with its default, and nothing else.
    @Test func documentationListsEveryKey() throws {
        let docPath = "\(#filePath)".split(separator: "/").dropLast(3).joined(separator: "/")
        let fd = open("/" + docPath + "/docs/gpio.md", O_RDONLY)
        try #require(fd >= 0, "docs/gpio.md not found")
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        let doc = String(decoding: bytes, as: UTF8.self)
        for key in TriggerConfigParser.triggerKeys + TriggerConfigParser.gpioKeys {
            let row = "| `\(key.name)` | \(key.type) | \(key.defaultValue) |"
            #expect(doc.contains(row), "docs/gpio.md lacks the row starting \(row)")
        }
        let documented = doc.split(separator: "\n").filter { $0.hasPrefix("| `") }.count
        #expect(documented == TriggerConfigParser.triggerKeys.count + TriggerConfigParser.gpioKeys.count)
    }
}

@Suite struct LibgpiodBackendTests {
    @Test func missingChipIsNamed() {
        let backend = LibgpiodBackend(deviceDirectory: tempDirectory())
        for chip in ["/dev/gpiochip-nope", "gpiochip9", "pinctrl-bcm2711"] {
            #expect { try backend.requestInput(InputLineSpec(chip: chip, line: .name("GPIO17"))) } throws: {
                "\($0)" == "GPIO chip \"\(chip)\" line \"GPIO17\": no such chip (not a path, /dev name or label of any gpiochip)"
            }
        }
    }

    @Test func aFileThatIsNotAChipIsNotOpenedAsOne() {
        let dir = tempDirectory()
        writeFile(dir + "/gpiochip0", [0])
        let backend = LibgpiodBackend(deviceDirectory: dir)
        #expect { try backend.requestOutput(OutputLineSpec(chip: "gpiochip0", line: .offset(27))) } throws: { error in
            guard let e = error as? GPIOError else { return false }
            return e.chip == "gpiochip0" && e.line == .offset(27)
        }
    }

    @Test func backendNameReportsTheCompiledAPI() {
        let name = LibgpiodBackend().name
        #expect(name.hasPrefix("libgpiod ") && (name.hasSuffix("(v1 API)") || name.hasSuffix("(v2 API)")))
    }
}
