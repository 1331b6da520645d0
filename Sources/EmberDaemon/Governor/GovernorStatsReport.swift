// The `governor` object of the `stats` reply (docs/protocol.md, "stats"): the board, the latest
// decision with its reasons, the budgets, admission counts, the learned latency and energy per
// model and thread count, sysfs files that cannot be read, and the latest events.
import EmberGovernor
import EmberTransport

enum GovernorStatsReport {
    static func json(stats: GovernorStats, detection: BoardDetection, budget: GovernorBudget, recentEvents: [Event]) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("board", .string(detection.profile.id)), ("board_reason", .string(detection.reason)),
        ]
        if let d = stats.decision {
            fields += [
                ("thread_cap", .int(Int64(d.threadCap))), ("cores", .array(d.cores.map { .int(Int64($0)) })),
                ("max_rate", d.maxRate.map { number($0) } ?? .null), ("thermal_pressure", number(d.thermalPressure)),
                ("celsius", d.celsius.map { number($0) } ?? .null), ("clock_scale", number(d.clockScale)),
                ("throttled", d.throttle.map { .object([("flags", .string($0.hex)), ("names", .array($0.names.map { .string($0) }))]) } ?? .null),
                ("under_voltage", .bool(d.throttle?.contains(.underVoltage) == true)),
                ("estimated_watts", d.estimatedWatts.map { number($0) } ?? .null),
                ("reasons", .array(d.reasons.map { .string($0) })),
            ]
        }
        fields.append(("budget", .object([
            ("power_watts", budget.powerWatts.map { number($0) } ?? .null),
            ("energy_joules", budget.energyPerInferenceJoules.map { number($0) } ?? .null),
            ("latency_objectives_ms", .object(budget.latencyObjectives.sorted { $0.key < $1.key }.map { ($0.key, number(milliseconds($0.value))) })),
        ])))
        let c = stats.counters
        fields.append(("admission", .object([
            ("run", .int(Int64(c.admitted))), ("deferred", .int(Int64(c.deferred))),
            ("deadline_unmeetable", .int(Int64(c.rejectedDeadline))), ("over_budget", .int(Int64(c.rejectedBudget))),
        ])))
        fields.append(("models", .object(stats.models.map { model in
            (model.name, .object([
                ("threads", model.chosenThreads.map { .int(Int64($0)) } ?? .null),
                ("latency", .array(model.rows.map { row in
                    .object([("threads", .int(Int64(row.threads))), ("samples", .int(Int64(row.samples))),
                             ("mean_ms", number(row.meanSeconds * 1000)), ("p99_ms", number(row.p99Seconds * 1000)),
                             ("joules", number(row.joules))])
                })),
            ]))
        })))
        fields.append(("sysfs_problems", .object(stats.sysfsProblems.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
        fields.append(("events_dropped", .int(Int64(stats.droppedEvents))))
        fields.append(("recent_events", .array(recentEvents.map { event in
            .object([("event", .string(String(event.topic.dropFirst("ember.".count))))] + event.fields)
        })))
        return .object(fields)
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
