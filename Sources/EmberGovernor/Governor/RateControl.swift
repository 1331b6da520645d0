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

struct TokenBucket: Sendable {
    private(set) var rate: Double?
    private var tokens = 1.0
    private var last: ContinuousClock.Instant?

    /// Up to one second of burst, and at least one request.
    var capacity: Double { max(1, rate ?? 1) }

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

    /// Takes a token, or returns how long until one is available (nil rate: always free).
    mutating func take(now: ContinuousClock.Instant) -> Duration? {
        refill(now: now)
        guard let rate else { return nil }
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        guard rate > 0 else { return .seconds(3600) }
        return .seconds((1 - tokens) / rate)
    }
}

extension Duration {
    var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }
}
