/// Runs triggers: for each, one thread reads edges into its `TriggerGate` and one thread fires
/// (reads the input source, calls `fire`, applies the action). `fire` runs on that trigger's own
/// thread and may block (e.g. wait for an inference); firings of one trigger never overlap.
///
///     let service = TriggerService(triggers: configs, backend: backend, fire: { event in
///         publish(event); return scores }, report: { problem in log(problem) })
///     for failure in service.start() { log(failure) }   // the other triggers run
///     ...
///     service.stop()
public final class TriggerService: @unchecked Sendable {
    public let backend: any GPIOBackend
    private let configs: [TriggerConfig]
    private let fire: @Sendable (TriggerEvent) -> [LabelScore]
    private let report: @Sendable (TriggerProblem) -> Void
    private let outputChanged: @Sendable (OutputLineChange) -> Void
    private var runners: [TriggerRunner] = []
    private var outputs: OutputDriver?
    private var started = false

    public init(triggers: [TriggerConfig], backend: any GPIOBackend,
                fire: @escaping @Sendable (TriggerEvent) -> [LabelScore],
                report: @escaping @Sendable (TriggerProblem) -> Void = { _ in },
                outputChanged: @escaping @Sendable (OutputLineChange) -> Void = { _ in }) {
        self.configs = triggers; self.backend = backend; self.fire = fire; self.report = report
        self.outputChanged = outputChanged
    }

    /// Requests every line and starts every trigger that can start. Returns the ones that could
    /// not (each naming chip, line or source); call once.
    public func start() -> [TriggerProblem] {
        precondition(!started, "TriggerService.start called twice")
        started = true
        var failures: [TriggerProblem] = []

        // Output lines are shared: one request per distinct (chip, line), however many actions use it.
        var outputKeys: [OutputKey: Int] = [:]
        var outputLines: [Int: any OutputLine] = [:]
        var outputFailures: [Int: GPIOError] = [:]
        for config in configs {
            for spec in config.action?.outputs ?? [] where outputKeys[OutputKey(spec)] == nil {
                let key = outputKeys.count
                outputKeys[OutputKey(spec)] = key
                do { outputLines[key] = try backend.requestOutput(spec) } catch { outputFailures[key] = error }
            }
        }
        let driver: OutputDriver
        do { driver = try OutputDriver(lines: outputLines, report: report, changed: outputChanged) } catch {
            for line in outputLines.values { line.release() }
            return configs.map { TriggerProblem(trigger: $0.name, message: error.description) }
        }
        outputs = driver

        for config in configs {
            let keys = (config.action?.outputs ?? []).compactMap { outputKeys[OutputKey($0)] }
            if let bad = keys.lazy.compactMap({ outputFailures[$0] }).first {
                failures.append(TriggerProblem(trigger: config.name, message: "action output: \(bad)"))
                continue
            }
            let source: any InputSource
            do { source = try InputSources.make(config.source) } catch {
                failures.append(TriggerProblem(trigger: config.name, message: error.description))
                continue
            }
            let line: any EdgeLine
            do { line = try backend.requestInput(config.line) } catch {
                source.close()
                failures.append(TriggerProblem(trigger: config.name, message: error.description))
                continue
            }
            let runner = TriggerRunner(config: config, line: line, source: source, outputKeys: keys,
                                       outputs: driver, fire: fire, report: report)
            do { try runner.launch() } catch {
                failures.append(TriggerProblem(trigger: config.name, message: error.description))
                continue
            }
            runners.append(runner)
        }
        return failures
    }

    /// Stops reading edges, waits for running firings to return, releases every line. With a
    /// deadline (CLOCK_MONOTONIC ns) a firing still running then is abandoned: its input source
    /// is aborted (a command's process group killed), it drives no output, and it is returned,
    /// described, so the caller can log it; its thread is left to end by itself.
    @discardableResult
    public func stop(deadlineNs: UInt64? = nil) -> [TriggerProblem] {
        for runner in runners { runner.beginStop() }
        let abandoned = runners.compactMap { $0.finishStop(deadlineNs: deadlineNs) }
        runners.removeAll()
        outputs?.stop()
        outputs = nil
        return abandoned
    }

    public var stats: [TriggerStats] { runners.map(\.stats) }

    /// Names of the triggers that are running.
    public var runningTriggers: [String] { runners.map(\.config.name) }

    /// Output lines currently held active, by (chip, line) as configured; for tests and stats.
    public var activeOutputCount: Int { outputs?.activeKeys.count ?? 0 }

    private struct OutputKey: Hashable {
        var chip: String, line: LineSelector
        init(_ spec: OutputLineSpec) { chip = spec.chip; line = spec.line }
    }
}

/// The two threads of one trigger around its gate.
final class TriggerRunner: @unchecked Sendable {
    let config: TriggerConfig
    private let line: any EdgeLine
    private let source: any InputSource
    private let outputKeys: [Int]
    private let outputs: OutputDriver
    private let fire: @Sendable (TriggerEvent) -> [LabelScore]
    private let report: @Sendable (TriggerProblem) -> Void
    private let lock = ConditionLock()
    private var gate: TriggerGate
    private var stopping = false
    /// Set when a stop gave up waiting: the firing thread must not touch the outputs any more.
    private var abandoned = false
    /// What the firing thread is doing: the firing's start (ns) and phase; nil between firings.
    private var current: (startedAtNs: UInt64, phase: String)?
    /// Threads (edge, fire) that have returned.
    private var threadsDone = 0
    private var inputErrors = 0
    private var actionsTaken = 0
    private var threads: [WorkerThread] = []

    init(config: TriggerConfig, line: any EdgeLine, source: any InputSource, outputKeys: [Int],
         outputs: OutputDriver, fire: @escaping @Sendable (TriggerEvent) -> [LabelScore],
         report: @escaping @Sendable (TriggerProblem) -> Void) {
        self.config = config; self.line = line; self.source = source; self.outputKeys = outputKeys
        self.outputs = outputs; self.fire = fire; self.report = report
        gate = TriggerGate(debounceNs: config.debounceNs, minIntervalNs: config.minIntervalNs)
    }

    /// Starts the edge and fire threads; on failure nothing keeps running and the line and source are closed.
    func launch() throws(ThreadStartError) {
        do {
            threads.append(try WorkerThread(name: "ember-edge") { [self] in readEdges(); threadReturned() })
            threads.append(try WorkerThread(name: "ember-fire") { [self] in fireLoop(); threadReturned() })
        } catch {
            beginStop()
            _ = finishStop(deadlineNs: nil)
            throw error
        }
    }

    var stats: TriggerStats {
        lock.withLock {
            TriggerStats(trigger: config.name, edgesSeen: gate.edgesSeen, edgesDebounced: gate.edgesDebounced,
                         firings: gate.firings, inputErrors: inputErrors, actionsTaken: actionsTaken)
        }
    }

    /// No new firing, no more edges; the running firing goes on.
    func beginStop() {
        lock.withLock { stopping = true }
        lock.broadcast()
        line.close()
    }

    /// Waits for both threads until the deadline (nil: without limit). Returns nil when they
    /// ended; otherwise aborts the source and returns what the running firing was doing.
    func finishStop(deadlineNs: UInt64?) -> TriggerProblem? {
        let stuck = lock.withLock { () -> (startedAtNs: UInt64, phase: String)?? in
            while threadsDone < threads.count {
                if let deadlineNs, SystemMonotonicClock().nowNs() >= deadlineNs {
                    abandoned = true
                    return .some(current)
                }
                lock.wait(untilNs: deadlineNs)
            }
            return .none
        }
        guard let stuck else {
            for thread in threads { thread.join() }
            source.close()
            return nil
        }
        // The firing thread may still be inside the source: it is aborted, not closed. Neither
        // thread is waited for; detached, each frees its stack when it returns.
        for thread in threads { thread.detach() }
        let aborted = source.abort()
        let now = SystemMonotonicClock().nowNs()
        let what = stuck.map { "a firing \($0.phase) for \((now &- $0.startedAtNs) / 1_000_000) ms" } ?? "its edge reader"
        return TriggerProblem(trigger: config.name, message: "stop deadline passed: abandoned \(what)" + (aborted.map { "; \($0)" } ?? ""))
    }

    private func threadReturned() {
        lock.withLock { threadsDone += 1 }
        lock.broadcast()
    }

    private func readEdges() {
        while true {
            do {
                guard let edges = try line.waitForEdges(timeoutMs: 1000) else { return }
                if edges.isEmpty { continue }
                lock.withLock { for edge in edges { gate.offer(edge) } }
                lock.broadcast()
            } catch {
                report(TriggerProblem(trigger: config.name, message: "reading edges: \(error)"))
                // Back off, but notice a stop at once.
                let resume = SystemMonotonicClock().nowNs() &+ 1_000_000_000
                let stop = lock.withLock { () -> Bool in
                    while !stopping && SystemMonotonicClock().nowNs() < resume { lock.wait(untilNs: resume) }
                    return stopping
                }
                if stop { return }
            }
        }
    }

    private func fireLoop() {
        while let firing = nextFiring() {
            setPhase(firing.startedAtNs, "reading its input (\(source.summary))")
            let event = TriggerEvent(trigger: config.name, model: config.model, edge: firing.edge,
                                     mergedEdges: firing.mergedEdges, firedAtNs: firing.startedAtNs,
                                     input: Result { () throws(InputSourceError) in try source.read() })
            if case .failure = event.input { lock.withLock { inputErrors += 1 } }
            setPhase(firing.startedAtNs, "waiting for its inference (model \"\(config.model)\")")
            let scores = fire(event)
            // Under the lock, so that a stop that abandons this firing never sees it drive a
            // line after the outputs were released.
            let end = lock.withLock { () -> Bool in
                current = nil
                if abandoned { return true }
                if let action = config.action, case .success = event.input, action.isSatisfied(by: scores) {
                    outputs.activate(outputKeys, holdNs: action.holdNs, trigger: config.name)
                    actionsTaken += 1
                }
                gate.finish()
                return false
            }
            if end { return }
        }
    }

    private func setPhase(_ startedAtNs: UInt64, _ phase: String) {
        lock.withLock { current = (startedAtNs, phase) }
    }

    /// Waits until the gate has a firing due, or returns nil on stop.
    private func nextFiring() -> TriggerGate.Firing? {
        lock.withLock {
            while !stopping {
                if let firing = gate.take(nowNs: SystemMonotonicClock().nowNs()) { return firing }
                lock.wait(untilNs: gate.readyAtNs())
            }
            return nil
        }
    }
}
