// emberd as users see it: a real process, real ipc sockets, real signals.
import EmberDaemon
import EmberTransport
import Testing

#if canImport(Glibc)
import Glibc
import EmberTestSupport
#endif

private func echo(_ name: String = "echo", delay: Int = 0, extra: String = "") -> String {
    "[[model]]\nname = \"\(name)\"\npath = \"builtin:echo\(delay > 0 ? "?delay_ms=\(delay)" : "")\"\n\(extra)\n"
}

private func tensorRequest(_ id: String, model: String = "echo", bytes: [UInt8], deadline: Int64? = nil) -> Request {
    Request(id: id, operation: .infer(InferRequest(model: model, input: .tensor(dtype: .uint8, shape: [bytes.count], data: bytes),
                                                   deadlineMilliseconds: deadline)))
}

@Suite(.serialized) struct DaemonProcessTests {
    @Test func startsNotifiesServesControlRequestsAndStopsCleanly() throws {
        let daemon = try DaemonProcess(config: "workers = 2\n" + echo() + echo("second"),
                                       environment: ["WATCHDOG_USEC": "200000"])
        #expect(daemon.notify.waitFor("WATCHDOG=1", timeoutMilliseconds: 2000), "no watchdog ping")
        #expect(daemon.notify.waitFor("WATCHDOG=1", timeoutMilliseconds: 2000), "no second watchdog ping")

        // ipc_mode (default 0o660) is applied to the socket file.
        var info = stat()
        #expect(stat(String(daemon.endpoint.dropFirst("ipc://".count)), &info) == 0)
        #expect(info.st_mode & 0o777 == 0o660)

        let context = try ZMQContext()
        let client = try TestClient(context, endpoint: daemon.endpoint)
        let health = try client.call(.health, id: "h1")
        #expect(health.isOK && health.id == "h1")
        #expect(health.header["state"] == .string("serving"))

        let models = try client.call(.models)
        guard case .array(let list)? = models.header["models"] else { Issue.record("no models list: \(models.header)"); return }
        #expect(list.compactMap { $0["name"] } == [.string("echo"), .string("second")])
        #expect(list.first?["kind"] == .string("tensor"))

        let payload: [UInt8] = Array(0..<200)
        let reply = try client.call(tensorRequest("i1", bytes: payload))
        #expect(reply.isOK, "\(reply.header)")
        #expect(reply.header["outputs"]?["raw"]?["payload"] == .int(0))
        #expect(reply.payloads == [payload])
        #expect(reply.header["timings_us"]?["inference"] != nil)

        let stats = try client.call(.stats)
        #expect(stats.header["models"]?["echo"]?["ok"] == .int(1))
        #expect(stats.header["models"]?["echo"]?["latency_us"]?["window"] == .int(1))
        #expect((stats.header["rss_bytes"]?.asNumber ?? 0) > 0)

        // A REQ client: ZeroMQ adds the empty delimiter; the reply must carry it back.
        let req = try TestClient(context, endpoint: daemon.endpoint, type: .req)
        #expect(try req.call(.health, id: "viaREQ").id == "viaREQ")
        // A DEALER imitating REQ gets the delimiter back too.
        try client.send([[]] + RequestEncoder.encode(Request(id: "delim", operation: .health)))
        let framed = try #require(try client.socket.receive())
        #expect(framed.first == [])
        #expect(try Reply(frames: Array(framed.dropFirst())).id == "delim")

        daemon.signal(SIGTERM)
        #expect(daemon.notify.waitFor("STOPPING=1", timeoutMilliseconds: 5000))
        #expect(daemon.waitExit(timeoutMilliseconds: 5000) == 0, "\(daemon.log())")
        let log = daemon.log()
        #expect(log.contains("<5>ready: serving echo, second"))
        #expect(log.contains("<6>drained"))
    }

    @Test func malformedMessagesGetNamedErrorsAndTheDaemonKeepsServing() throws {
        let daemon = try DaemonProcess(config: "max_payload_bytes = 4096\n" + echo())
        let context = try ZMQContext()
        let client = try TestClient(context, endpoint: daemon.endpoint)
        let good = #""v":1,"id":"m","op":"infer","model":"echo""#
        let cases: [(String, [[UInt8]], WireErrorCode, String)] = [
            ("garbage", [[0xFF, 0x00, 0x13, 0x37]], .badRequest, "invalid JSON"),
            ("bad JSON", [Array("{\"v\":1,".utf8)], .badRequest, "invalid JSON"),
            ("unknown field", [Array("{\"v\":1,\"id\":\"u\",\"op\":\"health\",\"extra\":true}".utf8)], .badRequest, "unknown field \"extra\""),
            ("unknown op", [Array("{\"v\":1,\"id\":\"u\",\"op\":\"fly\"}".utf8)], .unknownOperation, "\"fly\""),
            ("version", [Array("{\"v\":9,\"id\":\"u\",\"op\":\"health\"}".utf8)], .unsupportedVersion, "version 9"),
            ("no payload", [Array("{\(good),\"input\":{\"type\":\"text\"}}".utf8)], .badRequest, "exactly 1 payload frame"),
            ("two payloads", [Array("{\(good),\"input\":{\"type\":\"text\"}}".utf8), [65], [66]], .badRequest, "got 2"),
            ("tensor size", [Array("{\(good),\"input\":{\"type\":\"tensor\",\"dtype\":\"float32\",\"shape\":[3]}}".utf8), [1, 2, 3]], .invalidInput, "needs 12"),
            ("dtype", [Array("{\(good),\"input\":{\"type\":\"tensor\",\"dtype\":\"bf16\",\"shape\":[3]}}".utf8), [1, 2, 3]], .badRequest, "\"bf16\""),
            ("unknown model", [Array("{\"v\":1,\"id\":\"u\",\"op\":\"infer\",\"model\":\"nope\",\"input\":{\"type\":\"text\"}}".utf8), [65]], .unknownModel, "no model named \"nope\"; loaded: echo"),
            ("oversized", [Array("{\(good),\"input\":{\"type\":\"text\"}}".utf8), [UInt8](repeating: 65, count: 5000)], .payloadTooLarge, "5000 bytes; the limit is 4096"),
            ("not an image", [Array("{\(good),\"input\":{\"type\":\"image\"}}".utf8), [1, 2, 3, 4]], .invalidInput, "neither PNG nor JPEG"),
            ("bad UTF-8", [Array("{\(good),\"input\":{\"type\":\"text\"}}".utf8), [0xC0, 0xAF]], .invalidInput, "not valid UTF-8"),
        ]
        for (name, frames, code, fragment) in cases {
            try client.send(frames)
            let reply = try client.receive()
            #expect(reply.error?.code == code, "\(name): \(reply.header)")
            #expect(reply.error?.message.contains(fragment) == true, "\(name): \(reply.error?.message ?? "")")
        }
        // A lone empty frame is a delimiter with no header after it: the reply keeps the delimiter.
        try client.send([[]])
        let lone = try #require(try client.socket.receive())
        #expect(lone.first == [])
        #expect(try Reply(frames: Array(lone.dropFirst())).error?.message.contains("no header frame") == true)

        // A frame beyond ZMQ_MAXMSGSIZE (2 × 4096 + 64 KiB) makes libzmq drop that connection;
        // the daemon itself must carry on.
        let rude = try TestClient(context, endpoint: daemon.endpoint, timeoutMilliseconds: 300)
        try rude.send([Array("{\(good),\"input\":{\"type\":\"text\"}}".utf8), [UInt8](repeating: 65, count: 200_000)])
        #expect(throws: (any Error).self) { try rude.receive() }

        #expect(try client.call(.health).isOK)
        #expect(try client.call(tensorRequest("after", bytes: [9])).payloads == [[9]])
        let stats = try client.call(.stats)
        #expect(stats.header["errors"]?["bad_request"] == .int(7), "\(stats.header)")
    }

    /// Seeded random corruptions of valid messages: every one gets exactly one reply, and the
    /// daemon keeps serving.
    @Test func randomlyCorruptedMessagesEachGetOneReply() throws {
        let seed: UInt64 = 0x5EED_0005
        var rng = SeededGenerator(seed: seed)
        let daemon = try DaemonProcess(config: "max_payload_bytes = 4096\nqueue_depth = 2000\n" + echo())
        let context = try ZMQContext()
        let client = try TestClient(context, endpoint: daemon.endpoint)
        let templates = [
            RequestEncoder.encode(tensorRequest("t", bytes: [1, 2, 3, 4])),
            RequestEncoder.encode(Request(id: "h", operation: .health)),
            RequestEncoder.encode(Request(id: "x", operation: .infer(InferRequest(model: "echo", input: .text("héllo"), topK: 3)))),
        ]
        let count = 1500
        for _ in 0..<count {
            var frames = templates[Int(rng.next() % UInt64(templates.count))]
            switch rng.next() % 4 {
            case 0:  // flip bytes in the header
                for _ in 0...(rng.next() % 3) where !frames[0].isEmpty {
                    frames[0][Int(rng.next() % UInt64(frames[0].count))] = UInt8(truncatingIfNeeded: rng.next())
                }
            case 1:  // truncate the header
                frames[0] = Array(frames[0].prefix(Int(rng.next() % UInt64(frames[0].count)) + 1))
            case 2:  // add or drop payload frames
                if rng.next() % 2 == 0 { frames.append((0..<Int(rng.next() % 9)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }) } else if frames.count > 1 { frames.removeLast() }
            default:  // garbage frames
                frames = (0...(rng.next() % 3)).map { _ in (1...(rng.next() % 32 + 1)).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
            }
            try client.send(frames)
        }
        var replies = 0
        while replies < count {
            guard var frames = try client.socket.receive() else { break }
            if frames.first == [] { frames.removeFirst() }  // a corrupted message may start with an empty frame
            _ = try Reply(frames: frames)
            replies += 1
        }
        #expect(replies == count, "seed \(seed)")
        try client.socket.setReceiveTimeout(milliseconds: 100)
        #expect(try client.socket.receive() == nil, "more replies than requests (seed \(seed))")
        try client.socket.setReceiveTimeout(milliseconds: 10_000)
        #expect(try client.call(.health).isOK)
    }

    @Test func manyConcurrentDealersGetEveryReplyExactlyOnce() throws {
        let clients = 32, perClient = 500, window = 4
        let daemon = try DaemonProcess(config: "workers = 2\nqueue_depth = 256\n" + echo())
        let context = try ZMQContext()
        let failures = ConditionLock()
        nonisolated(unsafe) var problems: [String] = []
        let start = monotonicNanoseconds()
        var threads: [OSThread] = []
        for client in 0..<clients {
            let endpoint = daemon.endpoint
            threads.append(try OSThread(name: "client\(client)") {
                do {
                    let dealer = try TestClient(context, endpoint: endpoint)
                    var pending: [String: [UInt8]] = [:]
                    var sent = 0, received = 0
                    while received < perClient {
                        while sent < perClient && pending.count < window {
                            let id = "c\(client)-\(sent)"
                            let payload = Array("\(id)/\(sent * 7919 % 1000)".utf8)
                            pending[id] = payload
                            try dealer.send(RequestEncoder.encode(tensorRequest(id, bytes: payload)))
                            sent += 1
                        }
                        let reply = try dealer.receive()
                        guard let id = reply.id, let expected = pending.removeValue(forKey: id) else {
                            throw TestFailure("client \(client): unexpected or duplicate reply \(reply.header)")
                        }
                        guard reply.isOK, reply.payloads == [expected] else {
                            throw TestFailure("client \(client): reply \(id) mismatched: \(reply.header)")
                        }
                        received += 1
                    }
                    // Nothing more may arrive.
                    try dealer.socket.setReceiveTimeout(milliseconds: 50)
                    if let extra = try dealer.socket.receive() { throw TestFailure("client \(client): extra reply \(extra)") }
                } catch {
                    failures.withLock { problems.append("\(error)") }
                }
            })
        }
        for thread in threads { thread.join() }
        let seconds = Double(monotonicNanoseconds() - start) / 1e9
        print("concurrency: \(clients) DEALERs × \(perClient) requests (window \(window)) in \(seconds) s = \(Int(Double(clients * perClient) / seconds)) req/s")
        #expect(failures.withLock { problems }.isEmpty, "\(failures.withLock { problems.prefix(5) })")
        let stats = try TestClient(context, endpoint: daemon.endpoint).call(.stats)
        #expect(stats.header["models"]?["echo"]?["ok"] == .int(Int64(clients * perClient)))
    }

    /// Two workers run two 300 ms inferences side by side (sleeps, so CPU load does not matter).
    @Test func workersRunInParallel() throws {
        let daemon = try DaemonProcess(config: "workers = 2\nwarmup_runs = 0\n" + echo(delay: 300))
        let context = try ZMQContext()
        let client = try TestClient(context, endpoint: daemon.endpoint)
        let start = monotonicNanoseconds()
        try client.send(RequestEncoder.encode(tensorRequest("p1", bytes: [1])))
        try client.send(RequestEncoder.encode(tensorRequest("p2", bytes: [2])))
        #expect(try client.receive().isOK)
        #expect(try client.receive().isOK)
        let milliseconds = (monotonicNanoseconds() - start) / 1_000_000
        #expect(milliseconds < 550, "two 300 ms requests took \(milliseconds) ms")
    }

    @Test func aFullQueueAnswersBusy() throws {
        let daemon = try DaemonProcess(config: "workers = 1\nwarmup_runs = 0\n" + echo(delay: 300, extra: "queue_depth = 2"))
        let context = try ZMQContext()
        let client = try TestClient(context, endpoint: daemon.endpoint)
        try client.send(RequestEncoder.encode(tensorRequest("r0", bytes: [0])))
        sleepMilliseconds(100)  // the worker has taken r0; the queue is empty again
        for index in 1...5 { try client.send(RequestEncoder.encode(tensorRequest("r\(index)", bytes: [UInt8(index)]))) }
        var codes: [String: String] = [:]
        for _ in 0...5 {
            let reply = try client.receive()
            codes[reply.id ?? "?"] = reply.error?.code.rawValue ?? "ok"
        }
        #expect(codes == ["r0": "ok", "r1": "ok", "r2": "ok", "r3": "busy", "r4": "busy", "r5": "busy"], "\(codes)")
        #expect(try client.call(.health).isOK)
    }

    @Test func unreachableDeadlinesAreRefusedWithoutRunning() throws {
        // One warm-up run teaches the daemon that an inference takes about 200 ms. Without the
        // governor, the median run time decides (GovernorDaemonTests has the governor's way).
        let daemon = try DaemonProcess(config: "workers = 1\ngovernor = false\n" + echo(delay: 200))
        let context = try ZMQContext()
        let client = try TestClient(context, endpoint: daemon.endpoint)

        let refused = try client.call(tensorRequest("d1", bytes: [1], deadline: 50))
        #expect(refused.error?.code == .deadlineExceeded, "\(refused.header)")
        #expect(refused.error?.message.contains("cannot be met") == true)

        #expect(try client.call(tensorRequest("d2", bytes: [2], deadline: 1000)).isOK)

        // Behind a running request, a 300 ms deadline cannot be met (about 200 + 200 ms).
        try client.send(RequestEncoder.encode(tensorRequest("d3", bytes: [3])))
        sleepMilliseconds(20)
        try client.send(RequestEncoder.encode(tensorRequest("d4", bytes: [4], deadline: 300)))
        var codes: [String: String] = [:]
        for _ in 0..<2 {
            let reply = try client.receive()
            codes[reply.id ?? "?"] = reply.error?.code.rawValue ?? "ok"
        }
        #expect(codes == ["d3": "ok", "d4": "deadline_exceeded"])
        let stats = try client.call(.stats)
        #expect(stats.header["models"]?["echo"]?["ok"] == .int(2), "the refused requests never ran")
    }

    @Test func sigtermDrainsRequestsInFlight() throws {
        let daemon = try DaemonProcess(config: "workers = 1\nwarmup_runs = 0\ndrain_timeout_ms = 5000\n" + echo(delay: 200))
        let context = try ZMQContext()
        let client = try TestClient(context, endpoint: daemon.endpoint)
        for index in 0..<3 { try client.send(RequestEncoder.encode(tensorRequest("s\(index)", bytes: [UInt8(index)]))) }
        sleepMilliseconds(50)
        daemon.signal(SIGTERM)
        #expect(daemon.notify.waitFor("STOPPING=1", timeoutMilliseconds: 2000))
        let late = try TestClient(context, endpoint: daemon.endpoint)
        let refused = try late.call(tensorRequest("late", bytes: [9]))
        #expect(refused.error?.code == .shuttingDown)
        var ids: Set<String> = []
        for _ in 0..<3 {
            let reply = try client.receive()
            #expect(reply.isOK, "\(reply.header)")
            ids.insert(reply.id ?? "?")
        }
        #expect(ids == ["s0", "s1", "s2"])
        #expect(daemon.waitExit(timeoutMilliseconds: 5000) == 0)
    }

    @Test func drainIsBoundedInTime() throws {
        let daemon = try DaemonProcess(config: "workers = 1\nwarmup_runs = 0\ndrain_timeout_ms = 300\n" + echo(delay: 1000))
        let context = try ZMQContext()
        let client = try TestClient(context, endpoint: daemon.endpoint, timeoutMilliseconds: 1500)
        for index in 0..<3 { try client.send(RequestEncoder.encode(tensorRequest("b\(index)", bytes: [UInt8(index)]))) }
        sleepMilliseconds(50)
        let start = monotonicNanoseconds()
        daemon.signal(SIGTERM)
        #expect(daemon.waitExit(timeoutMilliseconds: 5000) == 0)
        let seconds = Double(monotonicNanoseconds() - start) / 1e9
        #expect(seconds < 2.5, "exit took \(seconds) s")
        // The two that never started were told so.
        var codes: [String] = []
        while let reply = try? client.receive() { codes.append(reply.error?.code.rawValue ?? "ok") }
        #expect(codes.filter { $0 == "shutting_down" }.count == 2, "\(codes)")
    }

    @Test func reloadIsAtomicAndABadReloadKeepsTheOldModel() throws {
        let daemon = try DaemonProcess(config: echo(extra: "labels = \"$DIR/labels.txt\""), extraFiles: ["labels.txt": "a\nb\n"])
        let context = try ZMQContext()
        let client = try TestClient(context, endpoint: daemon.endpoint)
        let events = try ZMQSocket(context, .sub)
        try events.subscribe(Array("ember.".utf8))
        try events.setReceiveTimeout(milliseconds: 5000)
        try events.connect(daemon.pubEndpoint)
        sleepMilliseconds(100)  // let the subscription reach the publisher

        let reloaded = try client.call(.reload(model: "echo"))
        #expect(reloaded.isOK, "\(reloaded.header)")
        guard case .array(let entries)? = reloaded.header["reloaded"] else { Issue.record("\(reloaded.header)"); return }
        #expect(entries.first?["generation"] == .int(2))
        let event = try #require(try nextModelEvent(events))
        #expect(event.first == Array("ember.model.loaded".utf8))

        // Generation 2 serves.
        #expect(try client.call(tensorRequest("g", bytes: [1])).header["generation"] == .int(2))

        // The label file vanishes: the reload fails and generation 2 keeps serving.
        unlink(daemon.directory.path + "/labels.txt")
        let failed = try client.call(.reload(model: nil))
        #expect(failed.error?.code == .reloadFailed, "\(failed.header)")
        #expect(failed.error?.message.contains("labels") == true)
        let failedEvent = try #require(try nextModelEvent(events))
        #expect(failedEvent.first == Array("ember.model.reload_failed".utf8))
        #expect(try client.call(tensorRequest("g2", bytes: [1])).header["generation"] == .int(2))

        // SIGHUP reloads too.
        try daemon.directory.write("labels.txt", "a\n")
        daemon.signal(SIGHUP)
        let hupEvent = try #require(try nextModelEvent(events))
        #expect(hupEvent.first == Array("ember.model.loaded".utf8))
        #expect(try client.call(tensorRequest("g3", bytes: [1])).header["generation"] == .int(3))
        #expect(try client.call(.reload(model: "other")).error?.code == .unknownModel)
    }

    /// The next ember.model.* event (ember.ready may still arrive if this subscriber was quick).
    private func nextModelEvent(_ socket: ZMQSocket) throws -> [[UInt8]]? {
        while let frames = try socket.receive() {
            if frames.first?.starts(with: Array("ember.model.".utf8)) == true { return frames }
        }
        return nil
    }

    @Test func reloadUnderLoadLosesNoRequest() throws {
        let daemon = try DaemonProcess(config: "workers = 2\nqueue_depth = 64\n" + echo(delay: 2))
        let context = try ZMQContext()
        let loadClient = try TestClient(context, endpoint: daemon.endpoint)
        let control = try TestClient(context, endpoint: daemon.endpoint)
        var generations: Set<Int64> = []
        for round in 0..<5 {
            for index in 0..<20 { try loadClient.send(RequestEncoder.encode(tensorRequest("r\(round)-\(index)", bytes: [UInt8(index)]))) }
            #expect(try control.call(.reload(model: "echo")).isOK)
            for _ in 0..<20 {
                let reply = try loadClient.receive()
                #expect(reply.isOK, "\(reply.header)")
                if case .int(let generation)? = reply.header["generation"] { generations.insert(generation) }
            }
        }
        #expect(generations.count >= 2, "requests ran on several generations: \(generations)")
    }

    @Test func curveOverTCPAdmitsOnlyAllowedClients() throws {
        let server = try CurveKeys.generatePair()
        let allowed = try CurveKeys.generatePair()
        let stranger = try CurveKeys.generatePair()
        let daemon = try DaemonProcess(config: """
            tcp_endpoint = "tcp://127.0.0.1:*"
            curve_secret_key_file = "$DIR/server.key"
            curve_allowed_clients = ["\(allowed.publicKey)"]
            """ + "\n" + echo(), extraFiles: ["server.key": server.secretKey + "\n"])
        let line = daemon.log().split(separator: "\n").first { $0.contains("serving requests on tcp://") }
        let tcp = String(try #require(line).split(separator: " ").last!)
        let context = try ZMQContext()

        let good = try ZMQSocket(context, .dealer)
        try good.setLinger(milliseconds: 0)
        try good.setReceiveTimeout(milliseconds: 5000)
        try good.setCurveClient(serverKey: server.publicKey, publicKey: allowed.publicKey, secretKey: allowed.secretKey)
        try good.connect(tcp)
        try good.send(RequestEncoder.encode(Request(id: "curve", operation: .health)))
        let answer = try #require(try good.receive())
        #expect(try Reply(frames: answer).id == "curve")

        let bad = try ZMQSocket(context, .dealer)
        try bad.setLinger(milliseconds: 0)
        try bad.setReceiveTimeout(milliseconds: 500)
        try bad.setCurveClient(serverKey: server.publicKey, publicKey: stranger.publicKey, secretKey: stranger.secretKey)
        try bad.connect(tcp)
        try bad.send(RequestEncoder.encode(Request(id: "x", operation: .health)))
        #expect(try bad.receive() == nil, "a client not on the allow-list got an answer")
        #expect(daemon.log().contains("is not in curve_allowed_clients"))
    }

    @Test func statsTextfileIsWritten() throws {
        let daemon = try DaemonProcess(config: "stats_textfile = \"$DIR/ember.prom\"\nstats_interval_ms = 100\n" + echo())
        let context = try ZMQContext()
        let client = try TestClient(context, endpoint: daemon.endpoint)
        #expect(try client.call(tensorRequest("p", bytes: [1])).isOK)
        sleepMilliseconds(300)
        let text = try readTextFile(daemon.directory.path + "/ember.prom")
        #expect(text.contains("ember_model_success_total{model=\"echo\"} 1"), "\(text)")
        #expect(text.contains("ember_model_inference_seconds{model=\"echo\",quantile=\"0.99\"}"))
    }

    @Test func badConfigurationsFailToStartWithTheReason() throws {
        let daemon = try DaemonProcess(config: "workers = \"many\"\n" + echo(), waitForReady: false)
        #expect(daemon.waitExit(timeoutMilliseconds: 10_000) == 1)
        #expect(daemon.log().contains("emberd.toml:4: workers must be an integer, not string"), "\(daemon.log())")

        let noModel = try DaemonProcess(config: "[[model]]\nname = \"x\"\npath = \"/nonexistent.ember\"\n", waitForReady: false)
        #expect(noModel.waitExit(timeoutMilliseconds: 10_000) == 1)
        #expect(noModel.log().contains("<3>model \"x\""), "\(noModel.log())")
        #expect(noModel.log().contains("/nonexistent.ember"), "\(noModel.log())")
    }
}
