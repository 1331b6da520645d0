// One snapshot of what the board says about itself: temperatures, clocks, firmware flags.

public struct ThermalZoneReading: Sendable, Equatable {
    /// "thermal_zone0"
    public var zone: String
    /// The zone's `type` ("cpu-thermal"); "" when unreadable.
    public var type: String
    public var celsius: Double
}

public struct CPUFrequencyReading: Sendable, Equatable {
    public var cpu: Int
    public var currentKHz: Int?
    /// cpuinfo_max_freq: the hardware maximum.
    public var hardwareMaxKHz: Int?
    /// scaling_max_freq: the current policy cap.
    public var policyMaxKHz: Int?
}

public struct BoardReadings: Sendable, Equatable {
    public var thermalZones: [ThermalZoneReading] = []
    public var frequencies: [CPUFrequencyReading] = []
    /// nil on boards without the Raspberry Pi firmware file.
    public var throttle: ThrottleFlags?

    public init() {}

    /// The CPU temperature: the hottest zone of a type the profile names, else the hottest zone.
    public func cpuCelsius(zoneTypes: [String]) -> Double? {
        let matching = thermalZones.filter { zoneTypes.contains($0.type) }
        return (matching.isEmpty ? thermalZones : matching).map(\.celsius).max()
    }

    /// Current clock over the hardware maximum, the slowest CPU counting; nil when unknown.
    public var clockScale: Double? {
        let ratios = frequencies.compactMap { f -> Double? in
            guard let cur = f.currentKHz, let max = f.hardwareMaxKHz, max > 0 else { return nil }
            return min(1, Double(cur) / Double(max))
        }
        return ratios.min()
    }

    /// The lowest policy cap over the hardware maximum (a cap someone set); nil when unknown.
    public var policyCapScale: Double? {
        frequencies.compactMap { f -> Double? in
            guard let cap = f.policyMaxKHz, let max = f.hardwareMaxKHz, max > 0 else { return nil }
            return min(1, Double(cap) / Double(max))
        }.min()
    }
}
