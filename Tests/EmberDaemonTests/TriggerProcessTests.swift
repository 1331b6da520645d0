// GPIO triggers in a real emberd: edges written to the simulated chip's FIFO, results read from
// the real PUB socket, requests on the real ROUTER socket.
import EmberDaemon
import EmberEngine
import EmberFormat
import EmberTransport
import Testing

#if canImport(Glibc)
import Glibc
#endif

private let echoModel = "[[model]]\nname = \"echo\"\npath = \"builtin:echo\"\n"

/// A trigger on GPIO17 running the echo model on a text file.
private func echoTrigger(_ name: String, file: String = "$DIR/input.txt", extra: String) -> String {
    "[[trigger]]\nname = \"\(name)\"\nmodel = \"echo\"\nline = \"GPIO17\"\ninput_type = \"text\"\nsource = \"file\"\nsource_path = \"\(file)\"\n\(extra)\n"
}

@Suite(.serialized) struct TriggerProcessTests {
    @Test func oneEdgeGivesOneResultWithTheTopLabelAndDrivesTheOutput() throws {
        let scratch = try TemporaryDirectory()
        let modelPath = try convertBundledModel(into: scratch.path)
        let photo = testRepositoryRoot + "/testdata/chelsea.png"
        let expected = try Engine(model: EmberModel(path: modelPath)).classify(image: ImageDecoder.decode(readFile(photo)), topK: 1)[0]
        let hold = 300
        let triggers = """
            [[trigger]]
            name = "porch"
            model = "mobilenetv2"
            line = "GPIO17"
            edge = "rising"
            debounce_ms = 0
            min_interval_ms = 0
            source = "file"
            source_path = "\(photo)"
            top_k = 3
            action_label = "\(expected.label)"
            action_threshold = \(expected.score / 2)
            action_lines = ["GPIO27"]
            action_hold_ms = \(hold)

            """
        let gpio = try TriggerDaemon(models: echoModel + "[[model]]\nname = \"mobilenetv2\"\npath = \"\(modelPath)\"\n", triggers: triggers)
        try gpio.edges(["GPIO17 rising"])

        let result = try #require(try gpio.next { $0.topic == "ember.trigger.porch" }, "no result; log:\n\(gpio.daemon.log())")
        #expect(result.body["status"] == .string("ok"), "\(result.body.serializedString)")
        #expect(result.body["event"] == .string("trigger.porch"))
        #expect(result.body["trigger"] == .string("porch") && result.body["firing"] == .int(1))
        guard case .array(let top)? = result.body["outputs"]?["top_k"] else { Issue.record("no top_k: \(result.body.serializedString)"); return }
        #expect(top.count == 3)
        #expect(top.first?["label"] == .string(expected.label), "\(result.body.serializedString)")
        #expect(top.first?["index"]?.asNumber == Double(expected.index))
        #expect(abs((top.first?["score"]?.asNumber ?? -1) - Double(expected.score)) < 1e-6)
        // The edge's timestamp and the latency are consistent: latency = result − edge.
        let edgeNs = try #require(result.int("edge", "timestamp_ns"))
        let resultNs = try #require(result.int("result_ns"))
        #expect(edgeNs > 0 && resultNs > edgeNs)
        #expect(result.int("latency_us") == (resultNs - edgeNs) / 1000)
        #expect(result.body["edge"]?["offset"] == .int(17) && result.body["edge"]?["rising"] == .bool(true))
        #expect(result.body["action"]?["taken"] == .bool(true))

        // The action: GPIO27 driven active, then released.
        let on = try #require(try gpio.next { $0.topic == "ember.gpio.output" }, "no output event")
        #expect(on.body["active"] == .bool(true) && on.body["trigger"] == .string("porch"))
        #expect(on.body["line"] == .string("gpiochip0 \"GPIO27\""))
        let off = try #require(try gpio.next { $0.topic == "ember.gpio.output" }, "no release")
        #expect(off.body["active"] == .bool(false) && off.body["trigger"] == .null)
        // Set once the result is known, released no earlier than the hold.
        #expect(try #require(on.int("time_ns")) >= resultNs)
        let held = try #require(off.int("time_ns")) - (try #require(on.int("time_ns")))
        #expect(held >= Int64(hold) * 1_000_000, "released after \(held) ns")
        #expect(gpio.daemon.log().contains("gpio: simulated gpiochip0 line 27 -> active"))
        #expect(gpio.daemon.log().contains("gpio: simulated gpiochip0 line 27 -> inactive"))

        let section = try gpio.waitForTrigger("porch") { $0.int("actions") == 1 }
        #expect(section["state"] == .string("running") && section.int("results") == 1 && section.int("firings") == 1)
        #expect(try gpio.stats()["models"]?["mobilenetv2"]?.int("ok") == 1)
        let health = try gpio.client.call(.health)
        #expect(health.header["triggers"]?.serializedString == "[{\"name\":\"porch\",\"state\":\"running\"}]")

        // SIGTERM: the triggers stop before the request drain.
        gpio.daemon.signal(SIGTERM)
        #expect(gpio.daemon.waitExit(timeoutMilliseconds: 10_000) == 0)
        let log = gpio.daemon.log()
        let stopped = try #require(log.firstRange(of: "triggers stopped"), "\(log)")
        let draining = try #require(log.firstRange(of: "stopping; draining"), "\(log)")
        #expect(stopped.lowerBound < draining.lowerBound)
    }

    @Test func aBouncingEdgeGivesExactlyOneInference() throws {
        let gpio = try TriggerDaemon(models: echoModel, triggers: echoTrigger("button", extra: "edge = \"both\"\ndebounce_ms = 2000\nmin_interval_ms = 0"),
                                     extraFiles: ["input.txt": "pressed"])
        // Five bounces: ten edges within microseconds of each other, all inside the debounce period.
        try gpio.edges(Array(repeating: "GPIO17 pulse", count: 5))
        let section = try gpio.waitForTrigger("button") { $0.int("edges") == 10 && $0.int("results") == 1 }
        // One accepted edge out of ten can only ever fire once.
        #expect(section.int("edges_debounced") == 9 && section.int("firings") == 1, "\(section.serializedString)")
        let events = try gpio.drain(milliseconds: 300).filter { $0.topic == "ember.trigger.button" }
        #expect(events.count == 1)
        #expect(events.first?.body["status"] == .string("ok") && events.first?.int("edge", "merged") == 1)
        // The echo model returns the input: the file's bytes are the payload frame.
        #expect(events.first?.payloads == [Array("pressed".utf8)])
        #expect(try gpio.stats()["models"]?["echo"]?.int("ok") == 1)
    }

    @Test func anEdgeStormNeitherQueuesNorBreaksTheMinimumInterval() throws {
        let interval: Int64 = 150
        let gpio = try TriggerDaemon(models: echoModel, triggers: echoTrigger("storm", extra: "debounce_ms = 0\nmin_interval_ms = \(interval)"),
                                     extraFiles: ["input.txt": "x"])
        // About 10 kHz for one second: 100 batches of 100 edges, 10 ms apart.
        for _ in 0..<100 {
            try gpio.edges(Array(repeating: "GPIO17 rising", count: 100))
            sleepMilliseconds(10)
        }
        // Quiet once every firing has published and no edge is left.
        var previous = JSONValue.null
        let section = try gpio.waitForTrigger("storm") { section in
            defer { previous = section }
            sleepMilliseconds(Int(interval) * 2)
            return section.int("firings") == section.int("results") && section.serializedString == previous.serializedString
        }
        let firings = try #require(section.int("firings"))
        let accepted = try #require(section.int("edges"))
        let events = try gpio.drain(milliseconds: 300).filter { $0.topic == "ember.trigger.storm" }
        #expect(Int64(events.count) == firings)
        #expect(events.allSatisfy { $0.body["status"] == .string("ok") })
        // Accepted edges collapse into the next firing: none is lost, none waits in a queue.
        #expect(events.reduce(0) { $0 + ($1.int("edge", "merged") ?? 0) } == accepted)
        let fired = events.compactMap { $0.int("fired_ns") }
        for (earlier, later) in zip(fired, fired.dropFirst()) {
            #expect(later - earlier >= interval * 1_000_000, "firings \(later - earlier) ns apart")
        }
        // One inference per firing went through the model's queue, and the queue is empty.
        let echo = try #require(try gpio.stats()["models"]?["echo"])
        #expect(echo.int("requests") == firings && echo.int("queue_depth") == 0)
        #expect(accepted > firings * 10, "accepted \(accepted), firings \(firings)")
        print("storm: \(accepted) edges read, \(firings) firings")
    }

    @Test func firingsShareTheModelsBoundedQueueWithRequests() throws {
        // One worker, a model that holds it for 3 s, room for one waiting job.
        let models = "workers = 1\n" + echoModel + "[[model]]\nname = \"slow\"\npath = \"builtin:echo?delay_ms=3000\"\nqueue_depth = 1\nwarmup_runs = 0\n"
        let trigger = echoTrigger("queue", extra: "debounce_ms = 0\nmin_interval_ms = 0").replacing("model = \"echo\"", with: "model = \"slow\"")
        let gpio = try TriggerDaemon(models: models, triggers: trigger, extraFiles: ["input.txt": "x"])
        let slow = { (id: String) in Request(id: id, operation: .infer(InferRequest(model: "slow", input: .text(id)))) }
        let requests = try TestClient(gpio.context, endpoint: gpio.daemon.endpoint, timeoutMilliseconds: 60_000)
        try requests.send(RequestEncoder.encode(slow("running")))
        _ = try gpio.waitForModel("slow") { $0.int("running") == 1 }
        try requests.send(RequestEncoder.encode(slow("waiting")))
        _ = try gpio.waitForModel("slow") { $0.int("queue_depth") == 1 }
        // The queue is full: the firing is refused like a request, not queued behind it.
        try gpio.edges(["GPIO17"])
        let busy = try #require(try gpio.next { $0.topic == "ember.trigger.queue" })
        #expect(busy.body["status"] == .string("error") && busy.body["error"]?["code"] == .string("busy"), "\(busy.body.serializedString)")
        #expect(try gpio.stats()["models"]?["slow"]?["errors"]?.int("busy") == 1)
        // Once the requests are answered, the still-armed trigger's next firing runs.
        #expect(try requests.receive().isOK && requests.receive().isOK)
        try gpio.edges(["GPIO17"])
        let ok = try #require(try gpio.next { $0.topic == "ember.trigger.queue" })
        #expect(ok.body["status"] == .string("ok") && ok.body["firing"] == .int(2), "\(ok.body.serializedString)")
    }

    @Test func aFailingInputSourcePublishesAnErrorAndTheTriggerStaysArmed() throws {
        let gpio = try TriggerDaemon(models: "stats_textfile = \"$DIR/ember.prom\"\nstats_interval_ms = 100\n" + echoModel,
                                     triggers: echoTrigger("cam", file: "$DIR/frame.txt", extra: "debounce_ms = 0\nmin_interval_ms = 0"))
        try gpio.edges(["GPIO17"])
        let failed = try #require(try gpio.next { $0.topic == "ember.trigger.cam" }, "no error event; log:\n\(gpio.daemon.log())")
        #expect(failed.body["status"] == .string("error"))
        #expect(failed.body["error"]?["code"] == .string("input_failed"))
        guard case .string(let message)? = failed.body["error"]?["message"] else { Issue.record("\(failed.body.serializedString)"); return }
        #expect(message.contains(gpio.daemon.directory.path + "/frame.txt"), "\(message)")
        #expect(failed.int("edge", "timestamp_ns") ?? 0 > 0)

        // Still armed: the next edge, with the file in place, gives a result.
        try gpio.daemon.directory.write("frame.txt", "now it exists")
        try gpio.edges(["GPIO17"])
        let ok = try #require(try gpio.next { $0.topic == "ember.trigger.cam" })
        #expect(ok.body["status"] == .string("ok") && ok.body["firing"] == .int(2), "\(ok.body.serializedString)")
        #expect(ok.payloads == [Array("now it exists".utf8)])
        let section = try gpio.waitForTrigger("cam") { $0.int("results") == 1 }
        #expect(section["errors"]?.serializedString == "{\"input_failed\":1}" && section["state"] == .string("running"))
        // The Prometheus text file carries the same counts.
        let promPath = gpio.daemon.directory.path + "/ember.prom"
        let deadline = monotonicNanoseconds() + 10_000_000_000
        var prom = ""
        while monotonicNanoseconds() < deadline && !prom.contains("ember_trigger_results_total{trigger=\"cam\"} 1") {
            sleepMilliseconds(50)
            prom = (try? readTextFile(promPath)) ?? ""
        }
        #expect(prom.contains("ember_trigger_results_total{trigger=\"cam\"} 1"), "\(prom)")
        #expect(prom.contains("ember_trigger_errors_total{trigger=\"cam\",code=\"input_failed\"} 1"), "\(prom)")
        #expect(prom.contains("ember_trigger_up{trigger=\"cam\"} 1"), "\(prom)")
    }

    @Test func aMissingRealChipIsReportedAndTheDaemonKeepsServing() throws {
        let triggers = "[[trigger]]\nname = \"pir\"\nmodel = \"echo\"\nchip = \"/dev/gpiochip99\"\nline = \"GPIO17\"\nsource = \"file\"\nsource_path = \"/nonexistent\"\n"
        let gpio = try TriggerDaemon(models: echoModel, triggers: triggers, backend: "libgpiod")
        let health = try gpio.client.call(.health)
        #expect(health.isOK && health.header["state"] == .string("serving"))
        guard case .array(let list)? = health.header["triggers"], let pir = list.first else { Issue.record("\(health.header)"); return }
        #expect(pir["name"] == .string("pir") && pir["state"] == .string("failed"))
        guard case .string(let message)? = pir["error"] else { Issue.record("\(pir)"); return }
        #expect(message.contains("GPIO chip \"/dev/gpiochip99\" line \"GPIO17\": no such chip"), "\(message)")
        #expect(gpio.daemon.log().contains("trigger \"pir\" not started: GPIO chip \"/dev/gpiochip99\" line \"GPIO17\""))
        let stats = try gpio.stats()
        #expect(stats["triggers"]?["pir"]?["state"] == .string("failed") && stats["triggers"]?["pir"]?["chip"] == .string("/dev/gpiochip99"))
        // Requests are still answered.
        let reply = try gpio.client.call(Request(id: "e", operation: .infer(InferRequest(model: "echo", input: .text("still here")))))
        #expect(reply.isOK, "\(reply.header)")
    }

    @Test func aBusyLineOrUnknownLineNameFailsOnlyThatTrigger() throws {
        let triggers = echoTrigger("first", extra: "debounce_ms = 0\nmin_interval_ms = 0")
            + echoTrigger("second", extra: "")
            + echoTrigger("third", extra: "").replacing("line = \"GPIO17\"", with: "line = \"GPIO99\"")
        let gpio = try TriggerDaemon(models: echoModel, triggers: triggers, extraFiles: ["input.txt": "x"])
        let health = try gpio.client.call(.health)
        guard case .array(let list)? = health.header["triggers"], list.count == 3 else { Issue.record("\(health.header)"); return }
        #expect(list[0]["state"] == .string("running"))
        #expect(list[1]["state"] == .string("failed"))
        #expect(list[1]["error"] == .string("GPIO chip \"gpiochip0\" line \"GPIO17\": line is busy (used by \"emberd:first\")"))
        #expect(list[2]["error"] == .string("GPIO chip \"gpiochip0\" line \"GPIO99\": no line with that name on this chip"))
        // The trigger that started works.
        try gpio.edges(["GPIO17"])
        let result = try #require(try gpio.next { $0.topic.hasPrefix("ember.trigger.") })
        #expect(result.topic == "ember.trigger.first" && result.body["status"] == .string("ok"))
    }

    @Test func stoppingAbandonsASlowCommandFiringAtTheDrainTimeout() throws {
        // The command hangs far longer than the drain allows (its own timeout is longer still).
        let drainMs: UInt64 = 500
        let trigger = """
            [[trigger]]
            name = "slowcam"
            model = "echo"
            line = "GPIO17"
            input_type = "text"
            debounce_ms = 0
            min_interval_ms = 0
            source = "command"
            source_command = ["sh", "-c", "echo $$ > '$DIR/command.pid'; exec sleep 60"]
            source_timeout_ms = 120000

            """
        let gpio = try TriggerDaemon(models: "drain_timeout_ms = \(drainMs)\n" + echoModel, triggers: trigger)
        try gpio.edges(["GPIO17"])
        let pidPath = gpio.daemon.directory.path + "/command.pid"
        var command: pid_t = 0
        let started = monotonicNanoseconds() + 10_000_000_000
        while command == 0 && monotonicNanoseconds() < started {
            command = ((try? readTextFile(pidPath)) ?? "").split(whereSeparator: \.isNewline).first.flatMap { pid_t($0) } ?? 0
            if command == 0 { sleepMilliseconds(20) }
        }
        try #require(command > 0, "the command never ran; log:\n\(gpio.daemon.log())")

        let stop = monotonicNanoseconds()
        gpio.daemon.signal(SIGTERM)
        #expect(gpio.daemon.waitExit(timeoutMilliseconds: 20_000) == 0)
        let stopMs = (monotonicNanoseconds() - stop) / 1_000_000
        // Bounded by the drain timeout (plus the workers' 1 s and exiting), not by the 60 s command.
        #expect(stopMs >= drainMs && stopMs < drainMs + 3000, "stopped after \(stopMs) ms")
        let log = gpio.daemon.log()
        #expect(log.contains("trigger \"slowcam\": stop deadline passed: abandoned a firing reading its input (command sh)"), "\(log)")
        #expect(log.contains("killed its command sh (process group \(command))"), "\(log)")
        let stopped = try #require(log.firstRange(of: "triggers stopped"), "\(log)")
        let abandoned = try #require(log.firstRange(of: "stop deadline passed"), "\(log)")
        #expect(abandoned.lowerBound < stopped.lowerBound)
        // The command is gone (once emberd has exited, init reaps it).
        let gone = monotonicNanoseconds() + 5_000_000_000
        while kill(command, 0) == 0 && monotonicNanoseconds() < gone { sleepMilliseconds(20) }
        #expect(kill(command, 0) != 0 && errno == ESRCH, "command \(command) still runs")
    }

    @Test func stoppingWaitsForAFiringThatEndsWithinTheDrainTimeout() throws {
        // The firing's command takes 300 ms of a 5 s drain: it completes and is counted.
        let trigger = """
            [[trigger]]
            name = "quickcam"
            model = "echo"
            line = "GPIO17"
            input_type = "text"
            debounce_ms = 0
            min_interval_ms = 0
            source = "command"
            source_command = ["sh", "-c", "touch '$DIR/started'; sleep 0.3; echo frame"]

            """
        let gpio = try TriggerDaemon(models: "drain_timeout_ms = 5000\nstats_textfile = \"$DIR/ember.prom\"\n" + echoModel, triggers: trigger)
        try gpio.edges(["GPIO17"])
        let started = monotonicNanoseconds() + 10_000_000_000
        while !fileExists(gpio.daemon.directory.path + "/started") && monotonicNanoseconds() < started { sleepMilliseconds(10) }
        gpio.daemon.signal(SIGTERM)
        #expect(gpio.daemon.waitExit(timeoutMilliseconds: 10_000) == 0)
        let log = gpio.daemon.log()
        #expect(!log.contains("stop deadline passed"), "\(log)")
        // The stats file written at exit counts the firing's result.
        let prom = (try? readTextFile(gpio.daemon.directory.path + "/ember.prom")) ?? ""
        #expect(prom.contains("ember_trigger_results_total{trigger=\"quickcam\"} 1"), "\(prom)\n\(log)")
    }

    @Test func checkConfigReportsTriggerErrorsWithTheirLine() throws {
        let scratch = try TemporaryDirectory()
        try scratch.write("bad.toml", """
            [[model]]
            name = "echo"
            path = "builtin:echo"
            [[trigger]]
            name = "door"
            model = "echo"
            line = "GPIO17"
            edge = "up"
            source = "file"
            source_path = "/x"
            colour = "red"
            [[trigger]]
            name = "hall"
            model = "nope"
            line = 4
            source = "file"
            source_path = "/x"
            [[trigger]]
            name = "yard"
            model = "echo"
            line = 5
            source = "file"
            source_path = "/x"
            action_label = "cat"
            action_lines = [6]

            """)
        let emberd = try DaemonProcess.executablePath()
        let (status, output) = try runProgram([emberd, "--config", scratch.path + "/bad.toml", "--check-config"], in: scratch.path)
        #expect(status == 1)
        #expect(output.contains("bad.toml:8: [[trigger]] #1 \"door\": key 'edge': expected one of rising, falling, both; got \"up\""), "\(output)")
        #expect(output.contains("bad.toml:11: [[trigger]] #1 \"door\": key 'colour': unknown key"), "\(output)")
        #expect(output.contains("bad.toml:12: [[trigger]] \"hall\": model \"nope\" is not a [[model]]"), "\(output)")
        #expect(output.contains("bad.toml:18: [[trigger]] \"yard\": action_label needs a classifier"), "\(output)")
    }
}

/// Runs a program; returns its exit status and what it printed (stdout and stderr).
private func runProgram(_ argv: [String], in directory: String) throws -> (status: Int32, output: String) {
    let outputPath = directory + "/program-output.txt"
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    var pid: pid_t = 0
    let cArgs = argv.map { strdup($0) } + [nil]
    defer { cArgs.forEach { free($0) } }
    guard posix_spawn(&pid, argv[0], &actions, nil, cArgs, environ) == 0 else { throw TestFailure("cannot run \(argv[0])") }
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    return ((status >> 8) & 0xFF, (try? readTextFile(outputPath)) ?? "")
}
