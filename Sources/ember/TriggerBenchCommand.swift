import ArgumentParser
import EmberTransport

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `ember bench-trigger`: edge-to-published-result latency of a GPIO trigger on emberd's simulated
/// chip, with a plain infer request of the same model and input as the peer in the same run.
struct TriggerBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-trigger",
        abstract: "Measure a GPIO trigger's edge-to-published-result latency against a running emberd (simulated chip).",
        discussion: """
            emberd must run with [gpio] backend = "simulated" and a simulated_fifo, and a trigger on \
            --line with debounce_ms = 0 and min_interval_ms = 0 (see tools/bench-trigger.sh). Each \
            round writes one edge to the FIFO and waits for the trigger's message on the PUB socket: \
            the latency is the subscriber's CLOCK_MONOTONIC at receipt minus the edge's timestamp. With \
            --model and --image, each round also sends that image as an infer request (the peer).
            """
    )

    @Option(help: "The simulated chip's FIFO (simulated_fifo in emberd's [gpio] table).")
    var fifo: String

    @Option(help: "emberd's PUB endpoint (pub_endpoint).")
    var events: String

    @Option(help: "The trigger's name.")
    var trigger: String

    @Option(help: "The trigger's line, as the FIFO takes it.")
    var line = "GPIO17"

    @Option(help: "Measured rounds.")
    var count = 200

    @Option(help: "Rounds run first and not measured.")
    var warmup = 10

    @Option(help: "For the peer: the model of the trigger.")
    var model: String?

    @Option(help: "For the peer: the image the trigger reads (sent as an infer request).")
    var image: String?

    @OptionGroup var daemon: DaemonOptions

    func validate() throws {
        guard count >= 1, warmup >= 0 else { throw ValidationError("--count must be at least 1 and --warmup at least 0") }
        guard (model == nil) == (image == nil) else { throw ValidationError("--model and --image go together") }
    }

    func run() throws {
        let context = try ZMQContext()
        let subscriber = try ZMQSocket(context, .sub)
        try subscriber.setLinger(milliseconds: 0)
        try subscriber.subscribe(Array("ember.trigger.\(trigger)".utf8))
        try subscriber.setReceiveTimeout(milliseconds: 250)
        try subscriber.connect(events)
        let peer = try model.map { _ in try daemon.connect("bench-trigger") }
        let photo = try image.map { path -> [UInt8] in
            guard let bytes = readFileBytes(path) else { printError("ember bench-trigger: cannot read \(path)"); throw ExitCode(1) }
            return bytes
        }

        // The first message proves the subscription is live (a SUB misses what comes before).
        var subscribed = false
        for _ in 0..<40 where !subscribed {
            subscribed = try nextResult(subscriber, after: try edge(), timeoutMilliseconds: 500) != nil
        }
        guard subscribed else {
            printError("ember bench-trigger: no ember.trigger.\(trigger) message on \(events) after writing edges to \(fifo)")
            throw ExitCode(1)
        }

        var delivered: [UInt64] = [], reported: [UInt64] = [], inference: [UInt64] = [], requests: [UInt64] = []
        for round in 0..<(warmup + count) {
            guard let (body, receivedNs) = try nextResult(subscriber, after: try edge(), timeoutMilliseconds: 30_000) else {
                printError("ember bench-trigger: no result for round \(round) within 30 s")
                throw ExitCode(1)
            }
            guard body["status"] == .string("ok") else {
                printError("ember bench-trigger: the trigger failed: \(body.serializedString)")
                throw ExitCode(1)
            }
            var requestNs: UInt64?
            if let peer, let model, let photo {
                let start = monotonicNow()
                let reply = try daemon.call(peer, .infer(InferRequest(model: model, input: .image(photo), topK: 5)), "bench-trigger")
                guard reply.isOK else { printError("ember bench-trigger: \(reply.header.serializedString)"); throw ExitCode(1) }
                requestNs = monotonicNow() - start
            }
            guard round >= warmup else { continue }
            let edgeNs = UInt64(body["edge"]?["timestamp_ns"]?.asNumber ?? 0)
            delivered.append(receivedNs > edgeNs ? receivedNs - edgeNs : 0)
            reported.append(UInt64(body["latency_us"]?.asNumber ?? 0) * 1000)
            inference.append(UInt64(body["timings_us"]?["inference"]?.asNumber ?? 0) * 1000)
            if let requestNs { requests.append(requestNs) }
        }

        print("trigger \"\(trigger)\", \(count) edges (after \(warmup) warm-up), one at a time:")
        print(row("edge -> message received by a SUB client", delivered))
        print(row("edge -> result ready in emberd (latency_us)", reported))
        print(row("  of which inference (timings_us.inference)", inference))
        if !requests.isEmpty { print(row("peer: infer request round trip, same image", requests)) }
    }

    /// Writes one edge; returns the monotonic time just before (the edge's timestamp is later).
    private func edge() throws -> UInt64 {
        let fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            printError("ember bench-trigger: cannot open \(fifo) (is emberd running with simulated_fifo there?): errno \(errno)")
            throw ExitCode(1)
        }
        defer { close(fd) }
        let text = Array("\(line) rising\n".utf8)
        let before = monotonicNow()
        guard text.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == text.count else {
            printError("ember bench-trigger: write to \(fifo) failed: errno \(errno)")
            throw ExitCode(1)
        }
        return before
    }

    /// The trigger's next message for an edge stamped at or after `after` (late messages of
    /// earlier edges are skipped), and the monotonic time it was received.
    private func nextResult(_ socket: ZMQSocket, after: UInt64, timeoutMilliseconds: Int) throws -> (JSONValue, UInt64)? {
        let deadline = monotonicNow() + UInt64(timeoutMilliseconds) * 1_000_000
        while monotonicNow() < deadline {
            guard let frames = try socket.receive() else { continue }
            let now = monotonicNow()
            guard frames.count >= 2, let body = try? JSONParser.parse(frames[1]), body["trigger"] == .string(trigger),
                  let edgeNs = body["edge"]?["timestamp_ns"]?.asNumber, edgeNs >= Double(after) else { continue }
            return (body, now)
        }
        return nil
    }

    private func row(_ title: String, _ samples: [UInt64]) -> String {
        let sorted = samples.sorted()
        func at(_ q: Double) -> String {
            let rank = min(max(Int((q * Double(sorted.count)).rounded(.up)), 1), sorted.count) - 1
            return formatMilliseconds(sorted[rank])
        }
        return title.padding(toLength: 48) + "p50 \(at(0.5)) ms   p99 \(at(0.99)) ms"
    }
}

private func monotonicNow() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

/// Milliseconds with two decimals, without Foundation.
private func formatMilliseconds(_ nanoseconds: UInt64) -> String {
    let hundredths = (nanoseconds + 5_000) / 10_000
    let fraction = String(hundredths % 100)
    return "\(hundredths / 100).\(fraction.count == 1 ? "0" : "")\(fraction)"
}

extension String {
    fileprivate func padding(toLength length: Int) -> String {
        count >= length ? self + " " : self + String(repeating: " ", count: length - count)
    }
}
