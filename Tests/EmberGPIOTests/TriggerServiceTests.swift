import Testing
import EmberGPIO
import EmberTestSupport

/// The service on a simulated chip, in real time: threads, gate, sources and outputs together.
/// Timing assertions leave generous margins for a loaded 2-core CI machine.
@Suite(.serialized) struct TriggerServiceTests {
    let dir = tempDirectory()

    func start(_ configs: [TriggerConfig], sim: SimulatedGPIO, recorder: FireRecorder,
               problems: ProblemRecorder = ProblemRecorder()) -> TriggerService {
        let service = TriggerService(triggers: configs, backend: sim, fire: { recorder.fire($0) },
                                     report: { problems.add($0.description) })
        let failures = service.start()
        #expect(failures.isEmpty, "\(failures)")
        return service
    }

    @Test func bouncingContactGivesOneFiringWithTheKernelTimestamp() throws {
        let path = dir + "/frame.jpg"
        writeFile(path, [0xFF, 0xD8, 1, 2, 3])
        let sim = SimulatedGPIO()
        let recorder = FireRecorder()
        let service = start([fileTrigger(path: path, debounceMs: 50, intervalMs: 0)], sim: sim, recorder: recorder)
        defer { service.stop() }

        var rng = SeededGenerator(seed: SeededGenerator.testSeed)
        let t0 = nowNs()
        // 12 edges within 20 ms of contact bounce (fewer than the line's queue holds, so none is dropped).
        let bounces = (1..<12).map { _ in t0 + UInt64.random(in: 1...(20 * ms), using: &rng) }.sorted()
        for t in [t0] + bounces {
            try sim.inject(line: .name("GPIO17"), rising: true, timestampNs: t)
        }
        #expect(waitUntil { recorder.count >= 1 })
        sleepMs(200)
        #expect(recorder.count == 1, "seed \(SeededGenerator.testSeed): \(recorder.count) firings")
        let event = try #require(recorder.all.first)
        #expect(event.trigger == "door" && event.model == "mobilenet")
        #expect(event.edge.timestampNs == t0)
        #expect(event.edge.offset == 17)
        #expect(event.firedAtNs >= t0)
        #expect((try? event.input.get().bytes) == [0xFF, 0xD8, 1, 2, 3])
        #expect(service.stats.first?.edgesDebounced == 11)
    }

    @Test func tenKilohertzStormStaysBoundedAndRespectsTheInterval() throws {
        let path = dir + "/storm.bin"
        writeFile(path, [1])
        let sim = SimulatedGPIO()
        let recorder = FireRecorder(workMs: 20)
        let interval: UInt64 = 150
        let service = start([fileTrigger(path: path, debounceMs: 0, intervalMs: interval)], sim: sim, recorder: recorder)
        defer { service.stop() }

        // 10 kHz for 1.5 s: an edge every 100 µs, stamped on a 100 µs grid, injected as fast as
        // the host manages to follow that grid.
        let start = nowNs()
        let duration: UInt64 = 1500 * ms
        var injected = 0
        var t = start
        while t < start + duration {
            while nowNs() < t {}
            try sim.inject(line: .name("GPIO17"), rising: true, timestampNs: t)
            injected += 1
            t += 100_000
        }
        sleepMs(Int(interval) + 100)
        let events = recorder.all
        let fireTimes = events.map(\.firedAtNs)
        let gaps = zip(fireTimes.dropFirst(), fireTimes).map { ($0 - $1) / ms }
        #expect(injected >= 14_000)
        #expect(gaps.allSatisfy { $0 >= interval }, "gaps in ms: \(gaps)")
        let bound = Int((duration + 100 * ms) / (interval * ms)) + 2
        #expect(events.count >= 3 && events.count <= bound, "\(events.count) firings, bound \(bound)")
        #expect(recorder.maxConcurrent == 1)
        // Every edge was either seen by the gate or dropped by the line's bounded queue; the
        // firings carry them all in merged counts, so nothing queued up behind the service.
        let stats = try #require(service.stats.first)
        let dropped = try sim.droppedEdges(line: .name("GPIO17"))
        #expect(stats.edgesSeen + dropped == injected)
        #expect(events.map(\.mergedEdges).reduce(0, +) <= stats.edgesSeen)
    }

    @Test func actionSetsTheLedForTheHoldTimeThenReleasesIt() throws {
        let path = dir + "/person.jpg"
        writeFile(path, [9, 9])
        let sim = SimulatedGPIO()
        let recorder = FireRecorder(scores: [LabelScore(label: "person", score: 0.91), LabelScore(label: "cat", score: 0.05)])
        let led = OutputLineSpec(chip: "gpiochip0", line: .name("GPIO27"))
        let action = ActionConfig(label: "person", threshold: 0.6, outputs: [led], holdNs: 300 * ms)
        let service = start([fileTrigger(path: path, intervalMs: 0, action: action)], sim: sim, recorder: recorder)
        defer { service.stop() }
        let offset27 = try sim.offset(line: .name("GPIO27"))

        try sim.inject(line: .name("GPIO17"))
        #expect(waitUntil { sim.outputChanges.contains { $0.offset == offset27 && $0.active } })
        #expect(waitUntil(timeoutMs: 2000) { sim.outputChanges.filter { $0.offset == offset27 }.count >= 3 })
        let changes = sim.outputChanges.filter { $0.offset == offset27 }
        // inactive at request, active on the result, inactive after the hold
        #expect(changes.map(\.active) == [false, true, false])
        let held = (changes[2].atNs - changes[1].atNs) / ms
        #expect(held >= 300 && held < 700, "held \(held) ms")
        #expect(service.stats.first?.actionsTaken == 1)
    }

    @Test func scoreBelowThresholdLeavesTheOutputAlone() throws {
        let path = dir + "/cat.jpg"
        writeFile(path, [1])
        let sim = SimulatedGPIO()
        let recorder = FireRecorder(scores: [LabelScore(label: "person", score: 0.59)])
        let action = ActionConfig(label: "person", threshold: 0.6,
                                  outputs: [OutputLineSpec(chip: "gpiochip0", line: .offset(27))], holdNs: 100 * ms)
        let service = start([fileTrigger(path: path, intervalMs: 0, action: action)], sim: sim, recorder: recorder)
        defer { service.stop() }
        try sim.inject(line: .name("GPIO17"))
        #expect(waitUntil { recorder.count == 1 })
        sleepMs(100)
        #expect(sim.outputChanges.filter { $0.offset == 27 }.map(\.active) == [false])
    }

    @Test func failingSourceGivesAnErrorEventAndTheTriggerStaysArmed() throws {
        let path = dir + "/missing.jpg"
        let sim = SimulatedGPIO()
        let recorder = FireRecorder(scores: [LabelScore(label: "person", score: 1)])
        let action = ActionConfig(label: "person", threshold: 0.5,
                                  outputs: [OutputLineSpec(chip: "gpiochip0", line: .offset(27))], holdNs: 50 * ms)
        let service = start([fileTrigger(path: path, debounceMs: 0, intervalMs: 0, action: action)], sim: sim, recorder: recorder)
        defer { service.stop() }

        try sim.inject(line: .name("GPIO17"))
        #expect(waitUntil { recorder.count == 1 })
        guard case .failure(let error)? = recorder.all.first?.input else {
            Issue.record("expected an input error"); return
        }
        #expect(error.description.contains(path) && error.description.contains("No such file"))
        #expect(sim.outputChanges.filter { $0.offset == 27 }.map(\.active) == [false], "no action on an error")

        writeFile(path, [7])
        try sim.inject(line: .name("GPIO17"))
        #expect(waitUntil { recorder.count == 2 })
        #expect((try? recorder.all[1].input.get().bytes) == [7])
        #expect(service.stats.first?.inputErrors == 1)
    }

    @Test func triggersThatCannotStartAreNamedAndTheOthersRun() throws {
        let path = dir + "/x.bin"
        writeFile(path, [1])
        let sim = SimulatedGPIO()
        let recorder = FireRecorder()
        let good = fileTrigger(name: "good", line: "GPIO17", path: path, intervalMs: 0)
        let unknown = fileTrigger(name: "typo", line: "GPIO99", path: path)
        let busy = fileTrigger(name: "twin", line: "GPIO17", path: path)
        var otherChip = fileTrigger(name: "elsewhere", line: "GPIO4", path: path)
        otherChip.line.chip = "gpiochip7"
        let service = TriggerService(triggers: [good, unknown, busy, otherChip], backend: sim, fire: { recorder.fire($0) })
        let failures = service.start().map(\.description)
        defer { service.stop() }
        #expect(failures.count == 3, "\(failures)")
        #expect(failures.contains { $0.contains("\"typo\"") && $0.contains("\"GPIO99\"") && $0.contains("gpiochip0") && $0.contains("no line with that name") })
        #expect(failures.contains { $0.contains("\"twin\"") && $0.contains("busy (used by \"emberd\")") })
        #expect(failures.contains { $0.contains("\"elsewhere\"") && $0.contains("gpiochip7") && $0.contains("no such chip") })
        #expect(service.runningTriggers == ["good"])
        try sim.inject(line: .name("GPIO17"))
        #expect(waitUntil { recorder.count == 1 })
    }

    @Test func fifoCommandsInjectEdges() throws {
        let path = dir + "/in.bin"
        writeFile(path, [1])
        let sim = SimulatedGPIO()
        let recorder = FireRecorder()
        let problems = ProblemRecorder()
        let service = start([fileTrigger(path: path, debounceMs: 0, intervalMs: 0)], sim: sim, recorder: recorder)
        defer { service.stop() }
        let fifoPath = dir + "/gpio-sim"
        let feeder = try SimulatedFIFOFeeder(path: fifoPath, backend: sim, report: { problems.add($0) })
        defer { feeder.stop() }

        let fd = open(fifoPath, O_WRONLY)
        #expect(fd >= 0)
        let text = "GPIO17 rising\nGPIO17 sideways\nGPIO99\n17 falling\n"
        _ = text.utf8CString.withUnsafeBytes { write(fd, $0.baseAddress, $0.count - 1) }
        close(fd)
        #expect(waitUntil { recorder.count == 1 && problems.all.count == 2 })
        #expect(problems.all.contains { $0.contains("unknown edge \"sideways\"") })
        #expect(problems.all.contains { $0.contains("\"GPIO99\"") })
        sleepMs(50)
        #expect(recorder.count == 1, "the falling edge is not one the trigger asked for")
    }
}
