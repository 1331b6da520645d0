// The governor inside a real emberd: a fake /proc + /sys tree (sysfs_root) stands in for the
// board, the tests heat it, cut its supply and break its files, and watch the replies, the
// `stats` reply and the PUB events.
import EmberDaemon
import EmberGovernor
import EmberTransport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// emberd on a simulated Raspberry Pi 4B (1.5 GHz) at 50 °C, with a subscriber to its governor events.
private final class GovernedDaemon {
    let tree: FakeSysfsTree
    let daemon: DaemonProcess
    let context: ZMQContext
    let client: TestClient
    let events: ZMQSocket

    init(config: String, delay: Int = 5, model: String = "") throws {
        tree = try FakeSysfsTree.makeTemporary(prefix: "emberd-governor").get()
        let profile = try #require(BoardCatalog.profile(id: "pi-4b-1500"))
        tree.populate(profile: profile, modelString: "Raspberry Pi 4 Model B Rev 1.2", celsius: 50, firmwareFlags: true)
        do {
            daemon = try DaemonProcess(config: """
                sysfs_root = "\(tree.root.path)"
                governor_tick_ms = 50
                \(config)
                [[model]]
                name = "echo"
                path = "builtin:echo?delay_ms=\(delay)"
                \(model)
                """ + "\n")
        } catch {
            tree.destroy()
            throw error
        }
        context = try ZMQContext()
        client = try TestClient(context, endpoint: daemon.endpoint)
        events = try ZMQSocket(context, .sub)
        try events.setLinger(milliseconds: 0)
        try events.subscribe(Array("ember.governor.".utf8))
        try events.setReceiveTimeout(milliseconds: 5000)
        try events.connect(daemon.pubEndpoint)
        sleepMilliseconds(200)  // let the subscription reach the publisher
    }

    deinit { tree.destroy() }

    /// The next event on `topic` whose body satisfies `accept`; nil after 5 s without one.
    func nextEvent(_ topic: String, where accept: (JSONValue) -> Bool = { _ in true }) throws -> JSONValue? {
        while let frames = try events.receive() {
            guard frames.count == 2, frames[0] == Array(topic.utf8) else { continue }
            let body = try JSONParser.parse(frames[1])
            if accept(body) { return body }
        }
        return nil
    }

    /// Every event already delivered (waits up to `quietMilliseconds` for each).
    func drainEvents(quietMilliseconds: Int32 = 300) throws -> [(topic: String, body: JSONValue)] {
        try events.setReceiveTimeout(milliseconds: quietMilliseconds)
        defer { try? events.setReceiveTimeout(milliseconds: 5000) }
        var out: [(String, JSONValue)] = []
        while let frames = try events.receive(), frames.count == 2 {
            out.append((String(decoding: frames[0], as: UTF8.self), try JSONParser.parse(frames[1])))
        }
        return out
    }

    func governorStats() throws -> JSONValue {
        let stats = try client.call(.stats)
        return try #require(stats.header["governor"], "\(stats.header)")
    }

    func infer(_ id: String, deadline: Int64? = nil) throws -> Reply {
        try client.call(Request(id: id, operation: .infer(InferRequest(model: "echo", input: .tensor(dtype: .uint8, shape: [1], data: [7]),
                                                                       deadlineMilliseconds: deadline))))
    }
}

/// Polls `condition` every 20 ms for up to 5 s (the daemon acts on its own ticks).
private func eventually(_ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = monotonicNanoseconds() + 5_000_000_000
    while monotonicNanoseconds() < deadline {
        if try condition() { return true }
        sleepMilliseconds(20)
    }
    return try condition()
}

/// Each thread's allowed CPUs as /proc shows them ("0-1", "0", ...).
private func threadAffinities(of pid: pid_t) -> [String] {
    guard let dir = opendir("/proc/\(pid)/task") else { return [] }
    defer { closedir(dir) }
    var lists: [String] = []
    while let entry = readdir(dir) {
        let tid = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        guard tid.first?.isNumber == true, let status = try? readTextFile("/proc/\(pid)/task/\(tid)/status") else { continue }
        if let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) {
            lists.append(line.dropFirst("Cpus_allowed_list:".count).trimmingPrefix(while: \.isWhitespace).description)
        }
    }
    return lists
}

private func int(_ value: JSONValue?) -> Int64? {
    if case .int(let n)? = value { return n }
    return nil
}

/// A JSON number either way: the encoder writes integral doubles (a rate of 12.0/s) as integers.
private func number(_ value: JSONValue?) -> Double? {
    switch value {
    case .int(let n)?: return Double(n)
    case .double(let d)?: return d
    default: return nil
    }
}

@Suite(.serialized) struct GovernorDaemonTests {
    @Test func heatingShedsThreadsAndPublishesTheDecision() throws {
        let g = try GovernedDaemon(config: "threads_per_inference = 4")
        var stats = try g.governorStats()
        #expect(stats["board"] == .string("pi-4b-1500"), "detected from the fake device-tree model: \(stats)")
        #expect(int(stats["thread_cap"]) == 4)
        #expect(try g.infer("cool").isOK)

        // 78 °C: within 10 °C of the 80 °C soft limit, before the firmware would throttle.
        g.tree.setTemperature(78)
        let event = try #require(try g.nextEvent("ember.governor.decision") { int($0["thread_cap"]).map { $0 < 4 } == true })
        #expect(event["event"] == .string("governor.decision"))
        #expect(event["level"] == .string("notice"))
        if case .string(let message)? = event["message"] { #expect(message.contains("shedding"), "\(message)") }

        stats = try g.governorStats()
        #expect(int(stats["thread_cap"]).map { $0 < 4 } == true, "\(stats)")
        if let pressure = number(stats["thermal_pressure"]) { #expect(pressure > 0) } else { Issue.record("\(stats)") }
        guard case .array(let reasons)? = stats["reasons"] else { Issue.record("no reasons: \(stats)"); return }
        #expect(reasons.contains { if case .string(let r) = $0 { r.contains("thermal: threads") } else { false } }, "\(reasons)")
        #expect(try g.infer("warm").isOK, "the daemon keeps serving with fewer threads")

        // Cooled down: the threads come back.
        g.tree.setTemperature(45)
        let restored = try g.nextEvent("ember.governor.decision") { int($0["thread_cap"]) == 4 }
        #expect(restored != nil)
    }

    @Test func heatingCutsTheRateMeasuredWhileCoolAndDefersTheExcess() throws {
        // 20 ms runs keep the cool rate under 50/s, so the burst below fits the 64-deep queue.
        let g = try GovernedDaemon(config: "queue_depth = 64", delay: 20)
        // 11 s of back-to-back traffic while cool: the rate the governor sheds from (its window is 10 s).
        let end = monotonicNanoseconds() + 11_000_000_000
        var sent = 0
        while monotonicNanoseconds() < end {
            #expect(try g.infer("cool\(sent)").isOK)
            sent += 1
        }
        g.tree.setTemperature(78)
        let event = try #require(try g.nextEvent("ember.governor.decision") { $0["max_rate"] != nil })
        guard let rate = number(event["max_rate"]) else { Issue.record("\(event)"); return }
        #expect(rate > 0 && rate < Double(sent) / 10, "cut below the cool rate: \(rate)/s after \(sent) requests in 11 s")

        // A burst beyond the cap: the excess is deferred (and still answered), not refused.
        let burst = min(Int(rate) + 10, 60)
        for index in 0..<burst {
            try g.client.send(RequestEncoder.encode(Request(id: "hot\(index)", operation: .infer(InferRequest(
                model: "echo", input: .tensor(dtype: .uint8, shape: [1], data: [1]))))))
        }
        var ok = 0
        for _ in 0..<burst {
            let reply = try g.client.receive()
            if reply.isOK { ok += 1 }
        }
        #expect(ok == burst)
        let stats = try g.governorStats()
        #expect(int(stats["admission"]?["deferred"]).map { $0 >= 1 } == true, "\(stats)")
    }

    @Test func underVoltageIsAWarningEvent() throws {
        let g = try GovernedDaemon(config: "threads_per_inference = 4\nstats_textfile = \"$DIR/ember.prom\"\nstats_interval_ms = 100")
        g.tree.setThrottle([.underVoltage, .underVoltageOccurred])
        let event = try #require(try g.nextEvent("ember.governor.undervoltage"))
        #expect(event["level"] == .string("warning"))
        #expect(event["throttled"] == .string("0x10001"))
        if case .string(let message)? = event["message"] { #expect(message.contains("UNDER-VOLTAGE")) }
        // The threads are halved to draw less current.
        let halved = try g.nextEvent("ember.governor.decision") { int($0["thread_cap"]) == 2 }
        #expect(halved != nil)
        let stats = try g.governorStats()
        #expect(stats["under_voltage"] == .bool(true), "\(stats)")
        let health = try g.client.call(.health)
        #expect(health.header["governor"]?["under_voltage"] == .bool(true), "\(health.header)")
        #expect(health.header["governor"]?["board"] == .string("pi-4b-1500"))
        #expect(g.daemon.log().contains("<4>governor: UNDER-VOLTAGE"), "\(g.daemon.log())")
        #expect(try g.infer("uv").isOK)
        let path = g.daemon.directory.path + "/ember.prom"
        #expect(eventually { (try? readTextFile(path))?.contains("outcome=\"run\"} 1\n") == true }, "the next stats_textfile period")
        let prom = try readTextFile(path)
        #expect(prom.contains("ember_governor_under_voltage 1.0\n"), "\(prom)")
        #expect(prom.contains("ember_governor_thread_cap 2.0\n"))
        #expect(prom.contains("ember_governor_admissions_total{outcome=\"run\"} 1\n"))
    }

    @Test func aDeadlineTheLearnedLatencyCannotMeetIsRefusedWithoutRunning() throws {
        // The warm-up run teaches the governor that an inference takes about 200 ms.
        let g = try GovernedDaemon(config: "workers = 1", delay: 200)
        let refused = try g.infer("tight", deadline: 50)
        #expect(refused.error?.code == .deadlineUnmeetable, "\(refused.header)")
        #expect(refused.error?.message.contains("cannot be met") == true)
        #expect(try g.infer("roomy", deadline: 2000).isOK)

        // Behind a running request, 300 ms cannot be met (about 200 + 200 ms).
        try g.client.send(RequestEncoder.encode(Request(id: "first", operation: .infer(InferRequest(
            model: "echo", input: .tensor(dtype: .uint8, shape: [1], data: [1]))))))
        sleepMilliseconds(20)
        try g.client.send(RequestEncoder.encode(Request(id: "behind", operation: .infer(InferRequest(
            model: "echo", input: .tensor(dtype: .uint8, shape: [1], data: [2]), deadlineMilliseconds: 300)))))
        var codes: [String: String] = [:]
        for _ in 0..<2 {
            let reply = try g.client.receive()
            codes[reply.id ?? "?"] = reply.error?.code.rawValue ?? "ok"
        }
        #expect(codes == ["first": "ok", "behind": "deadline_unmeetable"])

        let stats = try g.client.call(.stats)
        #expect(stats.header["models"]?["echo"]?["ok"] == .int(2), "the refused requests never ran")
        #expect(stats.header["models"]?["echo"]?["errors"]?["deadline_unmeetable"] == .int(2))
        let governor = try #require(stats.header["governor"])
        #expect(int(governor["admission"]?["deadline_unmeetable"]) == 2, "\(governor)")
        guard case .array(let rows)? = governor["models"]?["echo"]?["latency"], let row = rows.first else {
            Issue.record("no learned latency: \(governor)"); return
        }
        #expect(int(row["samples"]) == 3, "warm-up + 2 runs: \(row)")
    }

    @Test func anExhaustedPowerBudgetRefusesWhatCannotWaitAndDefersTheRest() throws {
        // 2.72 W on a 2.7 W-idle board: 0.02 J/s for inference; one 50 ms run on a core costs
        // about 0.05 J, so the budget is spent by the first request for a couple of seconds.
        let g = try GovernedDaemon(config: "power_budget_watts = 2.72", delay: 50)
        #expect(try g.infer("first").isOK)
        let refused = try g.infer("hurried", deadline: 500)
        #expect(refused.error?.code == .overBudget, "\(refused.header)")
        #expect(refused.error?.message.contains("power budget 2.72 W") == true, "\(refused.error?.message ?? "")")
        // Without a deadline it waits for the budget, then runs.
        #expect(try g.infer("patient").isOK)

        let stats = try g.governorStats()
        #expect(int(stats["admission"]?["over_budget"]) == 1, "\(stats)")
        #expect(int(stats["admission"]?["deferred"]).map { $0 >= 1 } == true, "\(stats)")
        #expect(stats["budget"]?["power_watts"] == .double(2.72))
        guard case .array(let rows)? = stats["models"]?["echo"]?["latency"], let row = rows.first,
              let joules = number(row["joules"]) else { Issue.record("no energy estimate: \(stats)"); return }
        #expect(joules > 2.7 * 0.05, "board energy of a 50 ms inference: \(joules) J")
    }

    @Test func aStopEndsTheWaitForTheBudget() throws {
        let g = try GovernedDaemon(config: "power_budget_watts = 2.72", delay: 50)
        #expect(try g.infer("first").isOK)
        // Deferred for about 2 s by the spent budget; SIGTERM must not wait for it.
        try g.client.send(RequestEncoder.encode(Request(id: "waiting", operation: .infer(InferRequest(
            model: "echo", input: .tensor(dtype: .uint8, shape: [1], data: [1]))))))
        sleepMilliseconds(100)
        g.daemon.signal(SIGTERM)
        let reply = try g.client.receive()
        #expect(reply.id == "waiting" && reply.error?.code == .shuttingDown, "\(reply.header)")
        #expect(reply.error?.message.contains("budget") == true, "it was waiting in a worker: \(reply.header)")
        #expect(g.daemon.waitExit(timeoutMilliseconds: 5000) == 0)
    }

    @Test func aBudgetBelowIdlePowerRefusesEverything() throws {
        let g = try GovernedDaemon(config: "power_budget_watts = 2")
        let refused = try g.infer("x")
        #expect(refused.error?.code == .overBudget)
        #expect(refused.error?.message.contains("idle power") == true, "\(refused.error?.message ?? "")")
    }

    @Test func aRealModelRunsOnTheThreadsTheGovernorChoosesWithTheSameAnswer() throws {
        // The governor measures 2 threads (5 samples, the warm-up included), then 1; the engine
        // runs on that many of its pool's 2 threads, and the output bytes never change.
        let scratch = try TemporaryDirectory()
        let modelPath = try convertBundledModel(into: scratch.path)
        let tree = try FakeSysfsTree.makeTemporary(prefix: "emberd-governor").get()
        defer { tree.destroy() }
        tree.populate(profile: try #require(BoardCatalog.profile(id: "pi-4b-1500")), modelString: nil, celsius: 50, firmwareFlags: true)
        let daemon = try DaemonProcess(config: """
            board = "pi-4b-1500"
            sysfs_root = "\(tree.root.path)"
            governor_tick_ms = 20
            threads_per_inference = 2
            [[model]]
            name = "mobilenetv2"
            path = "\(modelPath)"
            """ + "\n")
        let context = try ZMQContext()
        let client = try TestClient(context, endpoint: daemon.endpoint, timeoutMilliseconds: 60_000)
        let photo = try readFile(testRepositoryRoot + "/testdata/chelsea.png")
        var outputs: Set<[UInt8]> = []
        for index in 0..<12 {
            let reply = try client.call(Request(id: "p\(index)", operation: .infer(InferRequest(
                model: "mobilenetv2", input: .image(photo), topK: 1, includeRaw: true))))
            #expect(reply.isOK, "\(reply.header)")
            if let raw = reply.payloads.first { outputs.insert(raw) }
            sleepMilliseconds(30)  // a tick between requests, so the choice can move on
        }
        #expect(outputs.count == 1, "the same bytes whatever the thread count")
        let stats = try client.call(.stats)
        guard case .array(let rows)? = stats.header["governor"]?["models"]?["mobilenetv2"]?["latency"] else {
            Issue.record("\(stats.header)"); return
        }
        var samples: [Int64: Int64] = [:]
        for row in rows { if let n = int(row["threads"]) { samples[n] = int(row["samples"]) ?? 0 } }
        #expect((samples[2] ?? 0) >= 5 && (samples[1] ?? 0) >= 1, "\(rows)")
    }

    @Test(.enabled(if: threadAffinities(of: getpid()).first?.hasPrefix("0-") == true,
                   "needs CPUs 0 and 1 allowed, as the Pi 4B profile's cores are [0, 1]"))
    func pinThreadsPinsTheEnginePoolToTheCoresTheGovernorChose() throws {
        // A Pi 4B profile with 2 threads per inference: the governor's cores are [0, 1] when cool
        // and [0] when hot (this host has 2 CPUs, so both sets exist).
        let scratch = try TemporaryDirectory()
        let modelPath = try convertBundledModel(into: scratch.path)
        let tree = try FakeSysfsTree.makeTemporary(prefix: "emberd-governor").get()
        defer { tree.destroy() }
        tree.populate(profile: try #require(BoardCatalog.profile(id: "pi-4b-1500")), modelString: nil, celsius: 50, firmwareFlags: true)
        let daemon = try DaemonProcess(config: """
            board = "pi-4b-1500"
            sysfs_root = "\(tree.root.path)"
            governor_tick_ms = 20
            threads_per_inference = 2
            pin_threads = true
            [[model]]
            name = "mobilenetv2"
            path = "\(modelPath)"
            """ + "\n")
        let context = try ZMQContext()
        let client = try TestClient(context, endpoint: daemon.endpoint, timeoutMilliseconds: 60_000)
        let photo = try readFile(testRepositoryRoot + "/testdata/chelsea.png")
        func infer() throws {
            let reply = try client.call(Request(id: "p", operation: .infer(InferRequest(model: "mobilenetv2", input: .image(photo), topK: 1))))
            #expect(reply.isOK, "\(reply.header)")
        }
        func cap() throws -> Int64? { int(try client.call(.stats).header["governor"]?["thread_cap"]) }

        // The pool's one worker thread is the only thread of emberd confined to CPU 0 when hot.
        try infer()
        #expect(threadAffinities(of: daemon.pid).filter { $0 == "0" }.isEmpty, "cool: \(threadAffinities(of: daemon.pid))")
        tree.setTemperature(79)
        #expect(try eventually { try cap() == 1 })
        try infer()
        #expect(threadAffinities(of: daemon.pid).filter { $0 == "0" }.count == 1, "hot: \(threadAffinities(of: daemon.pid))")
        tree.setTemperature(45)
        #expect(try eventually { try cap() == 2 })
        try infer()
        #expect(threadAffinities(of: daemon.pid).filter { $0 == "0" }.isEmpty, "cool again: \(threadAffinities(of: daemon.pid))")
        #expect(!daemon.log().contains("pin_threads:"), "\(daemon.log())")
    }

    @Test func brokenSysfsFilesAreReportedOnceAndServingGoesOn() throws {
        let g = try GovernedDaemon(config: "")
        g.tree.put("sys/class/thermal/thermal_zone0/temp", "garbage\n")
        g.tree.put("sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq", "")
        g.tree.put(SysfsReader.throttledPath, "\u{1}\u{2}zz\n")
        let allReported = try eventually {
            guard case .object(let problems)? = try g.governorStats()["sysfs_problems"] else { return false }
            return problems.count >= 3
        }
        #expect(allReported)
        sleepMilliseconds(500)  // ten more ticks over the broken files
        let events = try g.drainEvents()
        let sysfs = events.filter { $0.topic == "ember.governor.sysfs" }
        for path in ["/sys/class/thermal/thermal_zone0/temp", "/sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq",
                     "/" + SysfsReader.throttledPath] {
            #expect(sysfs.filter { $0.body["path"] == .string(path) }.count == 1, "\(path): \(sysfs.map(\.body))")
            #expect(g.daemon.log().ranges(of: "governor: \(path):").count == 1, "logged once: \(path)")
        }
        #expect(sysfs.first { $0.body["path"] == .string("/sys/class/thermal/thermal_zone0/temp") }?.body["problem"] == .string("garbage"))
        let stats = try g.governorStats()
        #expect(stats["sysfs_problems"]?["/sys/class/thermal/thermal_zone0/temp"] == .string("garbage"), "\(stats)")
        #expect(stats["sysfs_problems"]?["/sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq"] == .string("empty"))
        #expect(try g.infer("still").isOK)

        // Repaired: reported as recovered, once.
        g.tree.setTemperature(50)
        let recovered = try g.nextEvent("ember.governor.sysfs") { $0["problem"] == .string("recovered") }
        #expect(recovered != nil)
    }
}
