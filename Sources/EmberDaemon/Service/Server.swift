// The I/O thread: the only owner of the ZeroMQ sockets. It polls the ROUTER sockets, the ZAP
// socket and the mailbox pipe; decodes requests; answers the cheap ones itself; queues infer jobs
// for the workers; sends replies the workers and reloads post back; publishes events; keeps the
// watchdog and the stats file going; and runs the drain on shutdown.
import EmberTransport

final class Server {
    private let config: DaemonConfiguration
    private let logger: Logger
    private let scheduler: Scheduler
    private let mailbox: Mailbox
    private let notifier: SystemdNotifier
    private let reloader: Reloader
    private let decoder: RequestDecoder
    private let startedAt = monotonicNanoseconds()
    /// Reported in health and stats, stopped before the drain (GPIO triggers).
    var components: [any DaemonComponent] = []

    private var routers: [ZMQSocket] = []
    private var routerNames: [String] = []
    private var publisher: ZMQSocket?
    private var zap: ZMQSocket?
    private var authenticator: ZAPAuthenticator?

    private var counters = DaemonCounters()
    /// Accepted infer and reload requests whose reply has not been sent yet.
    private var outstanding = 0
    private var draining = false
    /// Models whose file changed on disk: the generation found stale and when its reload started.
    private var changedFileReloads: [String: (generation: Int, startedAt: UInt64)] = [:]
    private var drainDeadline: UInt64 = 0
    private var nextWatchdog: UInt64 = 0
    private var nextStatsFile: UInt64 = 0

    init(config: DaemonConfiguration, logger: Logger, scheduler: Scheduler, mailbox: Mailbox,
         notifier: SystemdNotifier, reloader: Reloader) {
        self.config = config
        self.logger = logger
        self.scheduler = scheduler
        self.mailbox = mailbox
        self.notifier = notifier
        self.reloader = reloader
        self.decoder = RequestDecoder(maxPayloadBytes: config.maxPayloadBytes)
    }

    // MARK: Start

    /// Binds every endpoint. Throws a message naming the endpoint that failed.
    func bind(context: ZMQContext) throws(ModelLoadError) {
        do {
            if !config.tcpEndpoint.isEmpty {
                // The ZAP handler must be bound before a CURVE socket accepts its first peer.
                let secret = try Self.readSecretKey(config.curveSecretKeyFile)
                let zap = try ZMQSocket(context, .rep)
                try zap.setLinger(milliseconds: 0)
                try zap.bind(ZAPAuthenticator.endpoint)
                self.zap = zap
                authenticator = ZAPAuthenticator(allowedClients: Set(config.curveAllowedClients))
                let tcp = try makeRouter(context)
                try tcp.setCurveServer(secretKey: secret)
                try tcp.setZAPDomain("ember")
                try bindRouter(tcp, config.tcpEndpoint)
            }
            let router = try makeRouter(context)
            try bindRouter(router, config.endpoint)
            if !config.pubEndpoint.isEmpty {
                let pub = try ZMQSocket(context, .pub)
                try pub.setLinger(milliseconds: 0)
                try prepareIPC(config.pubEndpoint)
                try pub.bind(config.pubEndpoint)
                try restrictIPC(config.pubEndpoint)
                publisher = pub
                logger.info("publishing events on \(config.pubEndpoint)")
            }
        } catch let error as ModelLoadError {
            throw error
        } catch {
            throw ModelLoadError("\(error)")
        }
    }

    private func makeRouter(_ context: ZMQContext) throws(ZMQError) -> ZMQSocket {
        let router = try ZMQSocket(context, .router)
        try router.setLinger(milliseconds: 1000)
        try router.setMaxMessageSize(config.zmqMaxMessageBytes)
        // Room for many pipelined clients; beyond it replies to a slow client are dropped, not queued forever.
        try router.setSendHighWaterMark(10_000)
        try router.setReceiveHighWaterMark(10_000)
        return router
    }

    private func bindRouter(_ router: ZMQSocket, _ endpoint: String) throws {
        try prepareIPC(endpoint)
        try router.bind(endpoint)
        try restrictIPC(endpoint)
        let resolved = (try? router.lastEndpoint()) ?? endpoint
        routers.append(router)
        routerNames.append(resolved)
        logger.info("serving requests on \(resolved)")
    }

    private func prepareIPC(_ endpoint: String) throws {
        guard endpoint.hasPrefix("ipc://") else { return }
        let path = String(endpoint.dropFirst("ipc://".count))
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            try makeDirectories(String(path[..<slash]))
        }
    }

    private func restrictIPC(_ endpoint: String) throws {
        guard endpoint.hasPrefix("ipc://"), !endpoint.hasPrefix("ipc://@") else { return }
        try changeMode(String(endpoint.dropFirst("ipc://".count)), config.ipcMode)
    }

    static func readSecretKey(_ path: String) throws -> String {
        let text: String
        do { text = try readTextFile(path) } catch { throw ModelLoadError("curve_secret_key_file: \(error)") }
        let key = String(text.filter { !$0.isWhitespace })
        guard CurveKeys.isValidZ85Key(key) else {
            throw ModelLoadError("curve_secret_key_file \(path) does not hold a 40-character Z85 key")
        }
        return key
    }

    // MARK: Loop

    /// Serves until a stop signal has been handled and the drain is over.
    func run() {
        if let interval = notifier.watchdogInterval {
            logger.info("watchdog on: pinging every \(interval / 1_000_000) ms")
            nextWatchdog = monotonicNanoseconds()
        }
        if !config.statsTextfile.isEmpty { nextStatsFile = monotonicNanoseconds() }
        var items: [ZMQPollItem] = routers.map { .socket($0) }
        if let zap { items.append(.socket(zap)) }
        items.append(.fileDescriptor(mailbox.pipe.readFD))

        while true {
            runTimers()
            if draining && (outstanding == 0 || monotonicNanoseconds() >= drainDeadline) { break }
            let readable: [Bool]
            do {
                readable = try ZMQPoller.pollReadable(items, timeout: pollTimeout())
            } catch {
                logger.error("poll failed: \(error)")
                sleepMilliseconds(10)
                continue
            }
            for (index, router) in routers.enumerated() where readable[index] { receiveRequests(router, index: index) }
            if let zap, readable[routers.count] { authenticate(zap) }
            if readable[items.count - 1] {
                for message in mailbox.takeAll() { handle(message) }
            }
        }
        finishDrain()
    }

    private func pollTimeout() -> Int {
        let now = monotonicNanoseconds()
        var wake = now + 1_000_000_000
        if notifier.watchdogInterval != nil { wake = min(wake, nextWatchdog) }
        if nextStatsFile > 0 { wake = min(wake, nextStatsFile) }
        if draining { wake = min(wake, drainDeadline) }
        return wake <= now ? 0 : Int((wake - now + 999_999) / 1_000_000)
    }

    private func runTimers() {
        let now = monotonicNanoseconds()
        if let interval = notifier.watchdogInterval, now >= nextWatchdog {
            notifier.notify("WATCHDOG=1")
            nextWatchdog = now + interval
        }
        if nextStatsFile > 0 && now >= nextStatsFile {
            writeStatsFile()
            nextStatsFile = now + UInt64(config.statsIntervalMilliseconds) * 1_000_000
        }
    }

    /// Takes what is waiting, in bounded batches so that replies and signals are not starved.
    private func receiveRequests(_ router: ZMQSocket, index: Int) {
        for _ in 0..<256 {
            let frames: [[UInt8]]?
            do { frames = try router.receive(dontWait: true) } catch {
                logger.warning("receive on \(routerNames[index]) failed: \(error)")
                return
            }
            guard let frames else { return }
            handleRequest(RoutedMessage(routerFrames: frames), socket: index)
        }
    }

    private func send(_ frames: [[UInt8]], to envelope: [[UInt8]], on socket: Int) {
        do {
            if try !routers[socket].send(envelope + frames, dontWait: true) {
                logger.warning("reply dropped: the client is not reading (send queue full)")
            }
        } catch {
            logger.warning("reply dropped: \(error)")
        }
    }

    private func replyError(_ error: WireError, to envelope: [[UInt8]], on socket: Int) {
        counters.errors.add(error.code)
        logger.debug("request \(error.id ?? "(no id)"): \(error)")
        send(ReplyEncoder.error(error), to: envelope, on: socket)
    }

    // MARK: Requests

    private func handleRequest(_ message: RoutedMessage, socket: Int) {
        counters.requests += 1
        let request: Request
        do {
            request = try decoder.decode(message.body)
        } catch {
            replyError(error, to: message.envelope, on: socket)
            return
        }
        if draining && request.operation != .health {
            replyError(WireError(.shuttingDown, "emberd is stopping; no new work is accepted", id: request.id), to: message.envelope, on: socket)
            return
        }
        switch request.operation {
        case .infer(let infer):
            submit(infer, id: request.id, envelope: message.envelope, socket: socket)
        case .models:
            send(ReplyEncoder.ok(id: request.id, fields: [("models", modelsJSON())]), to: message.envelope, on: socket)
        case .health:
            let fields: [(String, JSONValue)] = [
                ("state", .string(draining ? "draining" : "serving")), ("uptime_s", .double(uptimeSeconds)),
                ("models", .int(Int64(scheduler.names.count))),
            ] + components.map { ($0.name, $0.healthJSON()) }
            send(ReplyEncoder.ok(id: request.id, fields: fields), to: message.envelope, on: socket)
        case .stats:
            let fields = StatsReport.json(models: scheduler.snapshot(), counters: counters, uptimeSeconds: uptimeSeconds,
                                          inFlight: scheduler.inFlight) + components.map { ($0.name, $0.statsJSON()) }
            send(ReplyEncoder.ok(id: request.id, fields: fields), to: message.envelope, on: socket)
        case .reload(let model):
            if let model, scheduler.current(model) == nil {
                replyError(unknownModel(model, id: request.id), to: message.envelope, on: socket)
                return
            }
            let started = reloader.start(models: model.map { [$0] } ?? scheduler.names,
                                         requester: (id: request.id, socket: socket, envelope: message.envelope))
            if started {
                outstanding += 1
            } else {
                replyError(WireError(.reloadFailed, "another reload is in progress", id: request.id), to: message.envelope, on: socket)
            }
        }
    }

    private var uptimeSeconds: Double { Double(monotonicNanoseconds() - startedAt) / 1e9 }

    private func unknownModel(_ name: String, id: String) -> WireError {
        WireError(.unknownModel, "no model named \"\(name)\"; loaded: \(scheduler.names.joined(separator: ", "))", id: id)
    }

    private func submit(_ infer: InferRequest, id: String, envelope: [[UInt8]], socket: Int) {
        guard let served = scheduler.current(infer.model) else {
            replyError(unknownModel(infer.model, id: id), to: envelope, on: socket)
            return
        }
        if let problem = Self.inputProblem(infer.input, for: served.loaded.model, name: served.name) {
            scheduler.recordRejected(model: served.name, .invalidInput)
            replyError(WireError(.invalidInput, problem, id: id), to: envelope, on: socket)
            return
        }
        let now = monotonicNanoseconds()
        let deadlineMilliseconds = infer.deadlineMilliseconds ?? (config.defaultDeadlineMilliseconds > 0 ? Int64(config.defaultDeadlineMilliseconds) : nil)
        let job = Job(socket: socket, envelope: envelope, id: id, request: infer, receivedAt: now,
                      deadline: deadlineMilliseconds.map { now + UInt64($0) * 1_000_000 })
        switch scheduler.submit(job, now: now) {
        case .accepted:
            outstanding += 1
        case .unknownModel:
            replyError(unknownModel(infer.model, id: id), to: envelope, on: socket)
        case .busy(let capacity):
            replyError(WireError(.busy, "the queue of model \"\(infer.model)\" is full (\(capacity) waiting); retry later", id: id), to: envelope, on: socket)
        case .deadlineUnreachable(let estimate):
            replyError(WireError(.deadlineExceeded, "deadline of \(deadlineMilliseconds ?? 0) ms cannot be met: the request would finish in about \(estimate) ms; not run", id: id), to: envelope, on: socket)
        case .refused(let code, let message):
            replyError(WireError(code, message, id: id), to: envelope, on: socket)
        case .shuttingDown:
            replyError(WireError(.shuttingDown, "emberd is stopping; no new work is accepted", id: id), to: envelope, on: socket)
        }
    }

    /// Why `input` cannot go to `model`, or nil when it can.
    static func inputProblem(_ input: RequestInput, for model: any ServableModel, name: String) -> String? {
        let kind = InputKind(rawValue: input.kindName)!
        guard model.accepts.contains(kind) else {
            return "model \"\(name)\" takes \(model.accepts.map(\.rawValue).joined(separator: " or ")) input, not \(kind.rawValue)"
        }
        if case .tensor(let dtype, let shape, _) = input, let expected = model.inputs.first {
            if dtype != expected.dtype {
                return "model \"\(name)\" takes a \(expected.dtype.rawValue) tensor, not \(dtype.rawValue)"
            }
            if shape != expected.shape {
                return "model \"\(name)\" takes a tensor of shape \(expected.shape), not \(shape)"
            }
        }
        return nil
    }

    private func modelsJSON() -> JSONValue {
        func tensors(_ infos: [TensorInfo]) -> JSONValue {
            .array(infos.map { info in
                var fields: [(String, JSONValue)] = [("name", .string(info.name)), ("dtype", .string(info.dtype.rawValue)),
                                                     ("shape", .array(info.shape.map { .int(Int64($0)) }))]
                if let scale = info.scale { fields.append(("scale", .double(scale))) }
                if let zeroPoint = info.zeroPoint { fields.append(("zero_point", .int(Int64(zeroPoint)))) }
                return .object(fields)
            })
        }
        return .array(scheduler.snapshot().map { snapshot in
            let model = snapshot.model
            return .object([
                ("name", .string(snapshot.name)), ("kind", .string(model.kind.rawValue)), ("path", .string(snapshot.path)),
                ("generation", .int(Int64(snapshot.generation))), ("accepts", .array(model.accepts.map { .string($0.rawValue) })),
                ("queue_depth", .int(Int64(snapshot.capacity))), ("inputs", tensors(model.inputs)), ("outputs", tensors(model.outputs)),
            ])
        })
    }

    // MARK: Mailbox

    private func handle(_ message: MailboxMessage) {
        switch message {
        case .reply(let socket, let envelope, let frames):
            outstanding -= 1
            send(frames, to: envelope, on: socket)
        case .signal(.reload):
            logger.notice("SIGHUP: reloading every model")
            if !reloader.start(models: scheduler.names, requester: nil) {
                logger.warning("SIGHUP ignored: a reload is already in progress")
            } else {
                outstanding += 1
            }
        case .signal(.terminate(let number)):
            if draining {
                logger.warning("signal \(number) again: stopping without waiting for the drain")
                drainDeadline = 0
            } else {
                beginDrain(signal: number)
            }
        case .reloadFinished(let reply, let events):
            outstanding -= 1
            for event in events { publish(event) }
            if let reply { send(reply.frames, to: reply.envelope, on: reply.socket) }
        case .publish(let event):
            publish(event)
        case .modelFileChanged(let model, let generation, let message):
            reloadChangedFile(model, generation: generation, message: message)
        }
    }

    /// Reloads a model whose file changed under it. Every request to it fails with
    /// `model_changed` until a reload succeeds, so a file still being written is retried, at most
    /// once a second, on the requests that keep finding it stale.
    private func reloadChangedFile(_ model: String, generation: Int, message: String) {
        let now = monotonicNanoseconds()
        guard !draining else { return }
        if let last = changedFileReloads[model], last.generation == generation, now - last.startedAt < 1_000_000_000 { return }
        guard reloader.start(models: [model], requester: nil) else { return }  // a reload is running: the next request asks again
        outstanding += 1
        changedFileReloads[model] = (generation, now)
        logger.error("\(message)")
        publish(Event(topic: "ember.model.file_changed", fields: [("model", .string(model)), ("message", .string(message))]))
    }

    func publish(_ event: Event) {
        guard let publisher else { return }
        let body: [(String, JSONValue)] = [("v", .int(WireProtocol.version)), ("event", .string(String(event.topic.dropFirst("ember.".count)))),
                                           ("time_unix", .double(unixTimeSeconds()))] + event.fields
        do { try publisher.send([Array(event.topic.utf8), JSONValue.object(body).serialized()] + event.payloads, dontWait: true) } catch {
            logger.warning("event \(event.topic) not published: \(error)")
        }
    }

    // MARK: Stop

    private func beginDrain(signal: Int32) {
        // One deadline for everything: the components' running work (trigger firings), then the requests.
        drainDeadline = monotonicNanoseconds() + UInt64(config.drainTimeoutMilliseconds) * 1_000_000
        for component in components { component.stop(deadlineNs: drainDeadline) }
        draining = true
        scheduler.stopAccepting()
        let remainingMs = (drainDeadline - min(drainDeadline, monotonicNanoseconds())) / 1_000_000
        notifier.notify("STOPPING=1\nSTATUS=draining \(outstanding) requests")
        logger.notice("signal \(signal): stopping; draining \(outstanding) requests for up to \(remainingMs) ms")
        publish(Event(topic: "ember.stopping", fields: [("in_flight", .int(Int64(outstanding)))]))
    }

    /// Answers what is still queued, flushes what the workers already finished, closes the sockets.
    private func finishDrain() {
        let abandoned = scheduler.stop()
        for job in abandoned {
            if let waiter = job.completion { waiter.abandon(); continue }
            outstanding -= 1
            replyError(WireError(.shuttingDown, "emberd stopped before this request ran", id: job.id), to: job.envelope, on: job.socket)
        }
        for message in mailbox.takeAll() {
            switch message {
            case .reply, .publish: handle(message)
            case .signal, .reloadFinished, .modelFileChanged: break
            }
        }
        if outstanding > 0 {
            logger.warning("drain timed out after \(config.drainTimeoutMilliseconds) ms with \(outstanding) requests still running")
        } else {
            logger.info("drained")
        }
        if !config.statsTextfile.isEmpty { writeStatsFile() }
        for router in routers { router.close() }
        publisher?.close()
        zap?.close()
    }

    private func authenticate(_ zap: ZMQSocket) {
        guard let authenticator else { return }
        while let frames = try? zap.receive(dontWait: true) {
            let decision = authenticator.reply(to: frames)
            logger.log(decision.allowed ? .debug : .notice, "CURVE: \(decision.reason)")
            do { try zap.send(decision.frames) } catch { logger.error("ZAP reply failed: \(error)") }
        }
    }

    private func writeStatsFile() {
        let text = StatsReport.prometheus(models: scheduler.snapshot(), counters: counters, uptimeSeconds: uptimeSeconds)
            + components.map { $0.prometheusText() }.joined()
        do { try writeFileAtomically(config.statsTextfile, Array(text.utf8)) } catch {
            logger.warning("stats_textfile: \(error)")
        }
    }
}
