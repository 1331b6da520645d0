/// What the daemon receives when a trigger fires: run `model` on `input` (or publish the error),
/// then return the scores so the trigger can evaluate its action.
public struct TriggerEvent: Sendable {
    public var trigger: String
    public var model: String
    /// The latest accepted edge this firing stands for, with the kernel's timestamp.
    public var edge: EdgeEvent
    /// Accepted (debounced) edges merged into this firing: 1 unless edges arrived while the
    /// previous firing ran or the minimum interval had not passed.
    public var mergedEdges: Int
    /// When the firing started (CLOCK_MONOTONIC ns, same clock as `edge.timestampNs`).
    public var firedAtNs: UInt64
    /// The input read at firing time, or why it could not be read. The trigger stays armed either way.
    public var input: Result<InputPayload, InputSourceError>
}

/// Something that went wrong outside a firing (an output line, an edge read) or a trigger that
/// could not start. The daemon logs and publishes these.
public struct TriggerProblem: Sendable, Equatable, CustomStringConvertible {
    public var trigger: String?
    public var message: String
    public init(trigger: String?, message: String) { self.trigger = trigger; self.message = message }
    public var description: String { trigger.map { "trigger \"\($0)\": \(message)" } ?? message }
}

/// Counters of one trigger.
public struct TriggerStats: Sendable, Equatable {
    public var trigger: String
    public var edgesSeen: Int
    public var edgesDebounced: Int
    public var firings: Int
    public var inputErrors: Int
    public var actionsTaken: Int
}
