// The daemon's GPIO triggers: opens the configured backend and every trigger's lines and source,
// runs each firing's inference through the model scheduler (same bounded queues as requests),
// publishes results and errors through the I/O thread, and reports in `health` and `stats`.
// A trigger that cannot start is logged and reported; the daemon and the other triggers go on.
import EmberGPIO
import EmberTransport

final class TriggerSupervisor: DaemonComponent, @unchecked Sendable {
    let name = "triggers"
    private let config: GPIOConfiguration
    private let scheduler: Scheduler
    private let mailbox: Mailbox
    private let logger: Logger
    /// False when pub_endpoint is "": results are then only counted and logged.
    private let publishing: Bool
    private let lock = ConditionLock()
    /// By trigger name; configuration order is `config.triggers`.
    private var records: [String: TriggerRecord] = [:]
    private var service: TriggerService?
    private var gpio: ConfiguredGPIO?

    init(config: GPIOConfiguration, scheduler: Scheduler, mailbox: Mailbox, logger: Logger, publishing: Bool) {
        self.config = config
        self.publishing = publishing
        self.scheduler = scheduler
        self.mailbox = mailbox
        self.logger = logger
        for trigger in config.triggers { records[trigger.name] = TriggerRecord(config: trigger) }
    }

    /// Opens everything that can be opened. Call once, after the models are warm and the sockets bound.
    func start() {
        if !publishing { logger.warning("pub_endpoint is \"\": trigger results are not published (actions still drive their lines)") }
        var startable: [TriggerConfig] = []
        for trigger in config.triggers {
            guard let served = scheduler.current(trigger.model) else { fail(trigger.name, "model \"\(trigger.model)\" is not loaded"); continue }
            if let problem = TriggerModelCheck.problem(trigger, model: served.loaded) { fail(trigger.name, problem); continue }
            startable.append(trigger)
        }
        let logger = logger
        let configured: ConfiguredGPIO
        do {
            configured = try ConfiguredGPIO(config.settings, report: { logger.info("gpio: \($0)") })
        } catch {
            for trigger in startable { fail(trigger.name, "\(error)") }
            return
        }
        gpio = configured
        logger.info("gpio: backend \(configured.backend.name)\(configured.feeder.map { ", edges from FIFO \($0.path)" } ?? "")")
        let service = TriggerService(
            triggers: startable, backend: configured.backend,
            fire: { [self] event in fire(event) },
            report: { [self] problem in runtimeProblem(problem) },
            outputChanged: { [self] change in
                mailbox.post(.publish(Event(topic: "ember.gpio.output", fields: [
                    ("line", .string(change.line)), ("active", .bool(change.active)),
                    ("trigger", change.trigger.map { .string($0) } ?? .null), ("time_ns", .int(Int64(change.atNs))),
                ])))
            })
        self.service = service
        for failure in service.start() { fail(failure.trigger ?? "?", failure.message) }
        for trigger in startable where service.runningTriggers.contains(trigger.name) {
            lock.withLock { records[trigger.name]?.running = true }
            logger.info("trigger \"\(trigger.name)\": armed on \(trigger.line.chip) line \(trigger.line.line) (\(trigger.line.edge.rawValue) edge), model \"\(trigger.model)\", input \(trigger.source.summary)")
        }
    }

    /// Triggers stop before the request drain: no new firing; a running one finishes its input
    /// and inference, until the drain deadline: then it is abandoned (a `command` source's
    /// process group killed) and logged.
    func stop(deadlineNs: UInt64) {
        guard let service else { return }
        self.service = nil
        for abandoned in service.stop(deadlineNs: deadlineNs) { logger.warning("\(abandoned)") }
        gpio?.feeder?.stop()
        lock.withLock { for name in records.keys { records[name]?.running = false } }
        logger.info("triggers stopped")
    }

    private func fail(_ trigger: String, _ message: String) {
        lock.withLock { records[trigger]?.failure = message }
        logger.error("trigger \"\(trigger)\" not started: \(message); emberd keeps serving without it")
    }

    private func runtimeProblem(_ problem: TriggerProblem) {
        if let trigger = problem.trigger { lock.withLock { records[trigger]?.gpioErrors += 1 } }
        logger.warning("\(problem)")
    }

    // MARK: Firing (on the trigger's own thread)

    private func fire(_ event: TriggerEvent) -> [LabelScore] {
        guard let trigger = config.triggers.first(where: { $0.name == event.trigger }) else { return [] }
        let firing = lock.withLock { () -> Int in
            records[trigger.name]?.firings += 1
            return records[trigger.name]?.firings ?? 0
        }
        let builder = TriggerResultEvent(trigger: trigger, firing: firing, edge: event)
        func failed(_ code: String, _ message: String) -> [LabelScore] {
            let now = monotonicNanoseconds()
            lock.withLock { records[trigger.name]?.errors.add(code) }
            logger.warning("trigger \"\(trigger.name)\" firing \(firing): \(code): \(message); the trigger stays armed")
            mailbox.post(.publish(builder.error(code: code, message: message, model: trigger.model, resultNs: now)))
            return []
        }

        let payload: InputPayload
        switch event.input {
        case .failure(let error): return failed("input_failed", error.description)
        case .success(let read): payload = read
        }
        guard let served = scheduler.current(trigger.model) else { return failed(WireErrorCode.unknownModel.rawValue, "model \"\(trigger.model)\" is not loaded") }
        let input: RequestInput
        switch TriggerModelCheck.input(payload.bytes, type: trigger.inputType, model: served.loaded.model) {
        case .failure(let error): return failed(error.code.rawValue, "input \(payload.origin): \(error.message)")
        case .success(let made): input = made
        }
        if let problem = Server.inputProblem(input, for: served.loaded.model, name: served.name) {
            return failed(WireErrorCode.invalidInput.rawValue, problem)
        }

        let waiter = JobWaiter()
        let now = monotonicNanoseconds()
        let job = Job(socket: -1, envelope: [], id: "trigger \(trigger.name) #\(firing)",
                      request: InferRequest(model: trigger.model, input: input, topK: trigger.topK),
                      receivedAt: now, deadline: nil, completion: waiter)
        switch scheduler.submit(job, now: now) {
        case .accepted: break
        case .busy(let capacity):
            return failed(WireErrorCode.busy.rawValue, "the queue of model \"\(trigger.model)\" is full (\(capacity) waiting)")
        case .unknownModel:
            return failed(WireErrorCode.unknownModel.rawValue, "model \"\(trigger.model)\" is not loaded")
        case .shuttingDown, .deadlineUnreachable:
            return failed(WireErrorCode.shuttingDown.rawValue, "emberd is stopping")
        case .refused(let code, let message):
            return failed(code.rawValue, message)  // the governor: over_budget
        }
        let success: JobWaiter.Success
        switch waiter.wait() {
        case .failure(let error): return failed(error.code.rawValue, error.message)
        case .success(let done): success = done
        }
        let resultNs = monotonicNanoseconds()
        let inputNs = payload.capturedAtNs > event.firedAtNs ? payload.capturedAtNs - event.firedAtNs : 0
        let (published, actionScore) = builder.result(success, inputNs: inputNs, resultNs: resultNs)
        lock.withLock {
            records[trigger.name]?.results += 1
            records[trigger.name]?.latency.add(UInt64(builder.latencyMicroseconds(resultNs)) * 1000)
        }
        mailbox.post(.publish(published))
        guard let action = trigger.action, let actionScore else { return [] }
        return [LabelScore(label: action.label, score: actionScore)]
    }

    /// Each configured trigger with what the supervisor and its gate counted, in configuration order.
    func snapshot() -> [(record: TriggerRecord, gate: TriggerStats?)] {
        let counters = service?.stats ?? []
        return lock.withLock {
            config.triggers.map { trigger in (records[trigger.name]!, counters.first { $0.trigger == trigger.name }) }
        }
    }
}

/// What the supervisor knows about one trigger. Guarded by the supervisor's lock.
struct TriggerRecord {
    let config: TriggerConfig
    var running = false
    /// Why it could not start.
    var failure: String?
    var firings = 0
    var results = 0
    var errors = NamedCounts()
    var gpioErrors = 0
    /// Edge (kernel timestamp) to result, in ns.
    var latency = LatencyWindow()

    var state: String { failure != nil ? "failed" : running ? "running" : "stopped" }

    static func json(_ line: LineSelector) -> JSONValue {
        switch line {
        case .offset(let offset): return .int(Int64(offset))
        case .name(let name): return .string(name)
        }
    }
}

/// Counts by name, in first-seen order.
struct NamedCounts {
    private(set) var counts: [(String, Int)] = []

    mutating func add(_ name: String) {
        if let index = counts.firstIndex(where: { $0.0 == name }) { counts[index].1 += 1 } else { counts.append((name, 1)) }
    }

    func json() -> JSONValue { .object(counts.map { ($0.0, .int(Int64($0.1))) }) }
}
