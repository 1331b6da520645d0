/// The clock the trigger logic runs on. The system one is CLOCK_MONOTONIC, the clock the kernel
/// stamps GPIO edges with, so edge-to-result latency is one subtraction.
public protocol MonotonicClock: Sendable {
    func nowNs() -> UInt64
}

public struct SystemMonotonicClock: MonotonicClock {
    public init() {}
    public func nowNs() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}

/// A clock that only moves when told to: for deterministic tests of timing logic.
public final class ManualClock: MonotonicClock, @unchecked Sendable {
    private let lock = ConditionLock()
    private var now: UInt64

    public init(startNs: UInt64 = 1_000_000_000) { now = startNs }
    public func nowNs() -> UInt64 { lock.withLock { now } }
    public func advance(byNs delta: UInt64) { lock.withLock { now &+= delta } }
    public func set(ns: UInt64) { lock.withLock { now = ns } }
}
