// The governor's settings in emberd's configuration (docs/configuration.md, "Governor"), and
// their keys. Kept apart from the other keys so the governor's part of the file reads as one.
import EmberGovernor

public struct GovernorConfiguration: Sendable, Equatable {
    /// Run the power / latency governor. Default true.
    public var enabled = true
    /// Board profile id (boards/*.toml); "" detects it from /proc. Default "".
    public var board = ""
    /// Directory standing for "/" when reading /proc and /sys (tests point it at a fake tree). Default "/".
    public var sysfsRoot = "/"
    /// Average board power allowed, in watts; 0 for no budget. Default 0.
    public var powerBudgetWatts = 0.0
    /// Board energy allowed per inference, in joules; 0 for no budget. Default 0.
    public var energyBudgetJoules = 0.0
    /// Lower cpufreq's scaling_max_freq under thermal pressure (needs write access to sysfs). Default false.
    public var cpufreqControl = false
    /// How often the governor reads sysfs and decides, in ms. Default 1000.
    public var tickMilliseconds = 1000
    /// Pin each engine's pool threads to the cores the governor chose. Default false.
    public var pinThreads = false

    public init() {}
}

private func flag<T>(_ name: String, _ help: String, default defaultText: String,
                     _ set: @escaping @Sendable (inout T, Bool) -> Void) -> ConfigKey<T> {
    ConfigKey(name: name, kind: .boolean, defaultText: defaultText, help: help) { target, value throws(ConfigKeyError) in
        guard case .boolean(let on) = value else { throw ConfigKeyError("\(name) must be true or false, not \(value.typeName)") }
        set(&target, on)
    }
}

/// A number: TOML integers and floats both count (`power_budget_watts = 5` is 5.0).
private func number<T>(_ name: String, _ range: ClosedRange<Double>, _ help: String, default defaultText: String,
                       _ set: @escaping @Sendable (inout T, Double) -> Void) -> ConfigKey<T> {
    ConfigKey(name: name, kind: .number, defaultText: defaultText, help: help) { target, value throws(ConfigKeyError) in
        let x: Double
        switch value {
        case .integer(let i): x = Double(i)
        case .float(let f): x = f
        default: throw ConfigKeyError("\(name) must be a number, not \(value.typeName)")
        }
        guard x.isFinite, range.contains(x) else {
            throw ConfigKeyError("\(name) is \(x); it must be \(range.lowerBound)...\(range.upperBound)")
        }
        set(&target, x)
    }
}

private func whole<T>(_ name: String, _ range: ClosedRange<Int>, _ help: String, default defaultText: String,
                      _ set: @escaping @Sendable (inout T, Int) -> Void) -> ConfigKey<T> {
    ConfigKey(name: name, kind: .integer, defaultText: defaultText, help: help) { target, value throws(ConfigKeyError) in
        guard case .integer(let n) = value else { throw ConfigKeyError("\(name) must be an integer, not \(value.typeName)") }
        guard n >= Int64(range.lowerBound), n <= Int64(range.upperBound) else {
            throw ConfigKeyError("\(name) is \(n); it must be \(range.lowerBound)...\(range.upperBound)")
        }
        set(&target, Int(n))
    }
}

private func text<T>(_ name: String, _ help: String, default defaultText: String,
                     _ set: @escaping @Sendable (inout T, String) throws(ConfigKeyError) -> Void) -> ConfigKey<T> {
    ConfigKey(name: name, kind: .string, defaultText: defaultText, help: help) { target, value throws(ConfigKeyError) in
        guard case .string(let s) = value else { throw ConfigKeyError("\(name) must be a string, not \(value.typeName)") }
        try set(&target, s)
    }
}

extension ConfigurationKeys {
    static let governor: [ConfigKey<DaemonConfiguration>] = [
        flag("governor", "run the power / latency governor (threads, admission, thermal shedding)", default: "true") { $0.governor.enabled = $1 },
        text("board", "board profile id (see ember board --list); \"\" detects it", default: "\"\"") { c, v throws(ConfigKeyError) in
            guard v.isEmpty || BoardCatalog.profile(id: v) != nil else {
                throw ConfigKeyError("board \"\(v)\" is not a known profile (known: \(BoardCatalog.profiles.map(\.id).joined(separator: ", ")))")
            }
            c.governor.board = v
        },
        text("sysfs_root", "directory standing for / when the governor reads /proc and /sys (for tests)", default: "\"/\"") { c, v throws(ConfigKeyError) in
            guard v.hasPrefix("/") else { throw ConfigKeyError("sysfs_root \"\(v)\" must be an absolute path") }
            c.governor.sysfsRoot = v
        },
        number("power_budget_watts", 0...10_000, "average board power allowed, in W; 0 for none", default: "0") { $0.governor.powerBudgetWatts = $1 },
        number("energy_budget_joules", 0...10_000, "board energy allowed per inference, in J; 0 for none", default: "0") { $0.governor.energyBudgetJoules = $1 },
        flag("cpufreq_control", "lower cpufreq's scaling_max_freq under thermal pressure (needs root)", default: "false") { $0.governor.cpufreqControl = $1 },
        whole("governor_tick_ms", 10...60_000, "how often the governor reads sysfs and decides, in ms", default: "1000") { $0.governor.tickMilliseconds = $1 },
        flag("pin_threads", "pin each engine's pool threads to the cores the governor chose (failures are logged)", default: "false") { $0.governor.pinThreads = $1 },
    ]

    static let governorModel: [ConfigKey<ModelConfiguration>] = [
        whole("latency_objective_ms", 0...3_600_000, "p99 latency objective the governor plans threads for, in ms; 0 for none",
              default: "0") { $0.latencyObjectiveMilliseconds = $1 == 0 ? nil : $1 },
    ]
}
