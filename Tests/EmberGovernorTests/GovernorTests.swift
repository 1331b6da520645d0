import Testing
@testable import EmberGovernor

/// Step-by-step checks of the governor against a fake sysfs tree.
@Suite struct GovernorTests {
    func pi4Tree(_ tree: FakeSysfsTree, celsius: Double = 50) -> BoardProfile {
        let p = profile("pi-4b-1500")
        tree.populate(profile: p, modelString: "Raspberry Pi 4 Model B Rev 1.2", celsius: celsius, firmwareFlags: true)
        return p
    }

    func feed(_ g: inout Governor, model: String = "m", threads: Int, ms: Double, count: Int = 5, at time: Double = 0) {
        for i in 0..<count { g.observe(model: model, threads: threads, latency: .microseconds(Int(ms * 1000)), now: at(time + Double(i) * 0.001)) }
    }

    @Test func heatingShedsThreadsBeforeTheSoftLimitAndGivesThemBackWithHysteresis() throws {
        try withFakeTree { tree in
            let p = pi4Tree(tree)
            var g = Governor(profile: p, sysfs: tree.root)
            // (seconds, °C) → expected thread cap. Soft limit 80 °C, shedding from 70 °C, trend
            // extrapolated 10 s: at 70 °C rising 0.5 °C/s the governor already acts as if at 75 °C.
            let steps: [(Double, Double, Int)] = [(0, 60, 4), (10, 65, 4), (20, 70, 2), (30, 72.5, 2), (40, 75, 2),
                                                  (50, 80, 1), (60, 72, 3), (70, 60, 4)]
            var caps: [Int] = []
            for (t, c, _) in steps {
                tree.setTemperature(c)
                let d = g.decide(now: at(t))
                caps.append(d.threadCap)
                #expect(d.cores == Array(0..<d.threadCap))
                #expect(d.celsius == c)
            }
            #expect(caps == steps.map(\.2))
            let decisions = g.drainEvents().filter { $0.name == "ember.governor.decision" }
            #expect(decisions.count >= 4 && decisions.count <= steps.count)
            #expect(decisions.contains { $0.level == .notice && $0.message.contains("soft limit 80") })
        }
    }

    @Test func firmwareThrottlingMeansFullShedding() throws {
        try withFakeTree { tree in
            var g = Governor(profile: pi4Tree(tree, celsius: 50), sysfs: tree.root)
            tree.setThrottle([.throttled, .throttledOccurred])
            let d = g.decide(now: at(0))
            #expect(d.thermalPressure == 1)
            #expect(d.threadCap == 1)
            #expect(g.drainEvents().contains { $0.name == "ember.governor.throttled" && $0.level == .warning })
        }
    }

    @Test func frequencyCapScalesPredictionsAndAdmission() throws {
        try withFakeTree { tree in
            let p = pi4Tree(tree)
            var g = Governor(profile: p, sysfs: tree.root)
            _ = g.decide(now: at(0))
            for n in 1...4 { feed(&g, threads: n, ms: 40 / Double(n)) }
            _ = g.decide(now: at(1))
            #expect(abs((g.predict(model: "m", threads: 4)?.meanSeconds ?? 0) - 0.010) < 1e-9)
            if case .run(let n, _) = g.admit(model: "m", deadline: .milliseconds(15), queueDepth: 0, now: at(1.1)) {
                #expect(n == 4)
            } else { Issue.record("expected run at full clock") }

            for cpu in 0..<4 { tree.setClock(cpu: cpu, currentMHz: 750, maxMHz: 1500) }
            tree.setThrottle([.frequencyCapped, .frequencyCappedOccurred])
            let d = g.decide(now: at(2))
            #expect(d.clockScale == 0.5)
            #expect(d.reasons.contains { $0.contains("clock at 50 %") })
            #expect(abs((g.predict(model: "m", threads: 4)?.meanSeconds ?? 0) - 0.020) < 1e-9)
            guard case .reject(.deadlineUnmeetable, let why) = g.admit(model: "m", deadline: .milliseconds(15), queueDepth: 0, now: at(2.1)) else {
                Issue.record("expected deadline_unmeetable at half clock"); return
            }
            #expect(why.contains("20 ms"))
            // A sample measured at half clock is stored at full-clock speed: the estimate holds.
            g.observe(model: "m", threads: 4, latency: .milliseconds(20), now: at(2.2))
            #expect(abs((g.predict(model: "m", threads: 4)?.meanSeconds ?? 0) - 0.020) < 1e-9)
            #expect(g.drainEvents().contains { $0.name == "ember.governor.throttled" && $0.message.contains("capped") })
        }
    }

    @Test func underVoltageWarnsLoudlyOncePerEpisodeAndHalvesThreads() throws {
        try withFakeTree { tree in
            var g = Governor(profile: pi4Tree(tree), sysfs: tree.root)
            #expect(g.decide(now: at(0)).threadCap == 4)
            _ = g.drainEvents()
            tree.setThrottle([.underVoltage, .frequencyCapped, .underVoltageOccurred, .frequencyCappedOccurred])
            let d = g.decide(now: at(1))
            #expect(d.threadCap == 2)
            #expect(d.reasons.contains { $0.contains("under-voltage") })
            let errors = g.drainEvents().filter { $0.level == .error }
            #expect(errors.count == 1)
            #expect(errors.first?.name == "ember.governor.undervoltage")
            for t in 2...5 { _ = g.decide(now: at(Double(t))) }
            #expect(g.drainEvents().filter { $0.level == .error }.isEmpty, "reported once, not every tick")

            tree.setThrottle([.underVoltageOccurred, .frequencyCappedOccurred])
            #expect(g.decide(now: at(6)).threadCap == 4)
            #expect(g.drainEvents().contains { $0.level == .notice && $0.message.contains("cleared") })
            tree.setThrottle([.underVoltage, .underVoltageOccurred])
            _ = g.decide(now: at(7))
            #expect(g.drainEvents().filter { $0.level == .error }.count == 1, "a new episode is reported again")
        }
    }

    @Test func underVoltageSinceBootIsAWarningAtStart() throws {
        try withFakeTree { tree in
            var g = Governor(profile: pi4Tree(tree), sysfs: tree.root)
            tree.setThrottle([.underVoltageOccurred])
            _ = g.decide(now: at(0))
            let e = g.drainEvents().filter { $0.name == "ember.governor.undervoltage" }
            #expect(e.map(\.level) == [.warning])
        }
    }

    @Test func threadChoiceExploresThenMeetsTheObjectiveAtLeastEnergy() {
        let p = profile("pi-4b-1500")
        var g = Governor(profile: p, budget: GovernorBudget(latencyObjectives: ["m": .milliseconds(30)]), sysfs: nil)
        // Poor scaling: 40, 25, 22, 21 ms for 1-4 threads.
        let truth: [Int: Double] = [1: 40, 2: 25, 3: 22, 4: 21]
        var explored: [Int] = []
        for step in 0..<4 {
            let n = g.decide(now: at(Double(step)), readings: BoardReadings()).threads(for: "m")
            explored.append(n)
            feed(&g, threads: n, ms: truth[n]!, at: Double(step) + 0.5)
        }
        #expect(explored == [4, 3, 2, 1], "most threads first")
        // Board energy per inference: 2 threads 4.56 W × 25 ms = 0.114 J is the least within 30 ms.
        #expect(g.decide(now: at(5), readings: BoardReadings()).threads(for: "m") == 2)
        g.budget.latencyObjectives["m"] = .milliseconds(23)
        #expect(g.decide(now: at(6), readings: BoardReadings()).threads(for: "m") == 3)
        g.budget.latencyObjectives["m"] = .milliseconds(10)
        let d = g.decide(now: at(7), readings: BoardReadings())
        #expect(d.threads(for: "m") == 4)
        #expect(d.reasons.contains { $0.contains("no thread count meets the p99 objective 10 ms") })
        let energy = g.energyPerInference(model: "m", threads: 2)!
        #expect(abs(energy - (2.7 + 2 * 0.93) * 0.025) < 1e-9)
    }

    @Test func p99ComesFromTheRing() {
        var g = Governor(profile: profile("pi-5"), sysfs: nil)
        for i in 0..<100 { g.observe(model: "m", threads: 1, latency: .milliseconds(i == 20 ? 90 : 10), now: at(Double(i))) }
        let e = g.predict(model: "m", threads: 1)!
        #expect(abs(e.p99Seconds - 0.010) < 1e-9, "64-sample ring: the spike at sample 20 has aged out")
        g.observe(model: "m", threads: 1, latency: .milliseconds(90), now: at(101))
        #expect(abs(g.predict(model: "m", threads: 1)!.p99Seconds - 0.090) < 1e-9)
        #expect(g.predict(model: "m", threads: 1)!.samples == 101)
    }

    @Test func admissionFromLearnedLatencyAndQueue() {
        var options = GovernorOptions()
        options.workers = 2
        var g = Governor(profile: profile("pi-4b-1500"), options: options, sysfs: nil)
        // No data: run, and say so.
        guard case .run(4, let why) = g.admit(model: "m", deadline: .milliseconds(1), queueDepth: 9, now: at(0)) else {
            Issue.record("no data must not reject"); return
        }
        #expect(why.contains("no latency data"))
        for n in 1...4 { feed(&g, threads: n, ms: 40 / Double(n)) }
        _ = g.decide(now: at(1), readings: BoardReadings())
        // 4 queued on 2 workers: 2 waves of 10 ms, then this one: 30 ms.
        #expect(g.admit(model: "m", deadline: .milliseconds(35), queueDepth: 4, now: at(1)) == .run(threads: 4, reason: "4 threads"))
        guard case .reject(.deadlineUnmeetable, let reason) = g.admit(model: "m", deadline: .milliseconds(25), queueDepth: 4, now: at(1)) else {
            Issue.record("expected deadline_unmeetable"); return
        }
        #expect(reason.contains("30 ms") && reason.contains("25 ms"))
        #expect(g.stats.counters.rejectedDeadline == 1)
    }

    @Test func batchesCountOneInferencePerText() {
        var options = GovernorOptions()
        options.workers = 2
        var g = Governor(profile: profile("pi-4b-1500"), options: options, sysfs: nil)
        // A batch of 4 texts in 40 ms teaches 10 ms per inference (at 4 threads; fewer are slower).
        for n in 1...4 {
            for i in 0..<8 { g.observe(model: "m", threads: n, latency: .milliseconds(Int64(160 / n)), units: 4, now: at(Double(i) * 0.01)) }
        }
        #expect(abs(g.predict(model: "m", threads: 4)!.meanSeconds - 0.010) < 1e-9)
        _ = g.decide(now: at(1), readings: BoardReadings())
        // 2 inferences queued on 2 workers: one wave of 10 ms, then this request's 3 runs: 40 ms.
        #expect(g.admit(model: "m", units: 3, deadline: .milliseconds(45), queueDepth: 2, now: at(1)) == .run(threads: 4, reason: "4 threads"))
        guard case .reject(.deadlineUnmeetable, let reason) = g.admit(model: "m", units: 3, deadline: .milliseconds(35), queueDepth: 2, now: at(1)) else {
            Issue.record("expected deadline_unmeetable"); return
        }
        #expect(reason.contains("40 ms") && reason.contains("3 in this request"), "\(reason)")
        #expect(g.admit(model: "m", units: 1, deadline: .milliseconds(35), queueDepth: 2, now: at(1)) == .run(threads: 4, reason: "4 threads"))
    }

    @Test func admissionRaisesThreadsToMeetADeadline() {
        var g = Governor(profile: profile("pi-4b-1500"), budget: GovernorBudget(latencyObjectives: ["m": .milliseconds(100)]), sysfs: nil)
        for n in 1...4 { feed(&g, threads: n, ms: [1: 40.0, 2: 25, 3: 22, 4: 21][n]!) }
        #expect(g.decide(now: at(1), readings: BoardReadings()).threads(for: "m") == 2)
        #expect(g.admit(model: "m", deadline: .milliseconds(23), queueDepth: 0, now: at(1))
                == .run(threads: 4, reason: "4 threads, raised to meet the deadline"))
    }

    @Test func powerBudgetLimitsTheRateAndDefers() {
        let p = profile("pi-4b-1500")
        var g = Governor(profile: p, budget: GovernorBudget(powerWatts: 4.0), sysfs: nil)
        for n in 1...4 { feed(&g, threads: n, ms: [1: 40.0, 2: 25, 3: 22, 4: 21][n]!) }
        let d = g.decide(now: at(1), readings: BoardReadings())
        let n = d.threads(for: "m")
        let dynamic = Double(n) * p.activeCoreWatts * g.predict(model: "m", threads: n)!.meanSeconds
        let expected = (4.0 - p.idleWatts) / dynamic
        #expect(abs(d.maxRate! - expected) < 1e-9)
        // A burst at one instant: the bucket holds one second's worth, then requests are deferred.
        var ran = 0
        var deferredFor: Duration?
        for _ in 0..<200 {
            switch g.admit(model: "m", deadline: nil, queueDepth: 0, now: at(1)) {
            case .run: ran += 1
            case .deferred(let after, let why):
                deferredFor = deferredFor ?? after
                #expect(why.contains("power budget"))
            case .reject: Issue.record("no rejection without a deadline")
            }
        }
        #expect(ran == Int(expected.rounded(.down)))
        #expect(deferredFor != nil)
        // Under a power budget the least energy above idle wins: 1 thread (0.93 W × 40 ms).
        #expect(n == 1)
        // 22 ms: only 4 threads (21 ms) make it, and not after waiting ~3 ms for the rate: over budget.
        guard case .reject(.overBudget, _) = g.admit(model: "m", deadline: .milliseconds(22), queueDepth: 0, now: at(1)) else {
            Issue.record("expected over_budget"); return
        }
    }

    @Test func budgetsThatCannotBeMetAreRejected() {
        var g = Governor(profile: profile("pi-4b-1500"), budget: GovernorBudget(powerWatts: 2.0), sysfs: nil)
        guard case .reject(.overBudget, let why) = g.admit(model: "m", deadline: nil, queueDepth: 0, now: at(0)) else {
            Issue.record("power below idle must reject"); return
        }
        #expect(why.contains("idle power"))

        var e = Governor(profile: profile("pi-4b-1500"), budget: GovernorBudget(energyPerInferenceJoules: 0.05), sysfs: nil)
        for n in 1...4 { feed(&e, threads: n, ms: 40 / Double(n)) }  // least: 4 threads, 6.42 W × 10 ms = 0.064 J
        _ = e.decide(now: at(1), readings: BoardReadings())
        guard case .reject(.overBudget, let reason) = e.admit(model: "m", deadline: nil, queueDepth: 0, now: at(1)) else {
            Issue.record("energy budget must reject"); return
        }
        #expect(reason.contains("0.06 J") && reason.contains("0.05 J"))
        e.budget.energyPerInferenceJoules = 0.07
        #expect(e.admit(model: "m", deadline: nil, queueDepth: 0, now: at(1)) == .run(threads: 4, reason: "4 threads"))
    }

    @Test func thermalPressureCutsTheRateRelativeToTheCoolRate() throws {
        try withFakeTree { tree in
            var g = Governor(profile: pi4Tree(tree, celsius: 50), sysfs: tree.root)
            // 20 inferences a second for 12 s while cool.
            for i in 0..<240 { g.observe(model: "m", threads: 4, latency: .milliseconds(10), now: at(Double(i) / 20)) }
            #expect(g.decide(now: at(12)).maxRate == nil)
            tree.setTemperature(75)  // jump: slope large, pressure 1
            let d = g.decide(now: at(13))
            #expect(d.thermalPressure == 1)
            #expect(abs(d.maxRate! - 19.9 * 0.25) < 1e-6)  // 199 completions in the 10 s window
            tree.setTemperature(86)  // past the hard limit
            #expect(abs(g.decide(now: at(14)).maxRate! - 1.99) < 1e-6)
        }
    }

    @Test func eventsAreBoundedAndDropsCounted() {
        var options = GovernorOptions()
        options.maxPendingEvents = 3
        var g = Governor(profile: profile("pi-4b-1500"), options: options, sysfs: nil)
        for i in 0..<10 {
            var r = BoardReadings()
            r.thermalZones = [ThermalZoneReading(zone: "thermal_zone0", type: "cpu-thermal", celsius: i % 2 == 0 ? 50 : 79.9)]
            _ = g.decide(now: at(Double(i) * 100), readings: r)
        }
        #expect(g.drainEvents().count == 3)
        #expect(g.stats.droppedEvents == 7)
        #expect(g.drainEvents().isEmpty)
    }

    @Test func cpufreqControlIsOffByDefaultAndWritesWhenEnabled() throws {
        try withFakeTree { tree in
            let p = pi4Tree(tree, celsius: 50)
            var off = Governor(profile: p, sysfs: tree.root)
            tree.setTemperature(79)
            _ = off.decide(now: at(0))
            #expect(tree.root.readText("sys/devices/system/cpu/cpu0/cpufreq/scaling_max_freq") == "1500000\n")

            var options = GovernorOptions()
            options.cpufreqControl = true
            options.cpufreqGovernor = "schedutil"
            var on = Governor(profile: p, options: options, sysfs: tree.root)
            tree.setTemperature(75)  // pressure 0.5 → 1500 × 0.8 = 1200 MHz
            _ = on.decide(now: at(0))
            #expect(tree.root.readText("sys/devices/system/cpu/cpu3/cpufreq/scaling_max_freq") == "1200000")
            #expect(tree.root.readText("sys/devices/system/cpu/cpu0/cpufreq/scaling_governor") == "schedutil")
            tree.setTemperature(50)
            _ = on.decide(now: at(100))
            #expect(tree.root.readText("sys/devices/system/cpu/cpu0/cpufreq/scaling_max_freq") == "1500000")
            #expect(on.drainEvents().filter { $0.name == "ember.governor.cpufreq" }.count == 3)
        }
    }

    @Test func cpufreqWriteFailureSwitchesControlOffOnce() throws {
        try withFakeTree { tree in
            let p = pi4Tree(tree, celsius: 75)
            for cpu in 0..<4 { tree.remove("sys/devices/system/cpu/cpu\(cpu)/cpufreq/scaling_max_freq") }
            tree.makeDirectories("sys/devices/system/cpu/cpu0/cpufreq/scaling_max_freq")  // a directory: writes fail
            var options = GovernorOptions()
            options.cpufreqControl = true
            var g = Governor(profile: p, options: options, sysfs: tree.root)
            for t in 0..<3 { _ = g.decide(now: at(Double(t))) }
            let warnings = g.drainEvents().filter { $0.name == "ember.governor.cpufreq" }
            #expect(warnings.count == 1)
            #expect(warnings.first?.level == .warning)
        }
    }
}

@Suite struct GovernorOptionTests {
    @Test func nonsenseOptionsDoNotTrap() {
        var o = GovernorOptions()
        o.workers = 0
        o.maxThreads = -3
        o.maxPendingEvents = 0
        o.latencyWindow = 0
        o.rateWindow = .zero
        o.thermalHeadroomC = -.infinity
        var g = Governor(profile: profile("pi-4b-1500"), options: o, sysfs: nil)
        g.observe(model: "m", threads: 1, latency: .milliseconds(10), now: at(0))
        let d = g.decide(now: at(1), readings: BoardReadings())
        #expect(d.threadCap == 1)
        #expect(g.admit(model: "m", deadline: .milliseconds(100), queueDepth: 5, now: at(1)) == .run(threads: 1, reason: "1 thread"))
        #expect(g.drainEvents().count == 1)
    }
}
