/// The timing rules of one trigger, without threads or clocks of its own, so they can be tested
/// edge by edge:
/// - debounce: an edge less than `debounceNs` after the last accepted edge (kernel timestamps) is
///   a bounce and is dropped; a bouncing contact therefore gives one trigger;
/// - minimum interval: firings start at least `minIntervalNs` apart, and never overlap;
/// - no backlog: accepted edges that cannot fire yet collapse into one pending firing that
///   carries the latest edge and a count. Memory is constant whatever the edge rate.
public struct TriggerGate: Sendable {
    public let debounceNs: UInt64
    public let minIntervalNs: UInt64

    private var lastAcceptedNs: UInt64?
    private var lastFireNs: UInt64?
    private var pending: EdgeEvent?
    private var pendingCount = 0
    public private(set) var busy = false

    /// Counters for stats and tests.
    public private(set) var edgesSeen = 0
    public private(set) var edgesDebounced = 0
    public private(set) var firings = 0

    public init(debounceNs: UInt64, minIntervalNs: UInt64) {
        self.debounceNs = debounceNs; self.minIntervalNs = minIntervalNs
    }

    /// What a firing stands for: the latest accepted edge and how many accepted edges it merges.
    public struct Firing: Sendable, Equatable {
        public var edge: EdgeEvent
        public var mergedEdges: Int
        /// The time the gate started the firing (what the minimum interval is measured between).
        public var startedAtNs: UInt64
    }

    public var hasPending: Bool { pending != nil }
    /// Accepted edges waiting in the pending firing (they share one slot).
    public var pendingEdges: Int { pendingCount }

    public mutating func offer(_ edge: EdgeEvent) {
        edgesSeen += 1
        if let last = lastAcceptedNs, edge.timestampNs < last &+ debounceNs {
            edgesDebounced += 1
            return
        }
        lastAcceptedNs = edge.timestampNs
        pending = edge
        pendingCount += 1
    }

    /// When the pending firing may start, or nil if there is nothing to fire or one is running.
    public func readyAtNs() -> UInt64? {
        guard pending != nil, !busy else { return nil }
        guard let last = lastFireNs else { return 0 }
        return last &+ minIntervalNs
    }

    /// Starts the pending firing if it is due at `nowNs`; the gate is then busy until `finish()`.
    public mutating func take(nowNs: UInt64) -> Firing? {
        guard let ready = readyAtNs(), nowNs >= ready, let edge = pending else { return nil }
        let firing = Firing(edge: edge, mergedEdges: pendingCount, startedAtNs: nowNs)
        pending = nil
        pendingCount = 0
        busy = true
        lastFireNs = nowNs
        firings += 1
        return firing
    }

    public mutating func finish() { busy = false }
}
