// The power / latency governor. A value type, clock-injected: the daemon owns one (behind its
// lock), feeds it measured latencies with `observe`, calls `decide` on a tick (about once a
// second), asks `admit` per request, and drains `events`. Tests step it with synthetic time and a
// fake sysfs tree; nothing here sleeps, spawns or reads a clock.

public struct Governor: Sendable {
    public let profile: BoardProfile
    public var budget: GovernorBudget
    public let options: GovernorOptions

    private var reader: SysfsReader?
    private var cpufreq: CpufreqControl?
    private var latency: LatencyModel
    private var thermal = ThermalTracker()
    private var rateMeter: RateMeter
    /// Thermal rate cap, in requests.
    private var rateBucket = TokenBucket(minimumCapacity: 1)
    /// Power budget, in joules above idle.
    private var energyBucket = TokenBucket(minimumCapacity: 0)
    private var start: ContinuousClock.Instant?
    /// Completed inferences per second the last time the board was cool: the thermal rate cap
    /// sheds relative to it.
    private var coolRate: Double?
    private var lastThrottle: ThrottleFlags?
    private var lastDecision: Decision?
    private var lastAnnounced: Decision?
    private var pending: [GovernorEvent] = []
    private var counters = GovernorCounters()

    /// `sysfs`: where to read temperatures, clocks and firmware flags ("/" on the board); nil
    /// when the caller passes readings to `decide(now:readings:)` itself.
    public init(profile: BoardProfile, budget: GovernorBudget = GovernorBudget(), options: GovernorOptions = GovernorOptions(),
                sysfs: SysfsRoot? = SysfsRoot("/")) {
        self.profile = profile
        self.budget = budget
        let options = options.sanitized
        self.options = options
        self.reader = sysfs.map { SysfsReader(root: $0) }
        self.cpufreq = options.cpufreqControl ? sysfs.map { CpufreqControl(root: $0, governorName: options.cpufreqGovernor) } : nil
        self.latency = LatencyModel(window: options.latencyWindow, weight: options.latencyEWMAWeight)
        self.rateMeter = RateMeter(window: options.rateWindow)
    }

    /// The latest decision (nil before the first `decide`).
    public var decision: Decision? { lastDecision }

    // MARK: - learning

    /// One finished request of `units` inferences (a batch of texts counts one per text): its
    /// wall time with `threads` threads. The latency model learns the time per inference.
    public mutating func observe(model: String, threads: Int, latency: Duration, units: Int = 1, now: ContinuousClock.Instant) {
        if start == nil { start = now }
        let seconds = latency.seconds / Double(max(1, units))
        guard seconds.isFinite, seconds > 0, threads >= 1 else { return }
        let scale = lastDecision?.clockScale ?? 1
        self.latency.observe(model: model, threads: threads, fullClockSeconds: seconds * scale)
        for _ in 0..<max(1, units) { rateMeter.record(now) }
    }

    /// Predicted latency of `model` with `threads` threads at the current clock; nil without data.
    public func predict(model: String, threads: Int) -> LatencyEstimate? {
        guard var e = latency.estimate(model: model, threads: threads) else { return nil }
        let scale = lastDecision?.clockScale ?? 1
        e.meanSeconds /= scale
        e.p99Seconds /= scale
        return e
    }

    /// Board energy of one inference: board power with `threads` busy cores × predicted time.
    public func energyPerInference(model: String, threads: Int) -> Double? {
        guard let e = predict(model: model, threads: threads) else { return nil }
        return profile.watts(activeCores: threads, clockScale: lastDecision?.clockScale ?? 1) * e.meanSeconds
    }

    // MARK: - deciding

    /// Reads the sysfs root given at init, then decides.
    public mutating func decide(now: ContinuousClock.Instant) -> Decision {
        guard var r = reader else { return decide(now: now, readings: BoardReadings()) }
        let result = r.read()
        reader = r
        for p in result.newProblems {
            let missingFirmware = p.path == "/" + SysfsReader.throttledPath && p.kind == "missing"
            emit(now, missingFirmware ? .notice : .warning, "ember.governor.sysfs", "\(p.path): \(p.kind): \(p.detail)",
                 ["path": p.path, "problem": p.kind])
        }
        for path in result.recovered {
            emit(now, .notice, "ember.governor.sysfs", "\(path) reads fine again", ["path": path, "problem": "recovered"])
        }
        return decide(now: now, readings: result.readings)
    }

    /// Decides from given readings (pure apart from the governor's own state).
    public mutating func decide(now: ContinuousClock.Instant, readings: BoardReadings) -> Decision {
        if start == nil { start = now }
        rateMeter.prune(now: now)
        var reasons: [String] = []
        let clockScale = max(0.05, readings.clockScale ?? 1)
        if clockScale < 0.999 { reasons.append("clock at \(percent(clockScale)) of maximum: latency predictions scaled up") }
        noteThrottle(readings.throttle, now: now)

        // Thermal pressure.
        let celsius = readings.cpuCelsius(zoneTypes: profile.thermalZoneTypes)
        var pressure = 0.0
        var critical = false
        if !options.thermalShedding {
            reasons.append("thermal shedding is off")
        } else if let celsius {
            thermal.update(now: now, celsius: celsius)
            pressure = ThermalTracker.pressure(celsius: celsius, slope: thermal.slope, softLimit: profile.thermalSoftLimitC,
                                               headroom: options.thermalHeadroomC, lookahead: options.thermalLookahead.seconds)
            critical = celsius >= profile.thermalHardLimitC
            if critical {
                reasons.append("\(format(celsius)) °C at or above the hard limit \(format(profile.thermalHardLimitC)) °C: rate cut to a tenth")
            } else if pressure > 0 {
                reasons.append("\(format(celsius)) °C (trend \(format(thermal.slope * 60)) °C/min) within \(format(options.thermalHeadroomC)) °C of the soft limit \(format(profile.thermalSoftLimitC)) °C: shedding")
            }
        } else {
            reasons.append("no CPU temperature: no thermal shedding")
        }
        if options.thermalShedding, let t = readings.throttle, !t.isDisjoint(with: [.throttled, .softTemperatureLimit]) {
            pressure = 1
            reasons.append("firmware reports \(t.intersection([.throttled, .softTemperatureLimit]).names.joined(separator: ", ")): shedding fully")
        }

        // Thread cap.
        let base = max(1, min(profile.cores, options.maxThreads ?? profile.cores))
        var cap = threadCap(base: base, pressure: pressure)
        if let previous = lastDecision?.threadCap, cap > previous {
            // Hysteresis: give threads back only once the pressure is 0.1 (1 °C by default) lower.
            cap = min(cap, max(previous, threadCap(base: base, pressure: min(1, pressure + 0.1))))
        }
        if cap < base, pressure > 0 { reasons.append("thermal: threads \(cap) of \(base)") }
        if readings.throttle?.contains(.underVoltage) == true {
            cap = max(1, cap / 2)
            reasons.append("under-voltage: threads halved to \(cap) to cut current draw")
        }

        // Threads per model.
        var threads: [String: Int] = [:]
        var worstDynamicJoules: Double?
        for model in knownModels.sorted() {
            let (n, why) = chooseThreads(model: model, cap: cap, clockScale: clockScale)
            threads[model] = n
            if let why { reasons.append(why) }
            if let e = latency.estimate(model: model, threads: n) {
                let dyn = Double(n) * profile.activeCoreWatts * clockScale * (e.meanSeconds / clockScale)
                worstDynamicJoules = max(worstDynamicJoules ?? 0, dyn)
            }
        }

        // Rate limit: power budget, then thermal shedding.
        var maxRate: Double?
        if let watts = budget.powerWatts {
            if watts <= profile.idleWatts {
                maxRate = 0
                reasons.append("power budget \(format(watts)) W is not above idle power \(format(profile.idleWatts)) W: nothing can run")
            } else if let dyn = worstDynamicJoules, dyn > 0 {
                maxRate = (watts - profile.idleWatts) / dyn
                reasons.append("power budget \(format(watts)) W: at most \(format(maxRate!))/s")
            }
        }
        let recentRate = start.flatMap { rateMeter.rate(now: now, since: $0) }
        if pressure == 0, !critical, let recentRate { coolRate = recentRate }
        var thermalRate: Double?
        if pressure > 0 || critical, let cool = coolRate, cool > 0 {
            let r = critical ? cool * 0.1 : cool * (1 - 0.75 * pressure)
            thermalRate = r
            maxRate = min(maxRate ?? .infinity, r)
            reasons.append("thermal: rate cut to \(format(r))/s from \(format(cool))/s")
        }
        rateBucket.setRate(thermalRate)
        energyBucket.setRate(budget.powerWatts.map { max(0, $0 - profile.idleWatts) })

        var estimatedWatts: Double?
        if let recentRate, let dyn = worstDynamicJoules {
            estimatedWatts = min(profile.watts(activeCores: profile.cores, clockScale: clockScale), profile.idleWatts + recentRate * dyn)
        }

        let order = profile.clusters.flatMap { $0 }
        let d = Decision(time: now, threadCap: cap, threads: threads, cores: Array(order.prefix(cap)), maxRate: maxRate,
                         thermalPressure: pressure, celsius: celsius, clockScale: clockScale, throttle: readings.throttle,
                         estimatedWatts: estimatedWatts, reasons: reasons)
        lastDecision = d
        announce(d)
        if var c = cpufreq {
            for e in c.apply(pressure: pressure, readings: readings, profile: profile, now: now) { push(e) }
            cpufreq = c
        }
        return d
    }

    func threadCap(base: Int, pressure: Double) -> Int {
        max(1, base - Int((pressure * Double(base - 1)).rounded()))
    }

    var knownModels: Set<String> { latency.models.union(budget.latencyObjectives.keys) }

    /// The thread count for `model`: explore counts without enough samples (most threads
    /// first), then the cheapest among those meeting the p99 objective and the energy budget;
    /// when none does, the fastest. Cheapest means the least board energy per inference, or,
    /// under a power budget, the least energy above idle: that is what the budget pays for, so
    /// it buys the most inferences per second.
    func chooseThreads(model: String, cap: Int, clockScale: Double) -> (Int, String?) {
        for n in stride(from: cap, through: 1, by: -1) {
            let samples = latency.estimate(model: model, threads: n)?.samples ?? 0
            if samples < options.explorationSamples {
                return (n, "\(model): learning latency with \(n) threads (\(samples)/\(options.explorationSamples) samples)")
            }
        }
        struct Option { var n: Int; var mean: Double; var p99: Double; var joules: Double; var cost: Double }
        let opts: [Option] = (1...cap).compactMap { n in
            guard let e = latency.estimate(model: model, threads: n) else { return nil }
            let mean = e.meanSeconds / clockScale
            let joules = profile.watts(activeCores: n, clockScale: clockScale) * mean
            let cost = budget.powerWatts == nil ? joules : joules - profile.idleWatts * mean
            return Option(n: n, mean: mean, p99: e.p99Seconds / clockScale, joules: joules, cost: cost)
        }
        let objective = budget.latencyObjectives[model]?.seconds
        let feasible = opts.filter { o in
            (objective.map { o.p99 <= $0 } ?? true) && (budget.energyPerInferenceJoules.map { o.joules <= $0 } ?? true)
        }
        if let best = feasible.min(by: { ($0.cost, $0.n) < ($1.cost, $1.n) }) {
            return (best.n, nil)
        }
        let fastest = opts.min { ($0.p99, $0.n) < ($1.p99, $1.n) }!
        var why = "\(model): no thread count meets"
        if let objective { why += " the p99 objective \(ms(objective))" }
        if let j = budget.energyPerInferenceJoules { why += (objective == nil ? "" : " and") + " the energy budget \(format(j)) J" }
        why += "; fastest is \(fastest.n) threads (p99 \(ms(fastest.p99)), \(format(fastest.joules)) J)"
        return (fastest.n, why)
    }

    // MARK: - admission

    /// Whether to run a request of `units` inferences (1, or one per text of a batch) for `model`
    /// now. `deadline`: time left until the client's deadline (nil: none). `queueDepth`:
    /// inferences that will run before this one.
    public mutating func admit(model: String, units: Int = 1, deadline: Duration?, queueDepth: Int,
                               now: ContinuousClock.Instant) -> Admission {
        let d = lastDecision ?? decide(now: now, readings: BoardReadings())
        let result = admission(model: model, units: Double(max(1, units)), deadline: deadline, queueDepth: max(0, queueDepth),
                               decision: d, now: now)
        counters.count(result)
        return result
    }

    private mutating func admission(model: String, units: Double, deadline: Duration?, queueDepth: Int, decision d: Decision,
                                    now: ContinuousClock.Instant) -> Admission {
        if let watts = budget.powerWatts, watts <= profile.idleWatts {
            return .reject(.overBudget, reason: "power budget \(format(watts)) W is not above the board's idle power \(format(profile.idleWatts)) W")
        }
        var n = d.threads(for: model)
        if let limit = budget.energyPerInferenceJoules {
            let energies = (1...d.threadCap).compactMap { energyPerInference(model: model, threads: $0) }
            if !energies.isEmpty, let least = energies.min(), least > limit {
                return .reject(.overBudget, reason: "\(model) needs at least \(format(least)) J per inference; the budget is \(format(limit)) J")
            }
        }
        var why = threadsText(n)
        var need: Double?  // seconds until this request would finish
        if let mean = predict(model: model, threads: n)?.meanSeconds {
            // The inferences ahead share the workers; this request's run on one of them.
            let waves = Double((queueDepth + options.workers - 1) / options.workers)
            need = (waves + units) * mean
            if let deadline, need! > deadline.seconds {
                // Faster with more threads?
                let faster = (1...d.threadCap).compactMap { k in predict(model: model, threads: k).map { (k, $0.meanSeconds) } }
                    .min { $0.1 < $1.1 }
                if let (k, m) = faster, (waves + units) * m <= deadline.seconds {
                    n = k
                    need = (waves + units) * m
                    why = "\(threadsText(k)), raised to meet the deadline"
                } else {
                    let batch = units > 1 ? ", \(Int(units)) in this request" : ""
                    return .reject(.deadlineUnmeetable, reason: "\(model) needs about \(ms(need!)) (\(queueDepth) queued\(batch), \(ms(mean)) each at \(n) threads); the deadline is \(ms(deadline.seconds))")
                }
            }
        } else {
            why = "\(threadsText(n)) (no latency data yet for \(model))"
        }
        // Thermal rate cap (requests), then the power budget (joules above idle, charged at the
        // thread count this request will really use).
        let dynamicJoules = predict(model: model, threads: n).map {
            Double(n) * profile.activeCoreWatts * d.clockScale * $0.meanSeconds * units
        } ?? 0
        var wait: Duration?
        var limiter = ""
        if let w = rateBucket.waitIfTaken(units, now: now) {
            wait = w
            limiter = "thermal rate cap \(format(rateBucket.rate ?? 0))/s"
        } else if let w = energyBucket.waitIfTaken(dynamicJoules, now: now) {
            wait = w
            limiter = "power budget \(format(budget.powerWatts ?? 0)) W"
        }
        if let wait {
            if let deadline, let need, wait.seconds + need > deadline.seconds {
                return .reject(.overBudget, reason: "\(limiter): the wait of \(ms(wait.seconds)) would miss the deadline")
            }
            return .deferred(retryAfter: wait, reason: "\(limiter): retry in \(ms(wait.seconds))")
        }
        _ = rateBucket.take(units, now: now)
        _ = energyBucket.take(dynamicJoules, now: now)
        return .run(threads: n, reason: why)
    }

    // MARK: - events and stats

    /// Events since the last call, oldest first.
    public mutating func drainEvents() -> [GovernorEvent] {
        defer { pending.removeAll() }
        return pending
    }

    public var stats: GovernorStats {
        var models: [GovernorStats.Model] = []
        for model in knownModels.sorted() {
            let rows = latency.threadCounts(model: model).compactMap { n -> GovernorStats.Row? in
                guard let e = predict(model: model, threads: n) else { return nil }
                return GovernorStats.Row(threads: n, samples: e.samples, meanSeconds: e.meanSeconds, p99Seconds: e.p99Seconds,
                                         joules: energyPerInference(model: model, threads: n) ?? 0)
            }
            models.append(GovernorStats.Model(name: model, chosenThreads: lastDecision?.threads(for: model), rows: rows))
        }
        return GovernorStats(decision: lastDecision, models: models, counters: counters,
                             sysfsProblems: reader?.openProblems ?? [:], droppedEvents: counters.droppedEvents)
    }

    private mutating func noteThrottle(_ flags: ThrottleFlags?, now: ContinuousClock.Instant) {
        guard let flags else { return }
        let before = lastThrottle ?? []
        let rising = flags.subtracting(before)
        if rising.contains(.underVoltage) {
            emit(now, .error, "ember.governor.undervoltage",
                 "UNDER-VOLTAGE: the supply is too weak (below about 4.63 V); the firmware caps the clock and the board may crash. Use a proper power supply and cable.",
                 ["throttled": flags.hex])
        } else if lastThrottle == nil, flags.contains(.underVoltageOccurred) {
            emit(now, .warning, "ember.governor.undervoltage", "under-voltage has occurred since boot: the supply is marginal",
                 ["throttled": flags.hex])
        }
        for (flag, what) in [(ThrottleFlags.frequencyCapped, "ARM frequency capped"), (.throttled, "throttled"),
                             (.softTemperatureLimit, "soft temperature limit active")] where rising.contains(flag) {
            emit(now, .warning, "ember.governor.throttled", "firmware: \(what)", ["throttled": flags.hex])
        }
        let cleared = before.intersection([.underVoltage, .frequencyCapped, .throttled, .softTemperatureLimit]).subtracting(flags)
        if !cleared.isEmpty {
            emit(now, .notice, "ember.governor.throttled", "firmware: \(cleared.names.joined(separator: ", ")) cleared", ["throttled": flags.hex])
        }
        lastThrottle = flags
    }

    /// A decision event when what the daemon must do changed (threads, rate, pressure step).
    private mutating func announce(_ d: Decision) {
        func key(_ x: Decision) -> [String] {
            [String(x.threadCap), x.threads.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","),
             x.maxRate.map { String(format3($0)) } ?? "-", String(Int(x.thermalPressure * 10))]
        }
        if let previous = lastAnnounced, key(previous) == key(d) { return }
        lastAnnounced = d
        var fields = ["thread_cap": String(d.threadCap), "thermal_pressure": format(d.thermalPressure),
                      "clock_scale": format(d.clockScale)]
        if let r = d.maxRate { fields["max_rate"] = format(r) }
        if let c = d.celsius { fields["celsius"] = format(c) }
        for (m, n) in d.threads { fields["threads." + m] = String(n) }
        let level: GovernorEvent.Level = d.thermalPressure > 0 ? .notice : .info
        let summary = "threads \(d.threadCap), rate " + (d.maxRate.map { "\(format($0))/s" } ?? "unlimited")
        emit(d.time, level, "ember.governor.decision", ([summary] + d.reasons).joined(separator: "; "), fields)
    }

    private mutating func emit(_ t: ContinuousClock.Instant, _ level: GovernorEvent.Level, _ name: String, _ message: String,
                               _ fields: [String: String] = [:]) {
        push(GovernorEvent(time: t, level: level, name: name, message: message, fields: fields))
    }

    private mutating func push(_ e: GovernorEvent) {
        if pending.count >= options.maxPendingEvents {
            pending.removeFirst()
            counters.droppedEvents += 1
        }
        pending.append(e)
    }
}

public struct GovernorCounters: Sendable, Equatable {
    public var admitted = 0
    public var deferred = 0
    public var rejectedDeadline = 0
    public var rejectedBudget = 0
    public var droppedEvents = 0

    mutating func count(_ a: Admission) {
        switch a {
        case .run: admitted += 1
        case .deferred: deferred += 1
        case .reject(.deadlineUnmeetable, _): rejectedDeadline += 1
        case .reject(.overBudget, _): rejectedBudget += 1
        }
    }
}

public struct GovernorStats: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public var threads: Int
        public var samples: Int
        public var meanSeconds: Double
        public var p99Seconds: Double
        /// Estimated board energy per inference.
        public var joules: Double
    }

    public struct Model: Sendable, Equatable {
        public var name: String
        public var chosenThreads: Int?
        public var rows: [Row]
    }

    public var decision: Decision?
    public var models: [Model]
    public var counters: GovernorCounters
    /// sysfs paths currently unreadable, with the problem.
    public var sysfsProblems: [String: String]
    public var droppedEvents: Int
}

// Small formatting helpers for reasons (no Foundation).
func format(_ x: Double) -> String {
    guard x.isFinite else { return String(x) }
    let r = (x * 100).rounded() / 100
    var s = String(r)
    if s.hasSuffix(".0") { s.removeLast(2) }
    return s
}

func format3(_ x: Double) -> Double {
    guard x.isFinite, x != 0 else { return x }
    var scale = 1.0
    while abs(x * scale) < 100 { scale *= 10 }
    while abs(x * scale) >= 1000 { scale /= 10 }
    return (x * scale).rounded() / scale
}

func threadsText(_ n: Int) -> String { n == 1 ? "1 thread" : "\(n) threads" }

func ms(_ seconds: Double) -> String { format(seconds * 1000) + " ms" }

func percent(_ x: Double) -> String { String(Int((x * 100).rounded())) + " %" }
