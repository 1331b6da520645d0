// The daemon's side of the power / latency governor (EmberGovernor): one Governor behind a lock,
// asked by the scheduler before a request runs, fed every measured inference, and ticked by its
// own thread, which reads sysfs, logs what the governor noticed and hands it to the PUB socket.
import EmberGovernor
import EmberTransport

final class GovernorService: DaemonComponent, @unchecked Sendable {
    private let lock = ConditionLock()
    /// Set by `stop()`: the tick thread ends and deferred requests stop waiting.
    private var stopped = false
    private var governor: Governor
    let detection: BoardDetection
    let tickMilliseconds: Int
    /// `pin_threads`: inferences pin their engine's pool to `cores`.
    private let pinThreads: Bool
    private let logger: Logger
    /// The latest events, newest last, for `stats`.
    private var recent: [Event] = []
    private static let recentLimit = 32

    /// Detects (or takes) the board profile and makes the first decision from sysfs, so that the
    /// first request is admitted on real readings. Throws when the configured profile is unknown.
    init(config: DaemonConfiguration, loaded: [(ModelConfiguration, LoadedModel)], logger: Logger) throws(ModelLoadError) {
        let settings = config.governor
        let root = SysfsRoot(settings.sysfsRoot)
        do {
            detection = try BoardDetector(sysfs: root).detect(override: settings.board.isEmpty ? nil : settings.board)
        } catch {
            throw ModelLoadError("governor: \(error)")
        }
        var objectives: [String: Duration] = [:]
        for model in config.models {
            if let ms = model.latencyObjectiveMilliseconds { objectives[model.name] = .milliseconds(ms) }
        }
        let budget = GovernorBudget(powerWatts: settings.powerBudgetWatts > 0 ? settings.powerBudgetWatts : nil,
                                    energyPerInferenceJoules: settings.energyBudgetJoules > 0 ? settings.energyBudgetJoules : nil,
                                    latencyObjectives: objectives)
        var options = GovernorOptions()
        options.workers = config.workers
        // The engines' pools have threads_per_inference threads: the governor chooses within them.
        options.maxThreads = config.threadsPerInference
        options.cpufreqControl = settings.cpufreqControl
        governor = Governor(profile: detection.profile, budget: budget, options: options, sysfs: root)
        tickMilliseconds = settings.tickMilliseconds
        pinThreads = settings.pinThreads
        self.logger = logger
        _ = governor.decide(now: .now)
        // Warm-up runs are real measurements too (with every thread of the engine's pool): the
        // latency model starts from them.
        let warmUpThreads = max(1, min(config.threadsPerInference, detection.profile.cores))
        for (model, loaded) in loaded {
            guard let ns = loaded.warmUpNanoseconds else { continue }
            governor.observe(model: model.name, threads: warmUpThreads, latency: .nanoseconds(Int64(clamping: ns)), now: .now)
        }
        let p = detection.profile
        logger.info("governor: board \(p.id) (\(detection.reason)); \(p.cores) cores, soft limit \(p.thermalSoftLimitC) °C; thread cap \(governor.decision?.threadCap ?? 0)")
    }

    // MARK: Admission

    /// Run now (with the threads the governor chose), defer (run when the rate or power budget
    /// allows), or refuse with the reply status.
    enum Verdict: Sendable, Equatable {
        case run(threads: Int)
        case deferred(threads: Int, retryAfterNanoseconds: UInt64)
        case refused(WireErrorCode, String)
    }

    /// `deadline` and `now` are monotonic ns; `units`: inferences in this request (one per text
    /// of a batch); `queueDepth`: inferences that run before this one.
    func admit(model: String, units: Int, deadline: UInt64?, queueDepth: Int, now: UInt64) -> Verdict {
        let left = deadline.map { $0 > now ? Duration.nanoseconds(Int64(clamping: $0 - now)) : .zero }
        return lock.withLock {
            switch governor.admit(model: model, units: units, deadline: left, queueDepth: queueDepth, now: .now) {
            case .run(let threads, _):
                return .run(threads: threads)
            case .deferred(let wait, _):
                let c = wait.components
                let ns = UInt64(clamping: max(0, c.seconds)) &* 1_000_000_000 &+ UInt64(clamping: max(0, c.attoseconds / 1_000_000_000))
                return .deferred(threads: governor.decision?.threads(for: model) ?? 1, retryAfterNanoseconds: ns)
            case .reject(.deadlineUnmeetable, let reason):
                return .refused(.deadlineUnmeetable, "deadline cannot be met: \(reason); not run")
            case .reject(.overBudget, let reason):
                return .refused(.overBudget, "over budget: \(reason); not run")
            }
        }
    }

    /// For a deferred job, in its worker: asks again until the governor lets it run (returns
    /// the threads) or refuses it. Waits in slices so a changed decision is seen soon.
    func waitForAdmission(model: String, units: Int, deadline: UInt64?) -> Result<Int, WireError> {
        while true {
            if lock.withLock({ stopped }) {
                return .failure(WireError(.shuttingDown, "emberd is stopping; this request was waiting for the governor's budget"))
            }
            let now = monotonicNanoseconds()
            switch admit(model: model, units: units, deadline: deadline, queueDepth: 0, now: now) {
            case .run(let threads): return .success(threads)
            case .refused(let code, let message): return .failure(WireError(code, message))
            case .deferred(_, let wait): sleepMilliseconds(Int(min(max(wait / 1_000_000, 1), 250)))
            }
        }
    }

    /// Most threads any inference may use now: a job admitted before the board heated up (or
    /// the supply sagged) runs with no more than this.
    var threadCap: Int { lock.withLock { governor.decision?.threadCap ?? 1 } }

    /// With `pin_threads`: the CPUs an inference's pool threads are pinned to now (the
    /// decision's `cores`, which follow the thread cap); nil otherwise.
    var pinCores: [Int]? {
        guard pinThreads else { return nil }
        return lock.withLock { governor.decision?.cores }
    }

    /// One finished request of `units` inferences.
    func observe(model: String, threads: Int, nanoseconds: UInt64, units: Int) {
        lock.withLock {
            governor.observe(model: model, threads: threads, latency: .nanoseconds(Int64(clamping: nanoseconds)), units: units, now: .now)
        }
    }

    // MARK: Ticking

    /// The governor's thread: publishes the start-up events, then reads sysfs and decides every tick.
    func start(publish: @escaping @Sendable (Event) -> Void) throws(SystemError) {
        try OSThread(name: "ember-governor") { [self] in
            while !lock.withLock({ stopped }) {
                for event in lock.withLock({ governor.drainEvents() }) { report(event, publish: publish) }
                sleepMilliseconds(tickMilliseconds)
                lock.withLock { _ = governor.decide(now: .now) }
            }
        }.detach()
    }

    /// Logs one event and publishes it as `ember.governor.*` (docs/protocol.md, "Events").
    private func report(_ e: GovernorEvent, publish: (Event) -> Void) {
        // Under-voltage is logged at warning level whatever the governor graded it (the brief of
        // issue 8: loud, but a supply problem, not a daemon error).
        let level: LogLevel
        if e.name == "ember.governor.undervoltage" {
            level = .warning
        } else {
            switch e.level {
            case .error: level = .error
            case .warning: level = .warning
            case .notice: level = .notice
            case .info: level = .info
            case .debug: level = .debug
            }
        }
        logger.log(level, "governor: \(e.message)")
        var fields: [(String, JSONValue)] = [("level", .string(level.rawValue)), ("message", .string(e.message))]
        for (key, value) in e.fields.sorted(by: { $0.key < $1.key }) { fields.append((key, Self.jsonValue(value))) }
        let event = Event(topic: e.name, fields: fields)
        lock.withLock {
            recent.append(event)
            if recent.count > Self.recentLimit { recent.removeFirst(recent.count - Self.recentLimit) }
        }
        publish(event)
    }

    /// The governor's fields are decimal text: numbers become JSON numbers.
    static func jsonValue(_ text: String) -> JSONValue {
        if let i = Int64(text) { return .int(i) }
        // Decimal only: Double("0x10001") would read the firmware's hex flag word as a number.
        if text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }),
           let d = Double(text), d.isFinite { return .double(d) }
        return .string(text)
    }

    // MARK: DaemonComponent (health, stats, Prometheus, stop)

    var name: String { "governor" }

    /// On SIGTERM/SIGINT, before the drain: no more ticks; deferred requests stop waiting.
    func stop(deadlineNs: UInt64) { lock.withLock { stopped = true } }

    /// The `governor` object of the `health` reply: what a monitor checks first.
    func healthJSON() -> JSONValue {
        let d = lock.withLock { governor.decision }
        var fields: [(String, JSONValue)] = [("board", .string(detection.profile.id))]
        fields.append(("thread_cap", d.map { JSONValue.int(Int64($0.threadCap)) } ?? .null))
        fields.append(("thermal_pressure", GovernorStatsReport.optional(d?.thermalPressure)))
        fields.append(("under_voltage", .bool(d?.throttle?.contains(.underVoltage) == true)))
        return .object(fields)
    }

    /// The governor's lines of the Prometheus text file.
    func prometheusText() -> String { GovernorStatsReport.prometheus(stats: lock.withLock { governor.stats }) }

    /// The `governor` object of the `stats` reply.
    func statsJSON() -> JSONValue {
        let (stats, budget, events) = lock.withLock { (governor.stats, governor.budget, recent) }
        return GovernorStatsReport.json(stats: stats, detection: detection, budget: budget, recentEvents: events)
    }
}
