import Testing
@testable import EmberDaemon
@testable import EmberTransport

#if canImport(Glibc)
import Glibc
import EmberTestSupport
#endif

private func loaded(_ model: any ServableModel = EchoModel(delayMilliseconds: 0), warmUp: UInt64? = nil) -> LoadedModel {
    LoadedModel(model: model, labels: nil, loadMilliseconds: 0, warmUpNanoseconds: warmUp)
}

private func job(_ id: String, model: String, at time: UInt64, deadline: UInt64? = nil) -> Job {
    Job(socket: 0, envelope: [[1]], id: id, request: InferRequest(model: model, input: .text(id)), receivedAt: time, deadline: deadline)
}

@Suite struct SchedulerTests {
    @Test func queuesAreBoundedPerModelAndServedOldestFirst() throws {
        var small = ModelConfiguration(name: "a", path: "builtin:echo")
        small.queueDepth = 2
        let scheduler = Scheduler(models: [(small, loaded()), (ModelConfiguration(name: "b", path: "builtin:echo"), loaded())],
                                  defaultQueueDepth: 3, workers: 1)
        #expect(scheduler.submit(job("a1", model: "a", at: 10), now: 10) == .accepted)
        #expect(scheduler.submit(job("b1", model: "b", at: 11), now: 11) == .accepted)
        #expect(scheduler.submit(job("a2", model: "a", at: 12), now: 12) == .accepted)
        #expect(scheduler.submit(job("a3", model: "a", at: 13), now: 13) == .busy(capacity: 2))
        #expect(scheduler.submit(job("x", model: "nope", at: 13), now: 13) == .unknownModel)
        var order: [String] = []
        for _ in 0..<3 {
            let (next, served, _) = try #require(scheduler.next())
            order.append(next.id)
            scheduler.complete(next, model: served.name, .success(inferenceNanoseconds: 5, queuedNanoseconds: 1))
        }
        #expect(order == ["a1", "b1", "a2"])
        #expect(scheduler.inFlight == 0)
        let a = try #require(scheduler.snapshot().first)
        #expect(a.stats.requests == 3 && a.stats.ok == 2 && a.stats.errors.counts.first?.0 == .busy)
    }

    @Test func deadlinesAreEstimatedFromTheMedianRun() {
        // Warm-up says a run takes 100 ms.
        let scheduler = Scheduler(models: [(ModelConfiguration(name: "m", path: "builtin:echo"), loaded(warmUp: 100_000_000))],
                                  defaultQueueDepth: 8, workers: 2)
        let ms: UInt64 = 1_000_000
        #expect(scheduler.submit(job("tight", model: "m", at: 0, deadline: 50 * ms), now: 0) == .deadlineUnreachable(estimatedMilliseconds: 100))
        #expect(scheduler.submit(job("ok1", model: "m", at: 0, deadline: 150 * ms), now: 0) == .accepted)
        #expect(scheduler.submit(job("ok2", model: "m", at: 0), now: 0) == .accepted)
        // Two ahead on two workers: one round (100 ms) + its own run (100 ms).
        #expect(scheduler.submit(job("late", model: "m", at: 0, deadline: 150 * ms), now: 0) == .deadlineUnreachable(estimatedMilliseconds: 200))
        #expect(scheduler.submit(job("fits", model: "m", at: 0, deadline: 250 * ms), now: 0) == .accepted)
    }

    @Test func aBatchOfTextsCountsOneRunPerText() throws {
        let scheduler = Scheduler(models: [(ModelConfiguration(name: "m", path: "builtin:echo"), loaded(warmUp: 100_000_000))],
                                  defaultQueueDepth: 8, workers: 2)
        let ms: UInt64 = 1_000_000
        func batch(_ id: String, _ count: Int, deadline: UInt64?) -> Job {
            Job(socket: 0, envelope: [[1]], id: id, request: InferRequest(model: "m", input: .texts(Array(repeating: "t", count: count))),
                receivedAt: 0, deadline: deadline)
        }
        // Its own three runs, one after another: 300 ms.
        #expect(scheduler.submit(batch("three", 3, deadline: 250 * ms), now: 0) == .deadlineUnreachable(estimatedMilliseconds: 300))
        #expect(scheduler.submit(batch("four", 4, deadline: nil), now: 0) == .accepted)
        // Four runs ahead on two workers: two rounds, then its own: 300 ms.
        #expect(scheduler.submit(job("one", model: "m", at: 0, deadline: 250 * ms), now: 0) == .deadlineUnreachable(estimatedMilliseconds: 300))
        // Batches' times teach the time per text: 4 texts in 200 ms is 50 ms each (the estimate
        // follows the median of the last runs every 32 requests).
        for round in 0..<32 {
            if round > 0 { #expect(scheduler.submit(batch("four", 4, deadline: nil), now: 0) == .accepted) }
            let (taken, served, typical) = try #require(scheduler.next())
            #expect(taken.id == "four" && typical == 100 * ms)
            scheduler.complete(taken, model: served.name, .success(inferenceNanoseconds: 200 * ms, queuedNanoseconds: 0))
        }
        #expect(scheduler.submit(batch("three", 3, deadline: 160 * ms), now: 0) == .accepted)
        #expect(scheduler.snapshot()[0].stats.inference.percentiles([0.5]) == [200 * ms], "stats keep the request's own time")
    }

    @Test func companionsComeFromBehindTheLeadUntilTheFirstRefusal() throws {
        let scheduler = Scheduler(models: [(ModelConfiguration(name: "m", path: "builtin:echo"), loaded())], defaultQueueDepth: 8, workers: 1)
        for id in ["lead", "a", "b", "stop", "c"] { #expect(scheduler.submit(job(id, model: "m", at: 0), now: 0) == .accepted) }
        let (lead, served, _) = try #require(scheduler.next())
        #expect(lead.id == "lead")
        let taken = scheduler.takeCompanions(of: lead, served: served, limit: 8) { $0.id != "stop" }
        #expect(taken.map(\.id) == ["a", "b"])
        #expect(scheduler.takeCompanions(of: lead, served: served, limit: 1) { _ in true }.map(\.id) == ["stop"], "the refused one stayed first")
        // A reloaded model's queue does not join a run on the old one.
        _ = scheduler.replace("m", with: loaded())
        #expect(scheduler.takeCompanions(of: lead, served: served, limit: 8) { _ in true }.isEmpty)
        for member in [lead] + taken {
            scheduler.complete(member, model: "m", .success(inferenceNanoseconds: 30, queuedNanoseconds: 0), sharedBy: 3)
        }
        #expect(scheduler.snapshot()[0].stats.sharedRuns == 3)
        #expect(scheduler.inFlight == 2)  // "stop" running, "c" queued
        let (last, _, _) = try #require(scheduler.next())
        #expect(last.id == "c")
    }

    @Test func companionsDoNotOvertakeAnotherModelsOlderRequest() throws {
        let scheduler = Scheduler(models: [(ModelConfiguration(name: "a", path: "builtin:echo"), loaded()),
                                           (ModelConfiguration(name: "b", path: "builtin:echo"), loaded())],
                                  defaultQueueDepth: 8, workers: 1)
        for (id, model, time) in [("lead", "a", 1), ("a2", "a", 2), ("b3", "b", 3), ("a4", "a", 4), ("a5", "a", 5)] as [(String, String, UInt64)] {
            #expect(scheduler.submit(job(id, model: model, at: time), now: time) == .accepted)
        }
        let (lead, served, _) = try #require(scheduler.next())
        #expect(scheduler.takeCompanions(of: lead, served: served, limit: 8) { _ in true }.map(\.id) == ["a2"])
        let (b, _, _) = try #require(scheduler.next())
        #expect(b.id == "b3", "the older request of the other model runs next")
        // Nothing of b's is queued now: the rest of a's queue may join.
        #expect(scheduler.takeCompanions(of: lead, served: served, limit: 8) { _ in true }.map(\.id) == ["a4", "a5"])
    }

    @Test func aSharedRunSplitsIntoOneOutputPerText() throws {
        var output = InferenceOutput(embedding: [1, 2, 3, 4, 5, 6])
        output.embeddingRows = 3
        output.raw = RawTensor(info: TensorInfo(name: "e", dtype: .float32, shape: [3, 2]), bytes: Array(0..<24))
        let rows = try output.splitRows(3, model: "m")
        #expect(rows.map(\.embedding) == [[1, 2], [3, 4], [5, 6]])
        #expect(rows[2].raw == RawTensor(info: TensorInfo(name: "e", dtype: .float32, shape: [1, 2]), bytes: Array(16..<24)))
        #expect(throws: WireError.self) { try output.splitRows(2, model: "m") }
    }

    @Test func replacingAModelKeepsRunningJobsOnTheOldOne() throws {
        let first = EchoModel(delayMilliseconds: 0), second = EchoModel(delayMilliseconds: 0)
        let scheduler = Scheduler(models: [(ModelConfiguration(name: "m", path: "builtin:echo"), loaded(first))], defaultQueueDepth: 4, workers: 1)
        #expect(scheduler.submit(job("j1", model: "m", at: 1), now: 1) == .accepted)
        #expect(scheduler.submit(job("j2", model: "m", at: 2), now: 2) == .accepted)
        let (_, running, _) = try #require(scheduler.next())
        #expect(scheduler.replace("m", with: loaded(second)) == 2)
        let (_, next, _) = try #require(scheduler.next())
        #expect(running.loaded.model === first && running.generation == 1)
        #expect(next.loaded.model === second && next.generation == 2)
    }

    @Test func stopReturnsQueuedJobsAndReleasesWorkers() {
        let scheduler = Scheduler(models: [(ModelConfiguration(name: "m", path: "builtin:echo"), loaded())], defaultQueueDepth: 4, workers: 1)
        _ = scheduler.submit(job("q", model: "m", at: 1), now: 1)
        scheduler.stopAccepting()
        #expect(scheduler.submit(job("r", model: "m", at: 2), now: 2) == .shuttingDown)
        #expect(scheduler.stop().map(\.id) == ["q"])
        #expect(scheduler.next() == nil)
        #expect(scheduler.waitForWorkers(1, until: monotonicNanoseconds()))
    }
}

@Suite struct ReplyAndStatsTests {
    @Test func topKPicksTheLargestInOrder() {
        let seed: UInt64 = 0x5EED_0004
        var rng = SeededGenerator(seed: seed)
        for _ in 0..<200 {
            let values = (0..<Int(rng.next() % 40 + 1)).map { _ in Float(rng.next() % 16) }
            for k in [1, 5, 17, 50] {
                let expected = Array(values.indices.sorted { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }.prefix(k))
                #expect(InferenceReply.topK(values, k) == expected, "seed \(seed) values \(values) k \(k)")
            }
        }
    }

    @Test func percentilesUseNearestRank() {
        var window = LatencyWindow()
        for value in 1...100 { window.add(UInt64(value)) }
        #expect(window.percentiles([0.5, 0.9, 0.99, 1.0]) == [50, 90, 99, 100])
        for _ in 0..<LatencyWindow.capacity { window.add(7) }
        #expect(window.count == LatencyWindow.capacity)
        #expect(window.percentiles([0.99]) == [7])
    }

    @Test func softmaxIsStable() {
        let p = Softmax.probabilities([1000, 1000, -1000])
        #expect(abs(p[0] - 0.5) < 1e-6 && abs(p[1] - 0.5) < 1e-6 && p[2] == 0)
    }

    @Test func labelsFromTextAndJSON() throws {
        let directory = try TemporaryDirectory()
        try directory.write("l.txt", "cat\r\ndog\n")
        try directory.write("l.json", "[\"cat\", \"dog\"]")
        try directory.write("bad.json", "[\"cat\", 3]")
        #expect(try ModelCatalog.readLabels(directory.path + "/l.txt", model: "m") == ["cat", "dog"])
        #expect(try ModelCatalog.readLabels(directory.path + "/l.json", model: "m") == ["cat", "dog"])
        #expect(throws: ModelLoadError.self) { try ModelCatalog.readLabels(directory.path + "/bad.json", model: "m") }
        #expect(throws: ModelLoadError.self) { try ModelCatalog.readLabels(directory.path + "/none", model: "m") }
    }

    @Test func builtinModelSpecsAreValidated() throws {
        let loader = BuiltinModelLoader()
        #expect((try loader.load(path: "builtin:echo?delay_ms=5") as? EchoModel)?.delayMilliseconds == 5)
        #expect(throws: ModelLoadError.self) { try loader.load(path: "builtin:sleep") }
        #expect(throws: ModelLoadError.self) { try loader.load(path: "builtin:echo?delay_ms=-1") }
        #expect(throws: ModelLoadError.self) { try loader.load(path: "builtin:echo?speed=3") }
    }
}

@Suite struct NotifyAndZAPTests {
    /// An abstract NOTIFY_SOCKET name ("@...") reaches a listener bound to the same abstract name.
    @Test func notifiesAbstractSockets() throws {
        let name = "ember-test-\(getpid())-\(monotonicNanoseconds())"
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = [0] + Array(name.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { for (i, b) in bytes.enumerated() { $0[i] = b } }
        let length = socklen_t(MemoryLayout.offset(of: \sockaddr_un.sun_path)! + bytes.count)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        try #require(bound == 0)

        let notifier = SystemdNotifier(environment: { ["NOTIFY_SOCKET": "@" + name, "WATCHDOG_USEC": "4000000"][$0] })
        #expect(notifier.watchdogInterval == 2_000_000_000)
        #expect(notifier.notify("READY=1") == nil)
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        #expect(count == 7 && Array(buffer[0..<7]) == Array("READY=1".utf8))
    }

    @Test func watchdogIsOffForAnotherPIDOrWithoutSocket() {
        #expect(SystemdNotifier(environment: { ["NOTIFY_SOCKET": "/x", "WATCHDOG_USEC": "100", "WATCHDOG_PID": "1"][$0] }).watchdogInterval == nil)
        #expect(SystemdNotifier(environment: { ["WATCHDOG_USEC": "100"][$0] }).watchdogInterval == nil)
        #expect(SystemdNotifier(environment: { _ in nil }).notify("READY=1") == nil)
    }

    @Test func zapAllowsOnlyListedKeys() throws {
        let allowed = try CurveKeys.generatePair(), other = try CurveKeys.generatePair()
        let auth = ZAPAuthenticator(allowedClients: [allowed.publicKey])
        func request(_ key: String, mechanism: String = "CURVE") -> [[UInt8]] {
            let raw = CurveKeys.bytes(ofZ85: key)!
            return [Array("1.0".utf8), [7], Array("ember".utf8), Array("127.0.0.1".utf8), [], Array(mechanism.utf8), raw]
        }
        let yes = auth.reply(to: request(allowed.publicKey))
        #expect(yes.allowed && yes.frames[2] == Array("200".utf8) && yes.frames[1] == [7])
        #expect(!auth.reply(to: request(other.publicKey)).allowed)
        #expect(!auth.reply(to: Array(request(allowed.publicKey).prefix(6)) + [[1, 2]]).allowed)
        #expect(auth.reply(to: [[1]]).frames[2] == Array("500".utf8))
        #expect(ZAPAuthenticator(allowedClients: []).reply(to: request(other.publicKey)).allowed)
    }
}

