// The promises the governor keeps (from the daemon's configuration) and its tuning.

public struct GovernorBudget: Sendable, Equatable {
    /// Average board power allowed, in watts (averaged over seconds: the governor duty-cycles).
    public var powerWatts: Double?
    /// Board energy allowed per inference, in joules (board power × inference time).
    public var energyPerInferenceJoules: Double?
    /// p99 latency objective per model name.
    public var latencyObjectives: [String: Duration]

    public init(powerWatts: Double? = nil, energyPerInferenceJoules: Double? = nil, latencyObjectives: [String: Duration] = [:]) {
        self.powerWatts = powerWatts
        self.energyPerInferenceJoules = energyPerInferenceJoules
        self.latencyObjectives = latencyObjectives
    }
}

public struct GovernorOptions: Sendable, Equatable {
    /// Inference workers running side by side (the daemon's `workers`): queue wait = depth / workers.
    public var workers = 1
    /// Upper bound on threads per inference below the board's core count; nil = all cores.
    public var maxThreads: Int?
    /// Shed threads and rate under thermal pressure (off only to compare, as the simulation does).
    public var thermalShedding = true
    /// Shedding starts this many °C below the board's soft limit.
    public var thermalHeadroomC = 10.0
    /// How far ahead the temperature trend is extrapolated.
    public var thermalLookahead: Duration = .seconds(10)
    /// Latency samples per (model, threads) before the governor trusts that thread count.
    public var explorationSamples = 5
    /// Samples kept per (model, threads) for the p99 estimate.
    public var latencyWindow = 64
    /// Weight of a new sample in the mean latency (EWMA).
    public var latencyEWMAWeight = 0.2
    /// Window over which the completed-inference rate is measured.
    public var rateWindow: Duration = .seconds(10)
    /// Write cpufreq's scaling_max_freq under thermal pressure (needs root; off by default).
    public var cpufreqControl = false
    /// With cpufreqControl: the cpufreq governor to set once at start ("schedutil"), nil = leave.
    public var cpufreqGovernor: String?
    /// Events kept until drained; older ones are dropped and counted.
    public var maxPendingEvents = 256

    public init() {}

    /// The same options with every value brought into a range the governor can work with
    /// (the daemon validates its configuration; this only keeps bad values from trapping).
    public var sanitized: GovernorOptions {
        var o = self
        o.workers = max(1, workers)
        o.maxThreads = maxThreads.map { max(1, $0) }
        o.thermalHeadroomC = thermalHeadroomC.isFinite ? max(0, thermalHeadroomC) : 10
        o.thermalLookahead = max(.zero, thermalLookahead)
        o.explorationSamples = max(1, explorationSamples)
        o.latencyWindow = max(1, latencyWindow)
        o.latencyEWMAWeight = latencyEWMAWeight.isFinite ? min(1, max(0.001, latencyEWMAWeight)) : 0.2
        o.rateWindow = max(.seconds(1), rateWindow)
        o.maxPendingEvents = max(1, maxPendingEvents)
        return o
    }
}
