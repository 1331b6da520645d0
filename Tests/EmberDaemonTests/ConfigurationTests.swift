import Testing
@testable import EmberDaemon
import EmberTestSupport

@Suite struct TOMLTests {
    @Test func parsesTheSupportedSubset() {
        let text = """
        # comment
        a = "x\\ty\\u00e9"   # trailing comment
        b = 'C:\\raw'
        c = -42
        d = 0o660
        e = 0xff
        f = 1_000
        g = 2.5e-3
        h = true
        i = [ "p", 'q',
              # inside
              "r", ]

        [[model]]
        name = "m"
        [[model]]
        name = "n"
        """
        let (document, errors) = TOMLParser.parse(text, source: "t.toml")
        #expect(errors.isEmpty, "\(errors)")
        let values = Dictionary(uniqueKeysWithValues: document.root.entries.map { ($0.key, $0.value) })
        #expect(values["a"] == .string("x\tyé"))
        #expect(values["b"] == .string("C:\\raw"))
        #expect(values["c"] == .integer(-42))
        #expect(values["d"] == .integer(0o660))
        #expect(values["f"] == .integer(1000))
        #expect(values["g"] == .float(2.5e-3))
        #expect(values["h"] == .boolean(true))
        #expect(values["i"] == .array([.string("p"), .string("q"), .string("r")]))
        #expect(values["e"] == .integer(255))
        #expect(document.tables.map(\.line) == [14, 16])
        #expect(document.tables.map { $0.entries.first?.value } == [.string("m"), .string("n")])
    }

    @Test func reportsEveryErrorWithItsLine() {
        let text = """
        a = 0x_ff
        b = hello
        c = "unterminated
        d.e = 1
        f = { x = 1 }
        g = 1
        g = 2
        i = 017
        j = 1.
        [t]
        [t]
        "k" = 1
        l = 3 4
        h = [1, 2
        m = 1
        """
        let (_, errors) = TOMLParser.parse(text, source: "bad.toml")
        let lines = errors.map(\.line)
        #expect(lines == [1, 2, 3, 4, 5, 7, 8, 9, 11, 12, 13, 14], "\(errors)")
        #expect(errors.contains { $0.line == 2 && $0.message.contains("strings need quotes") })
        #expect(errors.contains { $0.line == 3 && $0.message.contains("unterminated string") })
        #expect(errors.contains { $0.line == 4 && $0.message.contains("dotted keys") })
        #expect(errors.contains { $0.line == 5 && $0.message.contains("inline tables") })
        #expect(errors.contains { $0.line == 7 && $0.message.contains("set twice") })
        #expect(errors.contains { $0.line == 8 && $0.message.contains("\"017\"") })
        #expect(errors.contains { $0.line == 11 && $0.message.contains("defined twice") })
        #expect(errors.contains { $0.line == 12 && $0.message.contains("quoted keys") })
        #expect(errors.contains { $0.line == 13 && $0.message.contains("after the value") })
        #expect(errors.allSatisfy { $0.description.hasPrefix("bad.toml:\($0.line): ") })
    }

    @Test func survivesRandomText() {
        let seed: UInt64 = 0x5EED_0003
        var rng = SeededGenerator(seed: seed)
        let alphabet = Array("ab_=\"'[]#,.0x1\n \\u{}-+eE".utf8)
        for _ in 0..<3000 {
            let bytes = (0..<Int(rng.next() % 40)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            _ = TOMLParser.parse(String(decoding: bytes, as: UTF8.self), source: "fuzz")
        }
        #expect(Bool(true), "seed \(seed)")
    }
}

@Suite struct ConfigurationTests {
    @Test func defaultsAreDocumentedValues() {
        let config = DaemonConfiguration()
        #expect(config.endpoint == "ipc:///run/ember/emberd.sock")
        #expect(config.logLevel == .info)
        #expect(config.queueDepth == 16)
        for key in ConfigurationKeys.daemon {
            #expect(!key.help.isEmpty && !key.defaultText.isEmpty, "\(key.name)")
        }
    }

    @Test func fileAndCommandLineCombine() {
        let text = """
        log_level = "debug"
        workers = 2
        curve_allowed_clients = []

        [[model]]
        name = "mobilenet"
        path = "/m/mobilenet.ember"
        queue_depth = 4
        """
        let (commandLine, argErrors) = DaemonCommandLine.parse(["--workers", "3", "--log-level=warning", "--model", "enc=/m/enc.ember", "--check-config"])
        #expect(argErrors.isEmpty)
        #expect(commandLine.checkConfig)
        let (config, errors) = ConfigurationLoader.build(fileText: text, source: "e.toml", commandLine: commandLine)
        #expect(errors.isEmpty, "\(errors)")
        #expect(config.workers == 3)
        #expect(config.logLevel == .warning)
        #expect(config.models.map(\.name) == ["mobilenet", "enc"])
        #expect(config.models[0].queueDepth == 4)
        #expect(config.models[0].line == 5)
    }

    @Test func unknownKeysAndWrongTypesNameTheLine() {
        let text = """
        log_levle = "info"
        workers = "two"
        queue_depth = 0
        log_level = "loud"
        endpoint = "/run/x.sock"
        [server]
        [[model]]
        name = "bad name!"
        path = 3
        colour = "red"
        [[model]]
        path = "/x"
        """
        let (_, errors) = ConfigurationLoader.build(fileText: text, source: "c.toml", commandLine: DaemonCommandLine())
        let described = errors.map(\.description)
        #expect(described.contains("c.toml:1: unknown key \"log_levle\" (did you mean \"log_level\"?)"), "\(described)")
        #expect(described.contains("c.toml:2: workers must be an integer, not string"))
        #expect(described.contains("c.toml:3: queue_depth is 0; it must be 1...65536"))
        #expect(described.contains { $0.hasPrefix("c.toml:4: log_level is \"loud\"") })
        #expect(described.contains { $0.hasPrefix("c.toml:5: endpoint \"/run/x.sock\" is not a ZeroMQ endpoint") })
        #expect(described.contains("c.toml:6: unknown table [server]; the tables are [[model]], [[trigger]] and [gpio]"))
        #expect(described.contains { $0.hasPrefix("c.toml:8: model name \"bad name!\"") })
        #expect(described.contains("c.toml:9: path must be a string, not integer"))
        #expect(described.contains("c.toml:10: unknown key \"colour\" in [[model]]"))
        #expect(described.contains("c.toml:11: [[model]] lacks the required key \"name\""))
    }

    @Test func crossKeyChecks() {
        let text = """
        tcp_endpoint = "tcp://0.0.0.0:5555"
        [[model]]
        name = "m"
        path = "/a"
        [[model]]
        name = "m"
        path = "/b"
        """
        let (_, errors) = ConfigurationLoader.build(fileText: text, source: "x.toml", commandLine: DaemonCommandLine())
        let described = errors.map(\.description)
        #expect(described.contains("x.toml:5: model name \"m\" is used twice (first at line 2)"), "\(described)")
        #expect(described.contains { $0.contains("curve_secret_key_file is not") })
    }

    @Test func badCommandLinesAreExplained() {
        let (_, errors) = DaemonCommandLine.parse(["--wrokers", "2", "--model", "noequals", "--config"])
        #expect(errors.map(\.message) == ["unknown option --wrokers (see --help)", "--model wants NAME=PATH, got \"noequals\"", "--config needs a value"])
        let (commandLine, _) = DaemonCommandLine.parse(["--workers", "many", "--ipc-mode", "0o600"])
        let (config, buildErrors) = ConfigurationLoader.build(fileText: nil, source: "none", commandLine: commandLine)
        #expect(buildErrors.map(\.description) == ["command line: --workers: \"many\" is not an integer"])
        #expect(config.ipcMode == 0o600)
    }

    @Test func helpListsEveryKey() {
        let help = ConfigurationLoader.helpText()
        for key in ConfigurationKeys.daemon { #expect(help.contains(key.optionName + " ")) }
    }
}

@Suite struct ConfigurationDocsTests {
    /// docs/configuration.md documents every key under its file and option names.
    @Test func docsListEveryKey() throws {
        let root = String(#filePath.split(separator: "/Tests/").first!)
        let text = try readTextFile(root + "/docs/configuration.md")
        for key in ConfigurationKeys.daemon {
            #expect(text.contains("| `\(key.name)` / `\(key.optionName)` |"), "\(key.name)")
        }
        for key in ConfigurationKeys.model {
            #expect(text.contains("| `\(key.name)` |"), "\(key.name)")
        }
    }
}
