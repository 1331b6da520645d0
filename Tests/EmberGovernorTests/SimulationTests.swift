import Testing
@testable import EmberGovernor

/// The governor in the loop with a simulated board writing a fake sysfs tree: heating, clock
/// capping and under-voltage under a synthetic MobileNetV2-sized load, checked tick by tick.
@Suite struct SimulationTests {
    func simulate(_ id: String, seconds: Int, rate: Double, deadlineMS: Int? = 500, budget: GovernorBudget = GovernorBudget(),
                  options: GovernorOptions = GovernorOptions(), events: [Int: [SimulationScenario.Event]] = [:],
                  seed: UInt64 = 7) throws -> (SimulationReport, [GovernorEvent]) {
        try withFakeTree { tree in
            var scenario = SimulationScenario()
            scenario.seconds = seconds
            scenario.seed = seed
            scenario.events = events
            let load = SimulatedLoad(model: "mobilenetv2", macs: 300e6, arrivalsPerSecond: rate, deadline: deadlineMS.map { .milliseconds($0) })
            var sim = BoardSimulator(profile: profile(id), budget: budget, options: options, scenario: scenario, load: load, tree: tree)
            let report = sim.run()
            return (report, sim.drainEvents())
        }
    }

    @Test func sheddingKeepsABareBoardUnderTheSoftLimitWhereTheFirmwareWouldThrottle() throws {
        var off = GovernorOptions()
        off.thermalShedding = false
        let (unmanaged, _) = try simulate("pi-4b-1500", seconds: 300, rate: 100, options: off)
        #expect(unmanaged.maxCelsius >= 80, "the load must be heavy enough to reach the soft limit")
        #expect(unmanaged.firmwareThrottledSeconds > 0)

        let (managed, events) = try simulate("pi-4b-1500", seconds: 300, rate: 100)
        #expect(managed.firmwareThrottledSeconds == 0)
        #expect(managed.maxCelsius < 80)
        // Step by step: full threads while cool, fewer once within 10 °C of the limit, and never
        // fewer threads while cooler than shedding starts.
        for t in managed.ticks {
            if t.celsius < 65 { #expect(t.decision.threadCap == 4, "second \(t.second) at \(t.celsius) °C") }
            if t.decision.threadCap < 4 { #expect(t.celsius >= 65 && t.celsius < 80, "second \(t.second)") }
        }
        let firstShed = try #require(managed.ticks.first { $0.decision.threadCap < 4 })
        #expect(firstShed.decision.reasons.contains { $0.contains("soft limit") })
        #expect(events.contains { $0.name == "ember.governor.decision" && $0.level == .notice })
        #expect(!events.contains { $0.name == "ember.governor.throttled" })
    }

    @Test func underVoltageIsLoudOnceCapsTheClockAndHalvesThreads() throws {
        let (r, events) = try simulate("pi-4b-1500", seconds: 60, rate: 30, events: [20: [.underVoltage(true)], 40: [.underVoltage(false)]])
        for t in r.ticks {
            if (20..<40).contains(t.second) {
                #expect(t.throttle.contains(.underVoltage))
                #expect(t.clockMHz == 600)
                #expect(t.decision.threadCap <= 2, "second \(t.second)")
                #expect(t.decision.clockScale == 0.4)
            } else if t.second >= 41 {
                #expect(!t.throttle.contains(.underVoltage))
                #expect(t.decision.threadCap == 4, "second \(t.second)")
            }
        }
        let loud = events.filter { $0.level == .error }
        #expect(loud.count == 1)
        #expect(loud.first?.name == "ember.governor.undervoltage")
        #expect(loud.first?.message.contains("UNDER-VOLTAGE") == true)
        #expect(events.contains { $0.message.contains("cleared") })
    }

    @Test func aCappedClockMakesTightDeadlinesUnmeetable() throws {
        // 4 threads take about 10.5 ms at 1.5 GHz; a 15 ms deadline holds until the clock halves.
        let (r, events) = try simulate("pi-4b-1500", seconds: 40, rate: 20, deadlineMS: 15, events: [20: [.clockCap(0.5)]])
        for t in r.ticks where t.second >= 10 && t.second < 20 {
            #expect(t.rejectedDeadline == 0, "second \(t.second)")
            #expect(t.decision.clockScale == 1)
        }
        for t in r.ticks where t.second >= 21 {
            #expect(t.decision.clockScale == 0.5)
            #expect(t.admitted == 0 && t.rejectedDeadline == t.arrived, "second \(t.second): from learned latency, not a guess")
        }
        #expect(events.contains { $0.name == "ember.governor.throttled" && $0.message.contains("capped") })
    }

    @Test func aPowerBudgetHoldsOnAverage() throws {
        let budget = GovernorBudget(powerWatts: 4.6)
        let (r, _) = try simulate("pi-4b-1500", seconds: 120, rate: 80, budget: budget)
        let settled = r.ticks.dropFirst(20)
        let watts = settled.reduce(0) { $0 + $1.joules } / Double(settled.count)
        #expect(watts <= 4.6 * 1.03, "average \(watts) W")
        #expect(watts >= 4.6 * 0.85, "the budget should be used, not wasted: \(watts) W")
        #expect(settled.allSatisfy { $0.decision.maxRate != nil })
    }

    @Test func runsAreReproducible() throws {
        let (a, _) = try simulate("pi-zero-2-w", seconds: 30, rate: 30, seed: 99)
        let (b, _) = try simulate("pi-zero-2-w", seconds: 30, rate: 30, seed: 99)
        #expect(a.latencies == b.latencies)
        #expect(a.joules == b.joules)
        let (c, _) = try simulate("pi-zero-2-w", seconds: 30, rate: 30, seed: 100)
        #expect(a.latencies != c.latencies, "the seed must matter")
    }
}
