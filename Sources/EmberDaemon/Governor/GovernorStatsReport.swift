// The `governor` object of the `stats` reply (docs/protocol.md, "stats"): the board, the latest
// decision with its reasons, the budgets, admission counts, the learned latency and energy per
// model and thread count, sysfs files that cannot be read, and the latest events.
import EmberGovernor
import EmberTransport

enum GovernorStatsReport {
    static func json(stats: GovernorStats, detection: BoardDetection, budget: GovernorBudget, recentEvents: [Event]) -> JSONValue {
        // One field per statement: long literals of mixed closures are slow for Swift 6.0's type checker.
        var fields: [(String, JSONValue)] = []
        fields.append(("board", .string(detection.profile.id)))
        fields.append(("board_reason", .string(detection.reason)))
        if let d = stats.decision {
            fields.append(("thread_cap", .int(Int64(d.threadCap))))
            let cores: [JSONValue] = d.cores.map { JSONValue.int(Int64($0)) }
            fields.append(("cores", .array(cores)))
            fields.append(("max_rate", optional(d.maxRate)))
            fields.append(("thermal_pressure", number(d.thermalPressure)))
            fields.append(("celsius", optional(d.celsius)))
            fields.append(("clock_scale", number(d.clockScale)))
            fields.append(("throttled", throttleJSON(d.throttle)))
            fields.append(("under_voltage", .bool(d.throttle?.contains(.underVoltage) == true)))
            fields.append(("estimated_watts", optional(d.estimatedWatts)))
            let reasons: [JSONValue] = d.reasons.map { JSONValue.string($0) }
            fields.append(("reasons", .array(reasons)))
        }
        var objectives: [(String, JSONValue)] = []
        for (model, objective) in budget.latencyObjectives.sorted(by: { $0.key < $1.key }) {
            objectives.append((model, number(milliseconds(objective))))
        }
        let budgetFields: [(String, JSONValue)] = [
            ("power_watts", optional(budget.powerWatts)), ("energy_joules", optional(budget.energyPerInferenceJoules)),
            ("latency_objectives_ms", .object(objectives)),
        ]
        fields.append(("budget", .object(budgetFields)))
        let c = stats.counters
        let admission: [(String, JSONValue)] = [
            ("run", .int(Int64(c.admitted))), ("deferred", .int(Int64(c.deferred))),
            ("deadline_unmeetable", .int(Int64(c.rejectedDeadline))), ("over_budget", .int(Int64(c.rejectedBudget))),
        ]
        fields.append(("admission", .object(admission)))
        var models: [(String, JSONValue)] = []
        for model in stats.models {
            var rows: [JSONValue] = []
            for row in model.rows {
                let rowFields: [(String, JSONValue)] = [
                    ("threads", .int(Int64(row.threads))), ("samples", .int(Int64(row.samples))),
                    ("mean_ms", number(row.meanSeconds * 1000)), ("p99_ms", number(row.p99Seconds * 1000)), ("joules", number(row.joules)),
                ]
                rows.append(.object(rowFields))
            }
            let threads: JSONValue = model.chosenThreads.map { JSONValue.int(Int64($0)) } ?? .null
            models.append((model.name, .object([("threads", threads), ("latency", .array(rows))])))
        }
        fields.append(("models", .object(models)))
        var problems: [(String, JSONValue)] = []
        for (path, kind) in stats.sysfsProblems.sorted(by: { $0.key < $1.key }) { problems.append((path, .string(kind))) }
        fields.append(("sysfs_problems", .object(problems)))
        fields.append(("events_dropped", .int(Int64(stats.droppedEvents))))
        var events: [JSONValue] = []
        for event in recentEvents {
            let name = JSONValue.string(String(event.topic.dropFirst("ember.".count)))
            events.append(.object([("event", name)] + event.fields))
        }
        fields.append(("recent_events", .array(events)))
        return .object(fields)
    }

    static func optional(_ x: Double?) -> JSONValue {
        guard let x else { return .null }
        return number(x)
    }

    static func throttleJSON(_ flags: ThrottleFlags?) -> JSONValue {
        guard let flags else { return .null }
        let names: [JSONValue] = flags.names.map { JSONValue.string($0) }
        return .object([("flags", .string(flags.hex)), ("names", .array(names))])
    }

    /// The governor's part of the Prometheus text file (unknown values are left out).
    static func prometheus(stats: GovernorStats) -> String {
        var out = ""
        func gauge(_ name: String, _ help: String, _ value: Double?) {
            guard let value, value.isFinite else { return }
            out += "# HELP ember_governor_\(name) \(help)\n# TYPE ember_governor_\(name) gauge\nember_governor_\(name) \(value)\n"
        }
        let d = stats.decision
        gauge("thread_cap", "Most threads an inference may use now.", d.map { Double($0.threadCap) })
        gauge("thermal_pressure", "0 (cool) to 1 (at the soft limit).", d?.thermalPressure)
        gauge("cpu_celsius", "CPU temperature the governor read.", d?.celsius)
        gauge("clock_scale", "Current CPU clock over its maximum.", d?.clockScale)
        gauge("estimated_watts", "Board power estimated from the recent inference rate.", d?.estimatedWatts)
        gauge("max_rate", "Most inferences per second allowed now (absent: no limit).", d?.maxRate)
        gauge("under_voltage", "1 while the firmware reports under-voltage.", d?.throttle.map { $0.contains(.underVoltage) ? 1 : 0 })
        let c = stats.counters
        out += "# HELP ember_governor_admissions_total Admission verdicts by outcome.\n# TYPE ember_governor_admissions_total counter\n"
        for (outcome, n) in [("run", c.admitted), ("deferred", c.deferred), ("deadline_unmeetable", c.rejectedDeadline), ("over_budget", c.rejectedBudget)] {
            out += "ember_governor_admissions_total{outcome=\"\(outcome)\"} \(n)\n"
        }
        return out
    }

    /// Finite numbers rounded to 0.0001 (stats are for reading, not bit-exact); others null.
    static func number(_ x: Double) -> JSONValue {
        guard x.isFinite else { return .null }
        return .double((x * 10_000).rounded() / 10_000)
    }

    static func milliseconds(_ d: Duration) -> Double {
        let c = d.components
        return Double(c.seconds) * 1000 + Double(c.attoseconds) / 1e15
    }
}
