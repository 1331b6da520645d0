// A job whose outcome goes to a thread of this process (a GPIO trigger's firing thread) instead of
// a client's socket: the worker runs it and hands over the model's output; the firing thread
// blocks in `wait()` meanwhile. Firings of one trigger never overlap, so a trigger has at most one
// job in the scheduler's queue.
import EmberTransport

final class JobWaiter: @unchecked Sendable {
    struct Success: Sendable {
        let output: InferenceOutput
        let served: ServedModel
        let queuedNanoseconds: UInt64
        let inferenceNanoseconds: UInt64
    }

    private let lock = ConditionLock()
    private var outcome: Result<Success, WireError>?

    /// On a worker thread: runs the inference (on `threads`, the governor's choice) and records it
    /// in the model's stats and the governor's latency model, as a request's.
    /// Runs the job and hands the outcome to the waiting thread; returns the error, if any.
    @discardableResult
    func run(_ job: Job, on served: ServedModel, scheduler: Scheduler, threads: Int? = nil) -> WireError? {
        let start = monotonicNanoseconds()
        let queued = start - job.receivedAt
        do throws(WireError) {
            let output = try served.infer(job.request.input, options: InferenceOptions(threads: threads, cores: scheduler.governor?.pinCores))
            let elapsed = monotonicNanoseconds() - start
            scheduler.governor?.observe(model: served.name, threads: threads ?? 1, nanoseconds: elapsed, units: job.units)
            scheduler.complete(job, model: served.name, .success(inferenceNanoseconds: elapsed, queuedNanoseconds: queued))
            finish(.success(Success(output: output, served: served, queuedNanoseconds: queued, inferenceNanoseconds: elapsed)))
            return nil
        } catch {
            scheduler.complete(job, model: served.name, .failure(error.code))
            finish(.failure(error))
            return error
        }
    }

    /// The governor refused the job after deferring it.
    func fail(_ error: WireError) { finish(.failure(error)) }

    /// The scheduler stopped before the job ran.
    func abandon() {
        finish(.failure(WireError(.shuttingDown, "emberd stopped before this inference ran")))
    }

    /// Blocks until `run` or `abandon` has been called.
    func wait() -> Result<Success, WireError> {
        lock.withLock {
            while outcome == nil { lock.wait() }
            return outcome!
        }
    }

    private func finish(_ result: Result<Success, WireError>) {
        lock.withLock { outcome = result }
        lock.broadcast()
    }
}
