// What the governor hands the daemon: how to run inferences now, and whether to run this one.

public struct Decision: Sendable, Equatable {
    public var time: ContinuousClock.Instant
    /// Most threads any inference may use now (thermal, supply and configuration limits).
    public var threadCap: Int
    /// Threads chosen per model (within the cap) from the learned latency; models without an
    /// entry use the cap.
    public var threads: [String: Int]
    /// CPUs to run inference threads on, fastest cluster first (the first `threadCap`).
    public var cores: [Int]
    /// Most inferences per second, all models together; nil = no limit.
    public var maxRate: Double?
    /// 0 (cool) ... 1 (at the soft limit, or the firmware throttling).
    public var thermalPressure: Double
    public var celsius: Double?
    /// Current clock over the hardware maximum (1 when unknown).
    public var clockScale: Double
    public var throttle: ThrottleFlags?
    /// Board power estimated at the recent inference rate.
    public var estimatedWatts: Double?
    /// Why, one short sentence each.
    public var reasons: [String]

    public func threads(for model: String) -> Int { threads[model] ?? threadCap }
}

public enum RejectReason: String, Sendable, Equatable {
    case deadlineUnmeetable = "deadline_unmeetable"
    case overBudget = "over_budget"
}

public enum Admission: Sendable, Equatable {
    /// Run now with this many threads.
    case run(threads: Int, reason: String)
    /// Not now (rate limit): ask again after this long.
    case deferred(retryAfter: Duration, reason: String)
    /// Answer the client with this error.
    case reject(RejectReason, reason: String)

    public var reason: String {
        switch self {
        case .run(_, let r), .deferred(_, let r), .reject(_, let r): r
        }
    }
}
