/// Which output lines are held active and until when; pure bookkeeping for `OutputDriver`.
/// Activating an already active line only moves its release time later.
public struct HoldSchedule<Key: Hashable & Sendable>: Sendable {
    private var releaseAt: [Key: UInt64] = [:]

    public init() {}

    /// Returns the keys that were inactive and must now be driven active.
    public mutating func activate(_ keys: [Key], untilNs: UInt64) -> [Key] {
        var newlyActive: [Key] = []
        for key in keys {
            if let current = releaseAt[key] {
                releaseAt[key] = max(current, untilNs)
            } else {
                releaseAt[key] = untilNs
                newlyActive.append(key)
            }
        }
        return newlyActive
    }

    /// Removes and returns the keys whose hold has ended at `nowNs`.
    public mutating func expire(nowNs: UInt64) -> [Key] {
        let due = releaseAt.filter { $0.value <= nowNs }.map(\.key)
        for key in due { releaseAt[key] = nil }
        return due
    }

    public var nextReleaseNs: UInt64? { releaseAt.values.min() }
    public var activeKeys: Set<Key> { Set(releaseAt.keys) }
}
