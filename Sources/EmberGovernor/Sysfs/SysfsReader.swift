// Reads thermal zones, cpufreq and the Pi firmware's throttling flags into BoardReadings.
// Missing, empty, garbage or implausible files are skipped and reported once each.

public struct SysfsReadResult: Sendable {
    public var readings: BoardReadings
    /// Problems seen for the first time (or again after a recovery).
    public var newProblems: [SysfsProblem]
    /// Paths that had been reported and now read fine.
    public var recovered: [String]
}

public struct SysfsReader: Sendable {
    public let root: SysfsRoot
    private var log = SysfsProblemLog()
    private var newProblems: [SysfsProblem] = []
    private var recovered: [String] = []

    static let thermalDir = "sys/class/thermal"
    static let cpuDir = "sys/devices/system/cpu"
    public static let throttledPath = "sys/devices/platform/soc/soc:firmware/get_throttled"

    public init(root: SysfsRoot) { self.root = root }

    public mutating func read() -> SysfsReadResult {
        newProblems = []
        recovered = []
        var r = BoardReadings()
        r.thermalZones = readThermalZones()
        r.frequencies = readFrequencies()
        r.throttle = readThrottle()
        return SysfsReadResult(readings: r, newProblems: newProblems, recovered: recovered)
    }

    /// Paths currently known broken, with the problem kind.
    public var openProblems: [String: String] { log.openProblems }

    // MARK: - thermal

    mutating func readThermalZones() -> [ThermalZoneReading] {
        guard let entries = root.list(Self.thermalDir) else {
            problem(Self.thermalDir, "missing", "no thermal zones directory: temperatures unknown")
            return []
        }
        ok(Self.thermalDir)
        var zones: [ThermalZoneReading] = []
        for zone in entries where zone.hasPrefix("thermal_zone") && Int(zone.dropFirst("thermal_zone".count)) != nil {
            let base = "\(Self.thermalDir)/\(zone)"
            guard let milli = integer("\(base)/temp", plausible: -50_000...150_000, unit: "m°C") else { continue }
            let type = root.readText("\(base)/type")?.trimmingASCIIWhitespace() ?? ""
            zones.append(ThermalZoneReading(zone: zone, type: type, celsius: Double(milli) / 1000))
        }
        return zones
    }

    // MARK: - cpufreq

    mutating func readFrequencies() -> [CPUFrequencyReading] {
        guard let entries = root.list(Self.cpuDir) else {
            problem(Self.cpuDir, "missing", "no CPU directory: clocks unknown")
            return []
        }
        ok(Self.cpuDir)
        var out: [CPUFrequencyReading] = []
        let cpus = entries.compactMap { $0.hasPrefix("cpu") ? Int($0.dropFirst(3)) : nil }.sorted()
        for cpu in cpus {
            let base = "\(Self.cpuDir)/cpu\(cpu)/cpufreq"
            guard root.list(base) != nil else { continue }  // no cpufreq for this CPU: not a problem per se
            let khz = 1...100_000_000
            out.append(CPUFrequencyReading(
                cpu: cpu,
                currentKHz: integer("\(base)/scaling_cur_freq", plausible: khz, unit: "kHz"),
                hardwareMaxKHz: integer("\(base)/cpuinfo_max_freq", plausible: khz, unit: "kHz"),
                policyMaxKHz: integer("\(base)/scaling_max_freq", plausible: khz, unit: "kHz")))
        }
        if out.isEmpty {
            problem("\(Self.cpuDir)/cpu*/cpufreq", "missing", "no cpufreq: clocks unknown, latency is not corrected for clock changes")
        } else {
            ok("\(Self.cpuDir)/cpu*/cpufreq")
        }
        return out
    }

    // MARK: - Raspberry Pi firmware flags

    mutating func readThrottle() -> ThrottleFlags? {
        let path = Self.throttledPath
        switch root.read(path) {
        case .missing:
            problem(path, "missing", "no Raspberry Pi firmware throttling flags (not a Pi, or an old kernel)")
            return nil
        case .empty:
            problem(path, "empty", "empty file")
            return nil
        case .failed(let why):
            problem(path, "unreadable", why)
            return nil
        case .text(let text):
            guard let flags = ThrottleFlags.parse(text) else {
                problem(path, "garbage", "not a hexadecimal flag word: \(Self.excerpt(text))")
                return nil
            }
            ok(path)
            return flags
        }
    }

    // MARK: - helpers

    mutating func integer(_ path: String, plausible: ClosedRange<Int>, unit: String) -> Int? {
        switch root.read(path) {
        case .missing:
            problem(path, "missing", "file missing")
        case .empty:
            problem(path, "empty", "empty file")
        case .failed(let why):
            problem(path, "unreadable", why)
        case .text(let text):
            guard let v = Int(text.trimmingASCIIWhitespace()) else {
                problem(path, "garbage", "not an integer: \(Self.excerpt(text))")
                return nil
            }
            guard plausible.contains(v) else {
                problem(path, "garbage", "\(v) \(unit) is outside the plausible \(plausible.lowerBound)...\(plausible.upperBound)")
                return nil
            }
            ok(path)
            return v
        }
        return nil
    }

    mutating func problem(_ path: String, _ kind: String, _ detail: String) {
        if let p = log.note(SysfsProblem(path: "/" + path, kind: kind, detail: detail)) { newProblems.append(p) }
    }

    mutating func ok(_ path: String) {
        if let p = log.recovered("/" + path) { recovered.append(p) }
    }

    static func excerpt(_ text: String) -> String {
        let t = text.trimmingASCIIWhitespace()
        let cleaned = String(t.unicodeScalars.prefix(40).map { $0.value < 0x20 || $0.value > 0x7e ? "?" : Character($0) })
        return "\"\(cleaned)\"" + (t.unicodeScalars.count > 40 ? "…" : "")
    }
}
