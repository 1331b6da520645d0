import ArgumentParser
import EmberGovernor

/// `ember board`: the detected board profile and live readings; `--simulate` runs the governor
/// against simulated Raspberry Pi boards (the table in docs/governor.md).
struct BoardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "board",
        abstract: "Show the detected board profile and live temperature, clock and throttling readings.",
        discussion: """
            Detection reads /proc/device-tree/model and /proc/cpuinfo under --root. --simulate runs the \
            governor against simulated boards under a MobileNetV2-sized load and prints a Markdown table \
            (latency and estimated energy per inference against a power budget).
            """
    )

    @Option(help: "Use this profile instead of detecting one (see --list).")
    var profile: String?

    @Option(help: "Directory standing for / when reading /proc and /sys (for tests and chroots).")
    var root = "/"

    @Flag(help: "List the built-in board profiles.")
    var list = false

    @Flag(help: "Simulate the governor on the Raspberry Pi profiles instead of reading this board.")
    var simulate = false

    @Option(help: "With --simulate: simulated seconds per run.")
    var seconds = 600

    @Option(help: "With --simulate: random seed (runs are reproducible).")
    var seed: UInt64 = 1

    @Option(help: "With --simulate: air temperature around the board, °C.")
    var ambient = 25.0
    @Option(help: "With --simulate: comma-separated profile ids (default: every Raspberry Pi profile).")
    var boards: String?

    func run() throws {
        if !BoardCatalog.problems.isEmpty {
            for p in BoardCatalog.problems { printError("ember board: built-in profile broken: \(p)") }
            throw ExitCode(1)
        }
        if list {
            for p in BoardCatalog.profiles { print("\(p.id.padding(18))\(p.name)") }
            return
        }
        if simulate { return try runSimulation() }
        let sysfs = SysfsRoot(root)
        let detection: BoardDetection
        do {
            detection = try BoardDetector(sysfs: sysfs).detect(override: profile)
        } catch {
            printError("ember board: \(error)")
            throw ExitCode(1)
        }
        var reader = SysfsReader(root: sysfs)
        let result = reader.read()
        print(BoardReport.describe(detection, readings: result.readings, problems: result.newProblems))
    }

    func runSimulation() throws {
        guard (1...86_400).contains(seconds) else {
            printError("ember board: --seconds \(seconds) must be 1...86400")
            throw ExitCode(1)
        }
        let ids = boards.map { $0.split(separator: ",").map(String.init) }
            ?? BoardCatalog.profiles.filter { $0.modelPrefixes.contains { $0.hasPrefix("Raspberry Pi") } }.map(\.id)
        var profiles: [BoardProfile] = []
        for id in ids {
            guard let p = BoardCatalog.profile(id: id) else {
                printError("ember board: unknown profile '\(id)' (see ember board --list)")
                throw ExitCode(1)
            }
            profiles.append(p)
        }
        guard ambient.isFinite, (-40...60).contains(ambient) else {
            printError("ember board: --ambient \(ambient) must be -40...60 °C")
            throw ExitCode(1)
        }
        switch SimulationTable.run(profiles: profiles, seconds: seconds, seed: seed, ambientC: ambient) {
        case .success(let rows): print(SimulationTable.markdown(rows))
        case .failure(let e):
            printError("ember board: \(e)")
            throw ExitCode(1)
        }
    }
}
