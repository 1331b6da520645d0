// emberd with the simulated GPIO chip, fed edges through its FIFO, with a SUB socket on its events.
import EmberDaemon
import EmberTransport

#if canImport(Glibc)
import Glibc
#endif

/// One PUB message: its topic and JSON body (and payload frames).
struct PublishedEvent {
    let topic: String
    let body: JSONValue
    let payloads: [[UInt8]]

    func int(_ path: String...) -> Int64? {
        // A plain loop without optional chaining: Swift 6.3.1's optimizer crashes (ownership
        // verifier) on `value = value?[key]` over an Optional<JSONValue> in release builds.
        var value = body
        for key in path {
            guard let next = value[key] else { return nil }
            value = next
        }
        return value.asNumber.map { Int64($0) }
    }
}

final class TriggerDaemon {
    let daemon: DaemonProcess
    let context: ZMQContext
    let client: TestClient
    private let events: ZMQSocket
    private var received: [PublishedEvent] = []

    var fifo: String { daemon.directory.path + "/gpio.fifo" }

    /// `models` must define a model named "echo" (reloaded to know the subscription is live).
    init(models: String, triggers: String, backend: String = "simulated", extraFiles: [String: String] = [:]) throws {
        let gpio = backend == "simulated" ? "[gpio]\nbackend = \"simulated\"\nsimulated_fifo = \"$DIR/gpio.fifo\"\n" : "[gpio]\nbackend = \"\(backend)\"\n"
        daemon = try DaemonProcess(config: models + gpio + triggers, extraFiles: extraFiles)
        context = try ZMQContext()
        client = try TestClient(context, endpoint: daemon.endpoint, timeoutMilliseconds: 60_000)
        events = try ZMQSocket(context, .sub)
        try events.setLinger(milliseconds: 0)
        try events.subscribe(Array("ember.".utf8))
        try events.setReceiveTimeout(milliseconds: 200)
        try events.connect(daemon.pubEndpoint)
        // The subscription is live once an event published after connecting arrives.
        for _ in 0..<100 {
            guard try client.call(.reload(model: "echo")).isOK else { throw TestFailure("reload of echo failed") }
            if try next(timeoutMilliseconds: 500, where: { $0.topic == "ember.model.loaded" }) != nil { break }
        }
        received.removeAll()
    }

    /// Writes FIFO commands ("GPIO17 rising", ...), one per element, in one write.
    func edges(_ lines: [String]) throws {
        let fd = open(fifo, O_WRONLY | O_NONBLOCK)
        guard fd >= 0 else { throw TestFailure("cannot open \(fifo): errno \(errno)") }
        defer { close(fd) }
        let bytes = Array(lines.map { $0 + "\n" }.joined().utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                guard errno == EAGAIN || errno == EINTR else { throw TestFailure("write \(fifo): errno \(errno)") }
                sleepMilliseconds(1)
                continue
            }
            offset += written
        }
    }

    /// The first event (already received or arriving within the timeout) matching `predicate`;
    /// it and the events before it are consumed.
    func next(timeoutMilliseconds: Int = 30_000, where predicate: (PublishedEvent) -> Bool) throws -> PublishedEvent? {
        let deadline = monotonicNanoseconds() + UInt64(timeoutMilliseconds) * 1_000_000
        while true {
            if let index = received.firstIndex(where: predicate) {
                let event = received[index]
                received.removeFirst(index + 1)
                return event
            }
            guard monotonicNanoseconds() < deadline else { return nil }
            guard let frames = try events.receive(), frames.count >= 2 else { continue }
            let body = try JSONParser.parse(frames[1])
            received.append(PublishedEvent(topic: String(decoding: frames[0], as: UTF8.self), body: body, payloads: Array(frames.dropFirst(2))))
        }
    }

    /// Every event that arrives within `milliseconds`, plus those already received.
    func drain(milliseconds: Int) throws -> [PublishedEvent] {
        _ = try next(timeoutMilliseconds: milliseconds) { _ in false }
        defer { received.removeAll() }
        return received
    }

    func stats() throws -> JSONValue {
        let reply = try client.call(.stats)
        guard reply.isOK else { throw TestFailure("stats failed: \(reply.header)") }
        return reply.header
    }

    /// Polls `stats` until `condition` holds on the model's section; returns it.
    func waitForModel(_ name: String, timeoutMilliseconds: Int = 30_000, _ condition: (JSONValue) -> Bool) throws -> JSONValue {
        let deadline = monotonicNanoseconds() + UInt64(timeoutMilliseconds) * 1_000_000
        while true {
            let section = try stats()["models"]?[name] ?? .null
            if condition(section) { return section }
            guard monotonicNanoseconds() < deadline else { throw TestFailure("model \(name) stats never matched: \(section.serializedString)") }
            sleepMilliseconds(10)
        }
    }

    /// Polls `stats` until `condition` holds on the trigger's section; returns it.
    func waitForTrigger(_ name: String, timeoutMilliseconds: Int = 30_000, _ condition: (JSONValue) -> Bool) throws -> JSONValue {
        let deadline = monotonicNanoseconds() + UInt64(timeoutMilliseconds) * 1_000_000
        while true {
            let section = try stats()["triggers"]?[name] ?? .null
            if condition(section) { return section }
            guard monotonicNanoseconds() < deadline else { throw TestFailure("trigger \(name) stats never matched: \(section.serializedString)\nlog:\n\(daemon.log())") }
            sleepMilliseconds(20)
        }
    }
}

extension JSONValue {
    func int(_ key: String) -> Int64? { self[key]?.asNumber.map { Int64($0) } }
}
