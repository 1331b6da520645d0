// One board's description: what the CPU is, how much power it draws, where it gets hot, and how
// to recognise it. Loaded from boards/*.toml (embedded in the binary); keys in docs/boards.md.

public struct BoardProfile: Sendable, Equatable {
    /// Short stable name, also the file name: "pi4b-1500".
    public var id: String
    public var name: String

    // [detect]
    /// `/proc/device-tree/model` prefixes that select this board; empty for fallback profiles.
    public var modelPrefixes: [String]
    /// "aarch64" or "x86_64": the fallback profile for an unrecognised machine of this kind.
    public var architecture: String

    // [cpu]
    public var cores: Int
    public var coreType: String
    /// CPU numbers per cluster, fastest cluster first.
    public var clusters: [[Int]]
    public var minClockMHz: Int
    public var maxClockMHz: Int
    /// Features to expect from the CPU: "neon", "dotprod", "i8mm", "avx2", ...
    public var features: [String]
    /// Sustained int8 multiply-accumulates per cycle per core (for the simulation only).
    public var int8MACsPerCycle: Double

    // [power]
    public var idleWatts: Double
    /// Added board power per fully busy core at the maximum clock.
    public var activeCoreWatts: Double
    public var powerSource: String

    // [thermal]
    /// The firmware / kernel starts throttling here; the governor sheds load before it.
    public var thermalSoftLimitC: Double
    public var thermalHardLimitC: Double
    /// Thermal zone `type` values that measure the CPU; empty means "hottest zone".
    public var thermalZoneTypes: [String]

    // [gpio]
    /// gpiochip labels for the 40-pin header.
    public var gpioChips: [String]

    // [endpoints]
    public var requestEndpoint: String
    public var eventsEndpoint: String

    /// Board power with `activeCores` busy cores at `clockScale` of the maximum clock.
    /// Dynamic power is taken as proportional to the clock: the firmware lowers voltage with the
    /// clock too, so this over-estimates power when capped, which errs on the safe side.
    public func watts(activeCores: Int, clockScale: Double = 1) -> Double {
        idleWatts + Double(max(0, min(activeCores, cores))) * activeCoreWatts * max(0, min(clockScale, 1))
    }

    public var fullLoadWatts: Double { watts(activeCores: cores) }
}
