// The governor's keys in emberd's configuration: file, command line, and errors naming the line.
import Testing
@testable import EmberDaemon

@Suite struct GovernorConfigurationTests {
    @Test func defaultsAreOnWithoutBudgets() {
        let g = DaemonConfiguration().governor
        #expect(g.enabled && g.board == "" && g.sysfsRoot == "/" && !g.cpufreqControl && !g.pinThreads)
        #expect(g.powerBudgetWatts == 0 && g.energyBudgetJoules == 0 && g.tickMilliseconds == 1000)
        #expect(ModelConfiguration().latencyObjectiveMilliseconds == nil)
    }

    @Test func fileAndCommandLineSetEveryKey() {
        let text = """
        governor = true
        board = "pi-5"
        sysfs_root = "/tmp/fake"
        power_budget_watts = 6
        energy_budget_joules = 0.25
        cpufreq_control = true
        governor_tick_ms = 250
        pin_threads = true
        [[model]]
        name = "m"
        path = "/m.ember"
        latency_objective_ms = 120
        """
        let (commandLine, argumentErrors) = DaemonCommandLine.parse(["--power-budget-watts", "5.5", "--governor-tick-ms=500"])
        #expect(argumentErrors.isEmpty)
        let (config, errors) = ConfigurationLoader.build(fileText: text, source: "g.toml", commandLine: commandLine)
        #expect(errors.isEmpty, "\(errors)")
        let g = config.governor
        #expect(g.board == "pi-5" && g.sysfsRoot == "/tmp/fake" && g.cpufreqControl && g.pinThreads)
        #expect(g.powerBudgetWatts == 5.5, "the command line wins")
        #expect(g.energyBudgetJoules == 0.25 && g.tickMilliseconds == 500)
        #expect(config.models.first?.latencyObjectiveMilliseconds == 120)
    }

    @Test func badValuesNameTheLine() {
        let text = """
        board = "pi-9"
        power_budget_watts = "lots"
        energy_budget_joules = -1
        governor_tick_ms = 1
        sysfs_root = "relative"
        governor = 1
        [[model]]
        name = "m"
        path = "/m.ember"
        latency_objective_ms = 1.5
        """
        let (_, errors) = ConfigurationLoader.build(fileText: text, source: "b.toml", commandLine: DaemonCommandLine())
        let d = errors.map(\.description)
        #expect(d.contains { $0.hasPrefix("b.toml:1: board \"pi-9\" is not a known profile (known: ") && $0.contains("pi-4b-1500") }, "\(d)")
        #expect(d.contains("b.toml:2: power_budget_watts must be a number, not string"))
        #expect(d.contains("b.toml:3: energy_budget_joules is -1.0; it must be 0.0...10000.0"))
        #expect(d.contains("b.toml:4: governor_tick_ms is 1; it must be 10...60000"))
        #expect(d.contains("b.toml:5: sysfs_root \"relative\" must be an absolute path"))
        #expect(d.contains("b.toml:6: governor must be true or false, not integer"))
        #expect(d.contains("b.toml:10: latency_objective_ms must be an integer, not float"))

        let (commandLine, _) = DaemonCommandLine.parse(["--power-budget-watts", "watts", "--cpufreq-control", "yes"])
        let (_, cliErrors) = ConfigurationLoader.build(fileText: nil, source: "none", commandLine: commandLine)
        #expect(cliErrors.map(\.description) == ["command line: --power-budget-watts: \"watts\" is not a number",
                                                  "command line: --cpufreq-control: \"yes\" is not true or false"])
    }
}
