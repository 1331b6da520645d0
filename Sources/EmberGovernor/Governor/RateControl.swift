// Completed-inference rate over a sliding window, and the token bucket that enforces a maximum
// rate at admission.

struct RateMeter: Sendable {
    /// Completion times, oldest first, from `head` on (a queue without O(n) removals).
    private var times: [ContinuousClock.Instant] = []
    private var head = 0
    let window: Duration

    init(window: Duration) { self.window = window }

    mutating func record(_ t: ContinuousClock.Instant) {
        times.append(t)
        prune(now: t)
    }

    mutating func prune(now: ContinuousClock.Instant) {
        let cutoff = now - window
        while head < times.count, times[head] <= cutoff { head += 1 }
        if head > 1024 && head * 2 > times.count {
            times.removeFirst(head)
            head = 0
        }
    }

    /// Completions per second over the window; nil before a full window of history exists.
    func rate(now: ContinuousClock.Instant, since start: ContinuousClock.Instant) -> Double? {
        guard now - start >= window else { return nil }
        let cutoff = now - window
        var count = 0
        for t in times[head...] where t > cutoff && t <= now { count += 1 }
        return Double(count) / window.seconds
    }
}

/// Enforces an average rate of something: requests (cost 1 each) for the thermal rate cap, or
/// joules above idle for the power budget (each inference costs its predicted energy, so a
/// request that runs with more threads than planned pays for them).
struct TokenBucket: Sendable {
    /// Units per second; nil = unlimited.
    private(set) var rate: Double?
    /// Burst allowance: one second's worth, and at least this much.
    let minimumCapacity: Double
    private var tokens = 0.0
    private var last: ContinuousClock.Instant?

    init(minimumCapacity: Double) { self.minimumCapacity = minimumCapacity }

    var capacity: Double { max(minimumCapacity, rate ?? 0) }

    mutating func setRate(_ r: Double?) {
        let wasUnlimited = rate == nil
        rate = r
        // A new limit starts with a full bucket; a changed one keeps what is left.
        tokens = wasUnlimited ? capacity : min(tokens, capacity)
    }

    mutating func refill(now: ContinuousClock.Instant) {
        guard let last else { self.last = now; return }
        // A caller may pass an earlier time than the last one (requests retried out of order):
        // time never runs backwards here, or the same interval would be refilled twice.
        guard now > last else { return }
        if let rate { tokens = min(capacity, tokens + (now - last).seconds * rate) }
        self.last = now
    }

    /// How long until `cost` could be taken (nil: now), without taking it.
    mutating func waitIfTaken(_ cost: Double, now: ContinuousClock.Instant) -> Duration? {
        refill(now: now)
        guard let rate else { return nil }
        let needed = min(cost, capacity)
        if tokens >= needed { return nil }
        guard rate > 0 else { return .seconds(3600) }
        return .seconds((needed - tokens) / rate)
    }

    /// Takes `cost`, or returns how long until it can be taken (unlimited: always now). A cost
    /// larger than the bucket is allowed from a full bucket and leaves a debt.
    mutating func take(_ cost: Double, now: ContinuousClock.Instant) -> Duration? {
        refill(now: now)
        guard let rate else { return nil }
        let needed = min(cost, capacity)
        if tokens >= needed {
            tokens -= cost
            return nil
        }
        guard rate > 0 else { return .seconds(3600) }
        return .seconds((needed - tokens) / rate)
    }
}

extension Duration {
    var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }
}
