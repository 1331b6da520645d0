// Picks the board profile from /proc/device-tree/model and /proc/cpuinfo under an injectable
// root, or takes the one the configuration names.
//
// Rule: the profile whose model prefix matches the device-tree model string longest wins; profiles
// tied on the prefix (the 1.5 and 1.8 GHz Pi 4B share one) are told apart by cpufreq's
// cpuinfo_max_freq, and without it the slower one is assumed (predicting too little speed is the
// safe error). No model match: the fallback profile of the architecture /proc/cpuinfo shows, with
// its core count replaced by the number of processors listed.

public struct BoardDetection: Sendable, Equatable {
    public var profile: BoardProfile
    /// One sentence on why this profile was chosen.
    public var reason: String
    /// The device-tree model string, trailing NUL removed; nil when absent.
    public var modelString: String?
    public var cpuInfo: CPUInfo
}

public enum BoardDetectionError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownProfile(String, known: [String])
    case noProfile(String)

    public var description: String {
        switch self {
        case .unknownProfile(let id, let known):
            "board profile '\(id)' does not exist (known: \(known.joined(separator: ", ")))"
        case .noProfile(let why):
            "no board profile fits this machine: \(why)"
        }
    }
}

public struct BoardDetector: Sendable {
    public var sysfs: SysfsRoot
    public var profiles: [BoardProfile]
    /// The architecture assumed when /proc/cpuinfo tells nothing (the build's own).
    public var hostArchitecture: String

    public init(sysfs: SysfsRoot, profiles: [BoardProfile] = BoardCatalog.profiles,
                hostArchitecture: String = BoardDetector.buildArchitecture) {
        self.sysfs = sysfs
        self.profiles = profiles
        self.hostArchitecture = hostArchitecture
    }

    public static var buildArchitecture: String {
        #if arch(arm64)
        "aarch64"
        #else
        "x86_64"
        #endif
    }

    /// `override`: a profile id from the configuration; it wins over detection.
    public func detect(override: String? = nil) throws(BoardDetectionError) -> BoardDetection {
        let model = sysfs.readText("proc/device-tree/model").map(Self.cleanModel)
        let cpuInfo = sysfs.readText("proc/cpuinfo").map(CPUInfo.parse) ?? CPUInfo()
        if let override {
            guard let p = profiles.first(where: { $0.id == override }) else {
                throw .unknownProfile(override, known: profiles.map(\.id))
            }
            return BoardDetection(profile: p, reason: "overridden: profile \"\(override)\" was named explicitly",
                                  modelString: model, cpuInfo: cpuInfo)
        }
        if let model, !model.isEmpty {
            var best: [BoardProfile] = []
            var bestLength = 0
            for p in profiles {
                for prefix in p.modelPrefixes where model.hasPrefix(prefix) {
                    if prefix.count > bestLength { best = [p]; bestLength = prefix.count } else if prefix.count == bestLength, !best.contains(p) { best.append(p) }
                }
            }
            if best.count == 1 {
                return BoardDetection(profile: best[0], reason: "device-tree model \"\(model)\"", modelString: model, cpuInfo: cpuInfo)
            }
            if best.count > 1 {
                if let maxKHz = maxCPUFrequencyKHz() {
                    let mhz = maxKHz / 1000
                    let p = best.min { abs($0.maxClockMHz - mhz) < abs($1.maxClockMHz - mhz) }!
                    return BoardDetection(profile: p, reason: "device-tree model \"\(model)\", cpuinfo_max_freq \(mhz) MHz",
                                          modelString: model, cpuInfo: cpuInfo)
                }
                let p = best.min { $0.maxClockMHz < $1.maxClockMHz }!
                return BoardDetection(profile: p, reason: "device-tree model \"\(model)\"; no cpufreq to tell the clocks apart, assumed the slower",
                                      modelString: model, cpuInfo: cpuInfo)
            }
        }
        let arch = cpuInfo.architecture ?? hostArchitecture
        guard var p = profiles.first(where: { $0.architecture == arch && $0.modelPrefixes.isEmpty }) else {
            throw .noProfile("no fallback profile for \(arch)")
        }
        if cpuInfo.processorCount > 0, cpuInfo.processorCount != p.cores {
            p.cores = cpuInfo.processorCount
            p.clusters = [Array(0..<cpuInfo.processorCount)]
        }
        if let part = cpuInfo.cpuParts.first, let name = CPUInfo.coreName(part: part) { p.coreType = name }
        let what = model.map { "device-tree model \"\($0)\" is not a known board" } ?? "no device-tree model"
        return BoardDetection(profile: p, reason: "\(what); \(arch) fallback with \(p.cores) CPUs from /proc/cpuinfo",
                              modelString: model, cpuInfo: cpuInfo)
    }

    func maxCPUFrequencyKHz() -> Int? {
        sysfs.readText("sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq").flatMap { Int($0.trimmingASCIIWhitespace()) }
    }

    static func cleanModel(_ raw: String) -> String {
        String(raw.unicodeScalars.filter { $0 != "\0" }).trimmingASCIIWhitespace()
    }
}
