// The simulation behind docs/governor.md's table and `ember board --simulate`: each board under a
// saturating MobileNetV2-sized load, with the real governor in the loop: once with its thermal
// shedding off (what the firmware alone does), once without a budget, once with a power budget.

public enum SimulationTable {
    public struct Row: Sendable {
        public var report: SimulationReport
        public var budgetLabel: String
        public var offeredRate: Double
        public var thermalShedding: Bool
    }

    /// Offered load as a share of what the board sustains at full speed: busy enough to heat a
    /// bare board past its soft limit, light enough that latency is service time, not queueing.
    public static let offeredFraction = 0.8

    /// MobileNetV2 1.0/224: 300 M multiply-accumulates.
    public static let mobileNetMACs = 300e6

    /// Offered rate: what 4 threads at the full clock would sustain back to back (saturating).
    public static func saturatingRate(_ p: BoardProfile) -> Double {
        let n = Double(p.cores)
        let seconds = mobileNetMACs / (Double(p.maxClockMHz) * 1e6 * p.int8MACsPerCycle * n / (1 + 0.15 * (n - 1))) + 0.0005
        return 1 / seconds
    }

    /// The budget row's power: idle plus half the dynamic range.
    public static func halfwayBudget(_ p: BoardProfile) -> Double {
        ((p.idleWatts + 0.5 * (p.fullLoadWatts - p.idleWatts)) * 10).rounded() / 10
    }

    /// `ambientC`: the air around the board (25 °C on a desk; more in an enclosure).
    public static func run(profiles: [BoardProfile], seconds: Int, seed: UInt64, ambientC: Double = 25) -> Result<[Row], FakeSysfsError> {
        var rows: [Row] = []
        for p in profiles {
            for (watts, shedding) in [(nil, false), (nil, true), (halfwayBudget(p), true)] {
                let tree: FakeSysfsTree
                switch FakeSysfsTree.makeTemporary(prefix: "ember-simulate") {
                case .success(let t): tree = t
                case .failure(let e): return .failure(e)
                }
                defer { tree.destroy() }
                var scenario = SimulationScenario()
                scenario.seconds = seconds
                scenario.seed = seed
                scenario.ambientC = ambientC
                let rate = (offeredFraction * saturatingRate(p) * 10).rounded() / 10
                let load = SimulatedLoad(model: "mobilenetv2", macs: mobileNetMACs, arrivalsPerSecond: rate, deadline: .milliseconds(500))
                var options = GovernorOptions()
                options.thermalShedding = shedding
                var sim = BoardSimulator(profile: p, budget: GovernorBudget(powerWatts: watts), options: options, scenario: scenario,
                                         load: load, tree: tree)
                rows.append(Row(report: sim.run(), budgetLabel: watts.map { "\(format($0)) W" } ?? "none", offeredRate: rate,
                                thermalShedding: shedding))
            }
        }
        return .success(rows)
    }

    public static func markdown(_ rows: [Row]) -> String {
        var out = ["| board | thermal shedding | power budget | offered /s | served /s | threads | mean ms | p99 ms | J / inference | avg W | max °C | firmware throttled s |",
                   "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for row in rows {
            let r = row.report
            let seconds = Double(r.ticks.count)
            let threads = r.ticks.last.map { String($0.decision.threads(for: r.load.model)) } ?? "-"
            let mean = r.latencies.isEmpty ? 0 : r.latencies.reduce(0, +) / Double(r.latencies.count)
            out.append("| \(r.profile.id) | \(row.thermalShedding ? "on" : "off") | \(row.budgetLabel) | \(format(row.offeredRate)) | \(format(Double(r.completed) / seconds)) | \(threads) | \(format(mean * 1000)) | \(format(r.latencyPercentile(0.99) * 1000)) | \(format3(r.joulesPerInference)) | \(format(r.averageWatts)) | \(format(r.maxCelsius)) | \(r.firmwareThrottledSeconds) |")
        }
        return out.joined(separator: "\n")
    }
}
