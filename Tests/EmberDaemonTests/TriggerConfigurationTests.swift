// [[trigger]] and [gpio] tables read by the daemon's TOML parser and checked by EmberGPIO's
// trigger parser, errors with file and line.
import EmberDaemon
import EmberGPIO
import Testing

@Suite struct TriggerConfigurationTests {
    @Test func triggersAndGPIOSettingsComeFromTheDaemonsFile() {
        let text = """
        [[model]]
        name = "m"
        path = "/m.ember"

        [gpio]
        backend = "simulated"
        simulated_fifo = "/run/ember/gpio-sim"

        [[trigger]]
        name = "hall"
        model = "m"
        chip = "pinctrl-rp1"
        line = "GPIO17"
        edge = "falling"
        bias = "pull-up"
        active_low = true
        debounce_ms = 20
        min_interval_ms = 500
        source = "command"
        source_command = ["rpicam-still", "-o", "-"]
        top_k = 2
        action_label = "person"
        action_threshold = 0.7
        action_lines = ["GPIO27", 22]
        action_hold_ms = 1500
        """
        let (config, errors) = ConfigurationLoader.build(fileText: text, source: "g.toml", commandLine: DaemonCommandLine())
        #expect(errors.isEmpty, "\(errors)")
        #expect(config.gpio.settings == GPIOSettings(backend: .simulated, simulatedFIFO: "/run/ember/gpio-sim"))
        #expect(config.gpio.lines == ["hall": 9])
        let trigger = try? #require(config.gpio.triggers.first)
        #expect(trigger?.line == InputLineSpec(chip: "pinctrl-rp1", line: .name("GPIO17"), edge: .falling, bias: .pullUp, activeLow: true, consumer: "emberd:hall"))
        #expect(trigger?.debounceNs == 20_000_000 && trigger?.minIntervalNs == 500_000_000 && trigger?.topK == 2)
        #expect(trigger?.source == .command(argv: ["rpicam-still", "-o", "-"], timeoutMs: 5000, maxBytes: 16 << 20))
        #expect(trigger?.action?.outputs.map(\.line) == [.name("GPIO27"), .offset(22)])
        #expect(trigger?.action?.holdNs == 1_500_000_000 && trigger?.action?.threshold == 0.7)
    }

    @Test func errorsNameFileLineAndKey() {
        let text = """
        [[model]]
        name = "m"
        path = "/m.ember"
        [gpio]
        backend = "fake"
        [[trigger]]
        name = "a"
        model = "m"
        line = "GPIO17"
        source = "file"
        source_path = "/x"
        [[trigger]]
        name = "a"
        model = "m"
        line = 3
        source = "file"
        source_path = "/x"
        [[trigger]]
        name = "c"
        model = "m"
        line = 4
        source = "file"
        source_path = "/x"
        debounce_mss = 5
        [trigger]
        [[gpio]]
        [[trigger]]
        name = "b c"
        model = "m"
        """
        let (config, errors) = ConfigurationLoader.build(fileText: text, source: "e.toml", commandLine: DaemonCommandLine())
        let described = errors.map(\.description)
        #expect(described.contains("e.toml:5: [gpio]: key 'backend': expected one of libgpiod, simulated; got \"fake\""), "\(described)")
        #expect(described.contains("e.toml:12: [[trigger]] name \"a\" is used twice (first at line 6)"), "\(described)")
        #expect(described.contains("e.toml:24: [[trigger]] #3 \"c\": key 'debounce_mss': unknown key (did you mean 'debounce_ms'?)"), "\(described)")
        #expect(described.contains("e.toml:25: [trigger] is not a table name; triggers are declared with [[trigger]]"), "\(described)")
        #expect(described.contains("e.toml:26: [[gpio]] is not a table name; GPIO settings go in one [gpio] table"), "\(described)")
        #expect(described.contains { $0.hasPrefix("e.toml:28: [[trigger]] #4: key 'name': \"b c\" must be") }, "\(described)")
        #expect(described.contains("e.toml:27: [[trigger]] #4: key 'line': missing (required)"), "\(described)")
        #expect(config.gpio.triggers.map(\.name) == ["a"])
    }

    @Test func aTriggersModelMustBeConfigured() {
        let text = "[[trigger]]\nname = \"t\"\nmodel = \"ghost\"\nline = 1\nsource = \"file\"\nsource_path = \"/x\"\n"
        let (_, errors) = ConfigurationLoader.build(fileText: text, source: "m.toml", commandLine: DaemonCommandLine())
        #expect(errors.map(\.description) == ["m.toml:1: [[trigger]] \"t\": model \"ghost\" is not a [[model]] (no models are configured)"])
    }
}
