// A synthetic board under a synthetic load, for tests and `ember board --simulate`. It plays the
// hardware and firmware: a first-order thermal model heated by the power the profile predicts, a
// firmware that throttles at the soft / hard limits and caps the clock on under-voltage, and an
// inference engine whose latency follows the profile's compute rate. It writes what it does into a
// fake sysfs tree, and a real Governor reads that tree, decides and admits. Everything is seeded.
//
// The latency model is a stand-in, not a measurement: time = MACs / (clock × MACs per cycle ×
// parallel efficiency) + 0.5 ms, efficiency(n) = n / (1 + 0.15 (n − 1)), times a seeded jitter.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

public struct SimulatedLoad: Sendable, Equatable {
    public var model: String
    /// Multiply-accumulates per inference (MobileNetV2 1.0/224: 300 M).
    public var macs: Double
    public var arrivalsPerSecond: Double
    /// Deadline each request carries; nil for none.
    public var deadline: Duration?

    public init(model: String, macs: Double, arrivalsPerSecond: Double, deadline: Duration? = nil) {
        self.model = model
        self.macs = macs
        self.arrivalsPerSecond = arrivalsPerSecond
        self.deadline = deadline
    }
}

public struct SimulationScenario: Sendable, Equatable {
    public enum Event: Sendable, Equatable {
        case underVoltage(Bool)
        /// Firmware caps the ARM clock to this fraction of the maximum (nil lifts the cap).
        case clockCap(Double?)
        case ambient(Double)
        case arrivals(Double)
    }

    public var seconds = 300
    public var ambientC = 25.0
    /// °C per watt from the SoC to the air: about 9 for a bare Pi 4 board (estimate: full load
    /// 6.4 W settles near 83 °C in 25 °C air, as commonly reported without a heatsink).
    public var thermalResistance = 9.0
    /// Seconds for the SoC + board to move 63 % of the way to a new steady temperature.
    public var thermalTimeConstant = 60.0
    public var events: [Int: [Event]] = [:]
    public var seed: UInt64 = 1

    public init() {}
}

/// One simulated second.
public struct SimulationTick: Sendable {
    public var second: Int
    public var celsius: Double
    public var clockMHz: Int
    public var throttle: ThrottleFlags
    public var decision: Decision
    public var arrived = 0
    public var admitted = 0
    public var deferred = 0
    public var rejectedDeadline = 0
    public var rejectedBudget = 0
    public var completed = 0
    public var joules = 0.0
    public var latencies: [Double] = []
}

public struct SimulationReport: Sendable {
    public var ticks: [SimulationTick]
    public var profile: BoardProfile
    public var load: SimulatedLoad
    public var budget: GovernorBudget

    public var completed: Int { ticks.reduce(0) { $0 + $1.completed } }
    public var arrived: Int { ticks.reduce(0) { $0 + $1.arrived } }
    public var rejected: Int { ticks.reduce(0) { $0 + $1.rejectedDeadline + $1.rejectedBudget } }
    public var joules: Double { ticks.reduce(0) { $0 + $1.joules } }
    public var averageWatts: Double { ticks.isEmpty ? 0 : joules / Double(ticks.count) }
    public var maxCelsius: Double { ticks.map(\.celsius).max() ?? 0 }
    public var latencies: [Double] { ticks.flatMap(\.latencies).sorted() }
    public func latencyPercentile(_ q: Double) -> Double {
        let l = latencies
        guard !l.isEmpty else { return 0 }
        return l[max(0, min(l.count - 1, Int((q * Double(l.count)).rounded(.up)) - 1))]
    }
    /// Board energy over the run divided by inferences completed (idle time included).
    public var joulesPerInference: Double { completed == 0 ? 0 : joules / Double(completed) }
    public var firmwareThrottledSeconds: Int { ticks.filter { !$0.throttle.isDisjoint(with: [.throttled, .softTemperatureLimit]) }.count }
}

public struct BoardSimulator: Sendable {
    public let profile: BoardProfile
    public let load: SimulatedLoad
    public let scenario: SimulationScenario
    public private(set) var governor: Governor
    public let tree: FakeSysfsTree

    private var rng: SplitMix64
    private var second = 0
    private let origin = ContinuousClock.now
    private var celsius: Double
    private var underVoltage = false
    private var clockCap: Double?
    private var ambient: Double
    private var arrivalsPerSecond: Double
    private var sticky = ThrottleFlags()
    private var workerFreeAt = 0.0  // seconds since origin
    /// Admitted requests' start times, ascending (one worker): those after `startHead` have not
    /// started yet and make the queue depth.
    private var startTimes: [Double] = []
    private var startHead = 0
    private var retries: [(at: Double, arrived: Double)] = []
    private var nextRetry = 0.0
    private var busyCarry: [(start: Double, end: Double, watts: Double)] = []

    public init(profile: BoardProfile, budget: GovernorBudget, options: GovernorOptions = GovernorOptions(),
                scenario: SimulationScenario, load: SimulatedLoad, tree: FakeSysfsTree) {
        self.profile = profile
        self.load = load
        self.scenario = scenario
        self.tree = tree
        self.rng = SplitMix64(seed: scenario.seed)
        self.ambient = scenario.ambientC
        self.arrivalsPerSecond = load.arrivalsPerSecond
        self.celsius = scenario.ambientC + scenario.thermalResistance * profile.idleWatts
        tree.populate(profile: profile, modelString: profile.modelPrefixes.first.map { $0 + " Rev 1.0" }, celsius: celsius,
                      firmwareFlags: profile.architecture == "aarch64" && !profile.modelPrefixes.isEmpty)
        self.governor = Governor(profile: profile, budget: budget, options: options, sysfs: tree.root)
    }

    public func instant(_ seconds: Double) -> ContinuousClock.Instant { origin + .seconds(seconds) }

    /// Runs one simulated second: firmware state to sysfs, a governor decision, the arrivals.
    public mutating func step() -> SimulationTick {
        for e in scenario.events[second] ?? [] {
            switch e {
            case .underVoltage(let on): underVoltage = on
            case .clockCap(let c): clockCap = c
            case .ambient(let a): ambient = a
            case .arrivals(let r): arrivalsPerSecond = r
            }
        }
        let (clock, flags) = firmware()
        writeSysfs(clockMHz: clock, flags: flags)
        let t0 = Double(second)
        let decision = governor.decide(now: instant(t0))
        var tick = SimulationTick(second: second, celsius: celsius, clockMHz: clock, throttle: flags, decision: decision)
        let clockScale = Double(clock) / Double(profile.maxClockMHz)

        // Arrivals this second, evenly spaced, plus deferred requests coming back.
        let count = Int((Double(second + 1) * arrivalsPerSecond).rounded(.down)) - Int((Double(second) * arrivalsPerSecond).rounded(.down))
        var requests: [(at: Double, arrived: Double)] = (0..<count).map { i in
            let at = t0 + (Double(i) + 0.5) / Double(max(count, 1))
            return (at, at)
        }
        tick.arrived = count
        requests += retries.filter { $0.at < t0 + 1 }
        retries.removeAll { $0.at < t0 + 1 }
        requests.sort { $0.at < $1.at }

        for r in requests {
            while startHead < startTimes.count, startTimes[startHead] <= r.at { startHead += 1 }
            if startHead > 4096 { startTimes.removeFirst(startHead); startHead = 0 }
            var deadlineLeft: Duration?
            if let d = load.deadline {
                let left = d.seconds - (r.at - r.arrived)
                if left <= 0 { tick.rejectedDeadline += 1; continue }
                deadlineLeft = .seconds(left)
            }
            switch governor.admit(model: load.model, deadline: deadlineLeft, queueDepth: startTimes.count - startHead, now: instant(r.at)) {
            case .run(let threads, _):
                tick.admitted += 1
                let start = max(r.at, workerFreeAt)
                let seconds = latency(threads: threads, clockScale: clockScale)
                let end = start + seconds
                workerFreeAt = end
                startTimes.append(start)
                busyCarry.append((start, end, Double(threads) * profile.activeCoreWatts * clockScale))
                governor.observe(model: load.model, threads: threads, latency: .seconds(seconds), now: instant(end))
                tick.completed += 1
                tick.latencies.append(end - r.arrived)
            case .deferred(let after, _):
                tick.deferred += 1
                // Like the daemon's queue: deferred requests come back one rate slot apart, in
                // order, instead of all at once when the next token is due.
                let spacing = decision.maxRate.map { $0 > 0 ? 1 / $0 : 1 } ?? 0.001
                nextRetry = max(r.at + max(after.seconds, 0.0001), nextRetry + spacing)
                retries.append((nextRetry, r.arrived))
            case .reject(.deadlineUnmeetable, _):
                tick.rejectedDeadline += 1
            case .reject(.overBudget, _):
                tick.rejectedBudget += 1
            }
        }

        // Energy and heat of this second: idle power plus the busy intervals falling inside it.
        var dynamicJoules = 0.0
        for b in busyCarry {
            let overlap = min(b.end, t0 + 1) - max(b.start, t0)
            if overlap > 0 { dynamicJoules += overlap * b.watts }
        }
        busyCarry.removeAll { $0.end <= t0 + 1 }
        tick.joules = profile.idleWatts + dynamicJoules
        let steady = ambient + scenario.thermalResistance * tick.joules
        celsius += (steady - celsius) * (1 - exp(-1 / scenario.thermalTimeConstant))
        second += 1
        return tick
    }

    /// The governor's events so far (for tests and the CLI).
    public mutating func drainEvents() -> [GovernorEvent] { governor.drainEvents() }

    public mutating func run() -> SimulationReport {
        var ticks: [SimulationTick] = []
        for _ in 0..<scenario.seconds { ticks.append(step()) }
        return SimulationReport(ticks: ticks, profile: profile, load: load, budget: governor.budget)
    }

    /// The firmware's view: clock and flags from temperature, supply and caps. It also honours a
    /// scaling_max_freq the governor may have written (cpufreq control).
    func firmware() -> (Int, ThrottleFlags) {
        var clock = profile.maxClockMHz
        var flags = ThrottleFlags()
        if celsius >= profile.thermalHardLimitC {
            clock = profile.minClockMHz
            flags.formUnion([.throttled, .softTemperatureLimit])
        } else if celsius >= profile.thermalSoftLimitC {
            clock = max(profile.minClockMHz, profile.maxClockMHz * 3 / 4)
            flags.formUnion([.throttled, .softTemperatureLimit])
        }
        if underVoltage {
            clock = min(clock, profile.minClockMHz)
            flags.formUnion([.underVoltage, .frequencyCapped])
        }
        if let cap = clockCap {
            clock = min(clock, max(profile.minClockMHz, Int(Double(profile.maxClockMHz) * cap)))
            flags.insert(.frequencyCapped)
        }
        if let text = tree.root.readText("sys/devices/system/cpu/cpu0/cpufreq/scaling_max_freq"),
           let khz = Int(text.trimmingASCIIWhitespace()) {
            clock = min(clock, max(profile.minClockMHz, khz / 1000))
        }
        return (clock, flags)
    }

    mutating func writeSysfs(clockMHz: Int, flags: ThrottleFlags) {
        sticky.formUnion(ThrottleFlags(rawValue: flags.rawValue << 16))
        tree.setTemperature(celsius)
        for cpu in 0..<profile.cores { tree.setClock(cpu: cpu, currentMHz: clockMHz, maxMHz: profile.maxClockMHz) }
        if profile.architecture == "aarch64" && !profile.modelPrefixes.isEmpty { tree.setThrottle(flags.union(sticky)) }
    }

    mutating func latency(threads: Int, clockScale: Double) -> Double {
        let n = Double(threads)
        let efficiency = n / (1 + 0.15 * (n - 1))
        let hz = Double(profile.maxClockMHz) * 1e6 * clockScale
        let base = load.macs / (hz * profile.int8MACsPerCycle * efficiency) + 0.0005
        // Jitter: up to +6 %, and one run in fifty 30 % slower (a preempted thread).
        var factor = 1 + 0.06 * rng.nextUnit()
        if rng.nextUnit() < 0.02 { factor *= 1.3 }
        return base * factor
    }
}

/// Small seeded generator (SplitMix64): reproducible runs without Foundation.
public struct SplitMix64: Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    public mutating func nextUnit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
