// The `stats` reply and the Prometheus text file, from one snapshot.
import EmberTransport

struct DaemonCounters: Sendable {
    var requests = 0
    var errors = ErrorCounts()
}

enum StatsReport {
    static func json(models: [Scheduler.ModelSnapshot], counters: DaemonCounters, uptimeSeconds: Double, inFlight: Int) -> [(String, JSONValue)] {
        let perModel = models.map { model -> (String, JSONValue) in
            (model.name, .object([
                ("requests", .int(Int64(model.stats.requests))), ("ok", .int(Int64(model.stats.ok))),
                ("shared_runs", .int(Int64(model.stats.sharedRuns))),
                ("errors", model.stats.errors.json()),
                ("queue_depth", .int(Int64(model.queued))), ("running", .int(Int64(model.running))),
                ("queue_capacity", .int(Int64(model.capacity))), ("generation", .int(Int64(model.generation))),
                ("latency_us", model.stats.inference.json()), ("queued_us", model.stats.queued.json()),
                ("engine", .object(model.model.engineStats)),
            ]))
        }
        return [
            ("uptime_s", .double(uptimeSeconds)), ("rss_bytes", .int(Int64(residentSetBytes()))),
            ("in_flight", .int(Int64(inFlight))), ("requests", .int(Int64(counters.requests))),
            ("errors", counters.errors.json()), ("models", .object(perModel)),
        ]
    }

    /// Prometheus text exposition format (for node_exporter's textfile collector).
    static func prometheus(models: [Scheduler.ModelSnapshot], counters: DaemonCounters, uptimeSeconds: Double) -> String {
        var out = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            out += "# HELP ember_\(name) \(help)\n# TYPE ember_\(name) \(type)\n"
            for sample in samples { out += "ember_\(name)\(sample.labels) \(sample.value)\n" }
        }
        func label(_ model: String, _ extra: String = "") -> String {
            let escaped = model.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"")
            return "{model=\"\(escaped)\"\(extra)}"
        }
        metric("uptime_seconds", "gauge", "Seconds since emberd started.", [("", "\(uptimeSeconds)")])
        metric("resident_memory_bytes", "gauge", "Resident set size of emberd.", [("", "\(residentSetBytes())")])
        metric("messages_total", "counter", "Messages received on the request sockets.", [("", "\(counters.requests)")])
        metric("model_requests_total", "counter", "Infer requests per model.", models.map { (label($0.name), "\($0.stats.requests)") })
        metric("model_success_total", "counter", "Successful inferences per model.", models.map { (label($0.name), "\($0.stats.ok)") })
        metric("model_shared_runs_total", "counter", "Successful requests that ran together with others (batch_tokens).",
               models.map { (label($0.name), "\($0.stats.sharedRuns)") })
        metric("model_errors_total", "counter", "Failed infer requests per model and error code.",
               models.flatMap { model in model.stats.errors.counts.map { (label(model.name, ",code=\"\($0.0.rawValue)\""), "\($0.1)") } })
        metric("model_queue_depth", "gauge", "Requests waiting per model.", models.map { (label($0.name), "\($0.queued)") })
        metric("model_generation", "gauge", "Loads of the model (grows at each reload).", models.map { (label($0.name), "\($0.generation)") })
        var latency: [(String, String)] = []
        for model in models {
            guard let p = model.stats.inference.percentiles([0.5, 0.9, 0.99]) else { continue }
            for (q, value) in zip(["0.5", "0.9", "0.99"], p) {
                latency.append((label(model.name, ",quantile=\"\(q)\""), "\(Double(value) / 1e9)"))
            }
        }
        metric("model_inference_seconds", "summary", "Inference time over the last 1024 requests.", latency)
        return out
    }
}
