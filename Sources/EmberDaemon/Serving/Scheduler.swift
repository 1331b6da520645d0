// The models being served, their bounded queues, and the hand-off to inference workers. One lock
// guards it all: the I/O thread submits, workers take and complete, reloads swap models.
import EmberTransport

/// One accepted infer request waiting for, or in, a worker.
public struct Job: Sendable {
    /// Which ROUTER socket it came from and the envelope to answer with.
    public let socket: Int
    public let envelope: [[UInt8]]
    public let id: String
    public let request: InferRequest
    /// Monotonic ns.
    public let receivedAt: UInt64
    public let deadline: UInt64?
    /// Threads to run with (the governor's choice); nil: all the model has.
    public var threads: Int? = nil
    /// The governor deferred it: the worker asks again before running it.
    public var deferred = false
    /// Set for a job no socket waits for (a GPIO trigger's firing): the worker hands it the outcome.
    var completion: JobWaiter? = nil

    /// Inferences it stands for: one per text of a `texts` batch, otherwise 1.
    public var units: Int { request.input.workUnits }
}

/// A model as served: what a worker runs a job with.
public struct ServedModel: Sendable {
    public let name: String
    public let loaded: LoadedModel
    public let generation: Int

    /// Runs the model, with its errors as wire errors. A model whose file changed on disk
    /// (`fileChange`) refuses, before running and after (the weights read meanwhile may be the
    /// new file's or zeros), with `model_changed`.
    func infer(_ input: RequestInput, options: InferenceOptions) throws(WireError) -> InferenceOutput {
        try checkFile()
        let output: InferenceOutput
        do {
            output = try loaded.model.infer(input, options: options)
        } catch let error as InferenceError {
            switch error {
            case .invalidInput(let message): throw WireError(.invalidInput, message)
            case .failed(let message): throw WireError(.internal, "model \"\(name)\": \(message)")
            }
        } catch {
            throw WireError(.internal, "model \"\(name)\": \(error)")
        }
        try checkFile()
        return output
    }

    private func checkFile() throws(WireError) {
        guard let change = loaded.model.fileChange() else { return }
        throw WireError(.modelChanged, "model \"\(name)\": its file changed on disk since it was loaded (\(change)); "
                        + "no result is returned from it, and emberd reloads the file (replace model files by renaming a new file over them)")
    }
}

public enum SubmitResult: Sendable, Equatable {
    case accepted
    case unknownModel
    case busy(capacity: Int)
    /// The deadline cannot be met; the estimate of when it would finish, in ms from now.
    case deadlineUnreachable(estimatedMilliseconds: Int)
    /// The governor refused it (deadline_unmeetable, over_budget); the message says why.
    case refused(WireErrorCode, String)
    case shuttingDown
}

final class ModelSlot {
    let config: ModelConfiguration
    let capacity: Int
    var current: LoadedModel
    var generation = 1
    var queue: [Job] = []
    var queueHead = 0
    var running = 0
    var stats = ModelStats()

    init(config: ModelConfiguration, capacity: Int, loaded: LoadedModel) {
        self.config = config
        self.capacity = capacity
        self.current = loaded
        if let warmUp = loaded.warmUpNanoseconds { stats.typicalInferenceNanoseconds = warmUp }
    }

    var queued: Int { queue.count - queueHead }

    func popFirst() -> Job {
        let job = queue[queueHead]
        queueHead += 1
        if queueHead > 64 && queueHead * 2 > queue.count {
            queue.removeFirst(queueHead)
            queueHead = 0
        }
        return job
    }
}

public final class Scheduler: @unchecked Sendable {
    private let lock = ConditionLock()
    private var slots: [String: ModelSlot] = [:]
    /// Names in configuration order.
    public let names: [String]
    private let workers: Int
    private var accepting = true
    private var stopped = false
    private var totalQueued = 0
    private var totalRunning = 0
    /// The same in units of work (`Job.units`), for time estimates.
    private var queuedUnits = 0
    private var runningUnits = 0
    private var workersExited = 0
    /// Asked before each request runs, when the governor is on.
    var governor: GovernorService?

    public init(models: [(ModelConfiguration, LoadedModel)], defaultQueueDepth: Int, workers: Int) {
        for (config, loaded) in models {
            slots[config.name] = ModelSlot(config: config, capacity: config.queueDepth ?? defaultQueueDepth, loaded: loaded)
        }
        names = models.map(\.0.name)
        self.workers = workers
    }

    /// The model currently serving `name`.
    public func current(_ name: String) -> ServedModel? {
        lock.withLock {
            guard let slot = slots[name] else { return nil }
            return ServedModel(name: name, loaded: slot.current, generation: slot.generation)
        }
    }

    public func configuration(_ name: String) -> ModelConfiguration? { lock.withLock { slots[name]?.config } }

    /// Queues a job, or says why not. The deadline check estimates when the job would finish
    /// from the units of work ahead of it and its own, at the model's median time per unit.
    public func submit(_ job: Job, now: UInt64) -> SubmitResult {
        var job = job
        return lock.withLock {
            guard accepting else { return .shuttingDown }
            guard let slot = slots[job.request.model] else { return .unknownModel }
            slot.stats.requests += 1
            guard slot.queued < slot.capacity else {
                slot.stats.errors.add(.busy)
                return .busy(capacity: slot.capacity)
            }
            if let governor {
                // The governor's learned latency replaces the median-based estimate below.
                switch governor.admit(model: job.request.model, units: job.units, deadline: job.deadline,
                                      queueDepth: queuedUnits + runningUnits, now: now) {
                case .run(let threads): job.threads = threads
                case .deferred(let threads, _): (job.threads, job.deferred) = (threads, true)
                case .refused(let code, let message):
                    slot.stats.errors.add(code)
                    return .refused(code, message)
                }
            } else if let deadline = job.deadline {
                let typical = slot.stats.typicalInferenceNanoseconds
                let ahead = UInt64(queuedUnits + runningUnits)
                // Units ahead share the workers; each takes about `typical` (a rough, model-local
                // guess); this job's units run one after another on one worker.
                let rounds = (ahead + UInt64(workers) - 1) / UInt64(workers)
                let finish = now + rounds * typical + UInt64(job.units) * typical
                if finish > deadline {
                    slot.stats.errors.add(.deadlineExceeded)
                    return .deadlineUnreachable(estimatedMilliseconds: Int((finish - now) / 1_000_000))
                }
            }
            slot.queue.append(job)
            totalQueued += 1
            queuedUnits += job.units
            lock.signal()
            return .accepted
        }
    }

    /// Blocks until there is a job (the oldest across all models) and returns it with the model
    /// to run it on, and the model's median time per unit. Returns nil when the worker should exit.
    public func next() -> (Job, ServedModel, typicalNanoseconds: UInt64)? {
        lock.withLock {
            while true {
                if stopped { workersExited += 1; lock.broadcast(); return nil }
                var oldest: ModelSlot?
                for slot in slots.values where slot.queued > 0 {
                    if oldest == nil || slot.queue[slot.queueHead].receivedAt < oldest!.queue[oldest!.queueHead].receivedAt {
                        oldest = slot
                    }
                }
                if let slot = oldest {
                    let job = slot.popFirst()
                    totalQueued -= 1
                    totalRunning += 1
                    queuedUnits -= job.units
                    runningUnits += job.units
                    slot.running += 1
                    let served = ServedModel(name: job.request.model, loaded: slot.current, generation: slot.generation)
                    return (job, served, slot.stats.typicalInferenceNanoseconds)
                }
                lock.wait()
            }
        }
    }

    /// Whether any job waits in `model`'s queue (a hint: it may change at once).
    func hasQueued(_ model: String) -> Bool { lock.withLock { (slots[model]?.queued ?? 0) > 0 } }

    /// Takes the jobs waiting right behind `lead` in its model's queue that `accept` lets share
    /// `lead`'s run: oldest first, stopping at the first it refuses or at `limit`, and only while
    /// the model is still the one `lead` runs on. Jobs a trigger waits for and deferred jobs never
    /// join, and neither does a job that arrived after one queued for another model: `next()`
    /// serves the oldest first, and a shared run must not make an older request wait longer.
    /// `accept` runs under the scheduler's lock. The jobs taken count as running.
    func takeCompanions(of lead: Job, served: ServedModel, limit: Int, accept: (Job) -> Bool) -> [Job] {
        lock.withLock {
            guard let slot = slots[lead.request.model], slot.generation == served.generation else { return [] }
            let oldestElsewhere = slots.values.lazy.filter { $0 !== slot && $0.queued > 0 }
                .map { $0.queue[$0.queueHead].receivedAt }.min() ?? .max
            var taken: [Job] = []
            while taken.count < limit, slot.queued > 0 {
                let candidate = slot.queue[slot.queueHead]
                guard candidate.receivedAt <= oldestElsewhere, candidate.completion == nil, !candidate.deferred,
                      accept(candidate) else { break }
                taken.append(slot.popFirst())
                totalQueued -= 1
                totalRunning += 1
                queuedUnits -= candidate.units
                runningUnits += candidate.units
                slot.running += 1
            }
            return taken
        }
    }

    public enum Outcome: Sendable {
        case success(inferenceNanoseconds: UInt64, queuedNanoseconds: UInt64)
        case failure(WireErrorCode)
    }

    /// Called by a worker when it is done with a job taken from `next()` (or `takeCompanions`).
    /// `sharedBy`: the jobs whose inputs ran together in one run (their time is shared).
    public func complete(_ job: Job, model name: String, _ outcome: Outcome, sharedBy: Int = 1) {
        lock.withLock {
            totalRunning -= 1
            runningUnits -= job.units
            guard let slot = slots[name] else { return }
            slot.running -= 1
            switch outcome {
            case .success(let inference, let queued):
                slot.stats.recordSuccess(inference: inference, queued: queued, units: sharedBy > 1 ? sharedBy : job.units)
                if sharedBy > 1 { slot.stats.sharedRuns += 1 }
            case .failure(let code): slot.stats.errors.add(code)
            }
            lock.broadcast()
        }
    }

    /// Counts an infer request for a known model that was refused before queueing.
    public func recordRejected(model name: String, _ code: WireErrorCode) {
        lock.withLock {
            guard let slot = slots[name] else { return }
            slot.stats.requests += 1
            slot.stats.errors.add(code)
        }
    }

    /// Replaces the model behind `name`; jobs already running keep the old one. Returns the new generation.
    public func replace(_ name: String, with loaded: LoadedModel) -> Int? {
        lock.withLock {
            guard let slot = slots[name] else { return nil }
            slot.current = loaded
            slot.generation += 1
            return slot.generation
        }
    }

    /// Refuses new jobs; queued and running ones go on.
    public func stopAccepting() { lock.withLock { accepting = false } }

    /// Stops the workers once they finish their current job. Returns the jobs still queued,
    /// which the caller must answer.
    public func stop() -> [Job] {
        lock.withLock {
            accepting = false
            stopped = true
            var abandoned: [Job] = []
            for slot in slots.values {
                while slot.queued > 0 { abandoned.append(slot.popFirst()) }
            }
            totalQueued = 0
            queuedUnits = 0
            lock.broadcast()
            return abandoned
        }
    }

    /// Waits until `count` workers have returned nil from `next()`, or until `deadline` (monotonic ns).
    public func waitForWorkers(_ count: Int, until deadline: UInt64) -> Bool {
        lock.withLock {
            while workersExited < count {
                if !lock.wait(untilNanoseconds: deadline) && workersExited < count { return false }
            }
            return true
        }
    }

    public var inFlight: Int { lock.withLock { totalQueued + totalRunning } }

    /// Everything `stats` and the Prometheus file show, copied under the lock.
    public struct ModelSnapshot: Sendable {
        public let name: String
        public let path: String
        public let generation: Int
        public let queued: Int
        public let running: Int
        public let capacity: Int
        let stats: ModelStats
        public let model: any ServableModel
    }

    public func snapshot() -> [ModelSnapshot] {
        lock.withLock {
            names.map { name in
                let slot = slots[name]!
                return ModelSnapshot(name: name, path: slot.config.path, generation: slot.generation, queued: slot.queued,
                                     running: slot.running, capacity: slot.capacity, stats: slot.stats, model: slot.current.model)
            }
        }
    }
}
