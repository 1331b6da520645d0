// Plain-text description of a board for `ember board`: the profile, how it was detected, and
// live readings. Kept in the library so the CLI stays a thin wrapper and tests can check it.

public enum BoardReport {
    public static func describe(_ d: BoardDetection, readings: BoardReadings?, problems: [SysfsProblem]) -> String {
        let p = d.profile
        var out: [String] = []
        out.append("board       \(p.name) (\(p.id))")
        out.append("detected    \(d.reason)")
        if let m = d.modelString { out.append("model       \(m)") }
        out.append("cpu         \(p.cores) × \(p.coreType), \(p.minClockMHz)-\(p.maxClockMHz) MHz, clusters \(p.clusters.map { cpuList($0) }.joined(separator: " | "))")
        out.append("features    expected \(p.features.joined(separator: " ")); /proc/cpuinfo shows \(d.cpuInfo.emberFeatures.isEmpty ? "none known" : d.cpuInfo.emberFeatures.joined(separator: " "))")
        let missing = p.features.filter { !d.cpuInfo.emberFeatures.contains($0) }
        if !missing.isEmpty, d.cpuInfo.processorCount > 0 { out.append("            warning: expected but not reported: \(missing.joined(separator: " "))") }
        out.append("power       idle \(format(p.idleWatts)) W + \(format(p.activeCoreWatts)) W per busy core = \(format(p.fullLoadWatts)) W at full load")
        out.append("            source: \(p.powerSource)")
        out.append("thermal     soft limit \(format(p.thermalSoftLimitC)) °C, hard limit \(format(p.thermalHardLimitC)) °C, zones \(p.thermalZoneTypes.isEmpty ? "hottest" : p.thermalZoneTypes.joined(separator: " "))")
        out.append("gpio        \(p.gpioChips.isEmpty ? "none" : p.gpioChips.joined(separator: " "))")
        out.append("endpoints   \(p.requestEndpoint)  events \(p.eventsEndpoint)")
        guard let r = readings else { return out.joined(separator: "\n") }
        out.append("")
        out.append("live readings")
        if r.thermalZones.isEmpty { out.append("  temperature  unknown") }
        for z in r.thermalZones { out.append("  \(z.zone)  \(z.type.isEmpty ? "?" : z.type)  \(format(z.celsius)) °C") }
        if let c = r.cpuCelsius(zoneTypes: p.thermalZoneTypes) {
            out.append("  cpu          \(format(c)) °C, \(format(p.thermalSoftLimitC - c)) °C below the soft limit")
        }
        if r.frequencies.isEmpty { out.append("  clock        unknown (no cpufreq)") }
        for f in r.frequencies {
            let cur = f.currentKHz.map { "\($0 / 1000) MHz" } ?? "?"
            let max = f.hardwareMaxKHz.map { "\($0 / 1000)" } ?? "?"
            let cap = f.policyMaxKHz.map { "\($0 / 1000)" } ?? "?"
            out.append("  cpu\(f.cpu)         \(cur) (max \(max), policy cap \(cap))")
        }
        if let t = r.throttle {
            out.append("  firmware     \(t.hex)\(t.rawValue == 0 ? " (all clear)" : ": " + t.names.joined(separator: ", "))")
            if t.contains(.underVoltage) { out.append("  UNDER-VOLTAGE NOW: use a proper power supply; the clock is capped") }
        } else {
            out.append("  firmware     no throttling flags (not a Raspberry Pi firmware)")
        }
        for problem in problems { out.append("  note: \(problem.path): \(problem.kind): \(problem.detail)") }
        return out.joined(separator: "\n")
    }

    static func cpuList(_ cpus: [Int]) -> String {
        guard let first = cpus.first, let last = cpus.last else { return "" }
        return cpus == Array(first...last) && cpus.count > 1 ? "\(first)-\(last)" : cpus.map(String.init).joined(separator: ",")
    }
}
