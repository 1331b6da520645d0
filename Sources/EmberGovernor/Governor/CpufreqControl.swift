// Optional clock control (off by default): under thermal pressure, lower cpufreq's
// scaling_max_freq so the CPU itself runs cooler; restore it when the pressure is gone. Optionally
// sets the cpufreq governor once. Needs write access to sysfs (root); a refused write is reported
// once and control switches itself off.

struct CpufreqControl: Sendable {
    let root: SysfsRoot
    let governorName: String?
    private var governorSet = false
    private var lastTargetKHz: Int?
    private(set) var disabledReason: String?

    init(root: SysfsRoot, governorName: String?) {
        self.root = root
        self.governorName = governorName
    }

    /// Cap = hardware maximum × (1 − 0.4 × pressure), in 100 MHz steps, not below the profile's minimum.
    static func targetKHz(hardwareMaxKHz: Int, pressure: Double, minMHz: Int) -> Int {
        let raw = Double(hardwareMaxKHz) * (1 - 0.4 * min(1, max(0, pressure)))
        let stepped = pressure <= 0 ? hardwareMaxKHz : Int(raw / 100_000) * 100_000
        return max(min(hardwareMaxKHz, minMHz * 1000), stepped)
    }

    mutating func apply(pressure: Double, readings: BoardReadings, profile: BoardProfile,
                        now: ContinuousClock.Instant) -> [GovernorEvent] {
        guard disabledReason == nil else { return [] }
        var events: [GovernorEvent] = []
        let cpus = readings.frequencies.filter { $0.hardwareMaxKHz != nil }
        if let name = governorName, !governorSet {
            governorSet = true
            for f in cpus {
                if let err = root.write("sys/devices/system/cpu/cpu\(f.cpu)/cpufreq/scaling_governor", name) {
                    return disable("cannot set the cpufreq governor to \(name) on cpu\(f.cpu): \(err)", now)
                }
            }
            events.append(GovernorEvent(time: now, level: .notice, name: "ember.governor.cpufreq",
                                        message: "cpufreq governor set to \(name)", fields: ["governor": name]))
        }
        guard let hwMax = cpus.compactMap(\.hardwareMaxKHz).min() else { return events }
        let target = Self.targetKHz(hardwareMaxKHz: hwMax, pressure: pressure, minMHz: profile.minClockMHz)
        guard target != lastTargetKHz else { return events }
        for f in cpus {
            if let err = root.write("sys/devices/system/cpu/cpu\(f.cpu)/cpufreq/scaling_max_freq", String(target)) {
                return events + disable("cannot write scaling_max_freq on cpu\(f.cpu): \(err)", now)
            }
        }
        lastTargetKHz = target
        events.append(GovernorEvent(time: now, level: .notice, name: "ember.governor.cpufreq",
                                    message: "scaling_max_freq set to \(target / 1000) MHz (pressure \(format(pressure)))",
                                    fields: ["scaling_max_freq_khz": String(target)]))
        return events
    }

    private mutating func disable(_ why: String, _ now: ContinuousClock.Instant) -> [GovernorEvent] {
        disabledReason = why
        return [GovernorEvent(time: now, level: .warning, name: "ember.governor.cpufreq",
                              message: "\(why); clock control is off from now on", fields: ["problem": "write_failed"])]
    }
}
