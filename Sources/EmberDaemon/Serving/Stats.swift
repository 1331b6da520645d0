// Counters and latency percentiles. Not thread-safe by themselves: the Scheduler guards them.
import EmberTransport

/// The last `capacity` durations, for percentiles over recent traffic.
struct LatencyWindow: Sendable {
    static let capacity = 1024
    private var samples: [UInt64] = []
    private var next = 0

    var count: Int { samples.count }

    mutating func add(_ nanoseconds: UInt64) {
        if samples.count < Self.capacity {
            samples.append(nanoseconds)
        } else {
            samples[next] = nanoseconds
        }
        next = (next + 1) % Self.capacity
    }

    /// Nearest-rank percentiles (q in 0...1) in nanoseconds; nil when empty.
    func percentiles(_ qs: [Double]) -> [UInt64]? {
        guard !samples.isEmpty else { return nil }
        let sorted = samples.sorted()
        return qs.map { q in
            let rank = Int((q * Double(sorted.count)).rounded(.up))
            return sorted[min(max(rank, 1), sorted.count) - 1]
        }
    }

    func json() -> JSONValue {
        guard let p = percentiles([0.5, 0.9, 0.99]) else { return .object([("window", .int(0))]) }
        return .object([("window", .int(Int64(count))), ("p50", .int(Int64(p[0] / 1000))),
                        ("p90", .int(Int64(p[1] / 1000))), ("p99", .int(Int64(p[2] / 1000)))])
    }
}

/// Error counts by code, in first-seen order.
struct ErrorCounts: Sendable {
    private(set) var counts: [(WireErrorCode, Int)] = []

    mutating func add(_ code: WireErrorCode) {
        if let index = counts.firstIndex(where: { $0.0 == code }) { counts[index].1 += 1 } else { counts.append((code, 1)) }
    }

    var total: Int { counts.reduce(0) { $0 + $1.1 } }

    func json() -> JSONValue { .object(counts.map { ($0.0.rawValue, .int(Int64($0.1))) }) }
}

struct ModelStats: Sendable {
    var requests = 0
    var ok = 0
    /// Successful requests that ran together with others (`batch_tokens`).
    var sharedRuns = 0
    var errors = ErrorCounts()
    /// Per request, as clients see them.
    var inference = LatencyWindow()
    var queued = LatencyWindow()
    /// Per unit of work (a batch of texts: its time over its text count), for estimates.
    private var perUnit = LatencyWindow()
    /// Median inference time of one unit, kept up to date for deadline estimates (recomputing it
    /// per request would sort the window every time).
    var typicalInferenceNanoseconds: UInt64 = 0
    private var sinceEstimate = 0

    mutating func recordSuccess(inference nanoseconds: UInt64, queued queuedNanoseconds: UInt64, units: Int) {
        ok += 1
        inference.add(nanoseconds)
        queued.add(queuedNanoseconds)
        let unit = nanoseconds / UInt64(max(1, units))
        perUnit.add(unit)
        sinceEstimate += 1
        if typicalInferenceNanoseconds == 0 || sinceEstimate >= 32 {
            typicalInferenceNanoseconds = perUnit.percentiles([0.5])?[0] ?? unit
            sinceEstimate = 0
        }
    }
}
