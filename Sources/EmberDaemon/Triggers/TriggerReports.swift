// The triggers' sections of `health` and `stats`, and their lines in the Prometheus text file.
import EmberGPIO
import EmberTransport

extension TriggerSupervisor {
    func healthJSON() -> JSONValue {
        .array(snapshot().map { record, _ in
            var fields: [(String, JSONValue)] = [("name", .string(record.config.name)), ("state", .string(record.state))]
            if let failure = record.failure { fields.append(("error", .string(failure))) }
            return .object(fields)
        })
    }

    func statsJSON() -> JSONValue {
        .object(snapshot().map { record, gate in
            let trigger = record.config
            var fields: [(String, JSONValue)] = [
                ("state", .string(record.state)), ("model", .string(trigger.model)), ("chip", .string(trigger.line.chip)),
                ("line", TriggerRecord.json(trigger.line.line)),
            ]
            if let failure = record.failure { fields.append(("error", .string(failure))) }
            fields += [
                ("edges", .int(Int64(gate?.edgesSeen ?? 0))), ("edges_debounced", .int(Int64(gate?.edgesDebounced ?? 0))),
                ("firings", .int(Int64(record.firings))), ("results", .int(Int64(record.results))),
                ("errors", record.errors.json()), ("gpio_errors", .int(Int64(record.gpioErrors))),
                ("actions", .int(Int64(gate?.actionsTaken ?? 0))), ("latency_us", record.latency.json()),
            ]
            return (trigger.name, .object(fields))
        })
    }

    /// Prometheus text exposition lines, appended to the stats text file.
    func prometheusText() -> String {
        let triggers = snapshot()
        var out = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            out += "# HELP ember_\(name) \(help)\n# TYPE ember_\(name) \(type)\n"
            for sample in samples { out += "ember_\(name)\(sample.labels) \(sample.value)\n" }
        }
        // Trigger names are plain words (checked by the parser); no escaping needed.
        func label(_ record: TriggerRecord, _ extra: String = "") -> String { "{trigger=\"\(record.config.name)\"\(extra)}" }
        metric("trigger_up", "gauge", "1 when the trigger is running, 0 when it failed to start or stopped.",
               triggers.map { (label($0.record), $0.record.state == "running" ? "1" : "0") })
        metric("trigger_edges_total", "counter", "Edges read from the trigger's line.", triggers.map { (label($0.record), "\($0.gate?.edgesSeen ?? 0)") })
        metric("trigger_edges_debounced_total", "counter", "Edges dropped as bounces.", triggers.map { (label($0.record), "\($0.gate?.edgesDebounced ?? 0)") })
        metric("trigger_firings_total", "counter", "Firings (inputs read, inferences started).", triggers.map { (label($0.record), "\($0.record.firings)") })
        metric("trigger_results_total", "counter", "Results published.", triggers.map { (label($0.record), "\($0.record.results)") })
        metric("trigger_errors_total", "counter", "Firings that ended in an error event, by code.",
               triggers.flatMap { entry in entry.record.errors.counts.map { (label(entry.record, ",code=\"\($0.0)\""), "\($0.1)") } })
        metric("trigger_actions_total", "counter", "Times the action drove its output lines.", triggers.map { (label($0.record), "\($0.gate?.actionsTaken ?? 0)") })
        var latency: [(String, String)] = []
        for entry in triggers {
            guard let p = entry.record.latency.percentiles([0.5, 0.9, 0.99]) else { continue }
            for (q, value) in zip(["0.5", "0.9", "0.99"], p) { latency.append((label(entry.record, ",quantile=\"\(q)\""), "\(Double(value) / 1e9)")) }
        }
        metric("trigger_latency_seconds", "summary", "Edge (kernel timestamp) to result, over the last 1024 results.", latency)
        return out
    }
}
