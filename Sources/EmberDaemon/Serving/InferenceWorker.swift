// An inference worker thread: takes the oldest queued job, checks its deadline, runs the model,
// builds the reply and posts it to the I/O thread.
import EmberTransport

struct InferenceWorker {
    let scheduler: Scheduler
    let mailbox: Mailbox
    let logger: Logger

    func run() {
        while let (job, served, typical) = scheduler.next() {
            var threads = job.threads
            if let governor = scheduler.governor, let chosen = threads { threads = min(chosen, governor.threadCap) }
            if job.deferred, let governor = scheduler.governor {
                // Waits here for the rate or power budget: holding the worker is the rate limit.
                switch governor.waitForAdmission(model: served.name, units: job.units, deadline: job.deadline) {
                case .success(let n): threads = n
                case .failure(var error):
                    error.id = job.id
                    scheduler.complete(job, model: served.name, .failure(error.code))
                    if let waiter = job.completion {
                        waiter.fail(error)
                    } else {
                        mailbox.post(.reply(socket: job.socket, envelope: job.envelope, frames: ReplyEncoder.error(error)))
                    }
                    continue
                }
            }
            if let waiter = job.completion {
                waiter.run(job, on: served, scheduler: scheduler, threads: threads)
                continue
            }
            let start = monotonicNanoseconds()
            let queued = start - job.receivedAt
            let frames: [[UInt8]]
            if let deadline = job.deadline, start + typical * UInt64(job.units) > deadline {
                let each = job.units > 1 ? "\(job.units) runs take about \(typical / 1_000_000) ms each" : "a run takes about \(typical / 1_000_000) ms"
                let reason = start >= deadline ? "passed while queued" : "cannot be met (\(each))"
                frames = ReplyEncoder.error(WireError(.deadlineExceeded, "deadline of \(job.request.deadlineMilliseconds.map { "\($0) ms" } ?? "the request") \(reason); not run", id: job.id))
                scheduler.complete(job, model: served.name, .failure(.deadlineExceeded))
            } else {
                frames = run(job, on: served, threads: threads, startedAt: start, queued: queued)
            }
            mailbox.post(.reply(socket: job.socket, envelope: job.envelope, frames: frames))
        }
    }

    private func run(_ job: Job, on served: ServedModel, threads: Int?, startedAt start: UInt64, queued: UInt64) -> [[UInt8]] {
        do {
            let output: InferenceOutput
            do {
                output = try served.loaded.model.infer(job.request.input, options: InferenceOptions(
                    includeRaw: job.request.includeRaw, threads: threads, cores: scheduler.governor?.pinCores))
            } catch let error as InferenceError {
                switch error {
                case .invalidInput(let message): throw WireError(.invalidInput, message)
                case .failed(let message): throw WireError(.internal, "model \"\(served.name)\": \(message)")
                }
            } catch {
                throw WireError(.internal, "model \"\(served.name)\": \(error)")
            }
            let elapsed = monotonicNanoseconds() - start
            // Every real inference teaches the governor's latency model.
            scheduler.governor?.observe(model: served.name, threads: threads ?? 1, nanoseconds: elapsed, units: job.units)
            let frames = try InferenceReply.frames(job: job, served: served, output: output,
                                                   queuedNanoseconds: queued, inferenceNanoseconds: elapsed)
            scheduler.complete(job, model: served.name, .success(inferenceNanoseconds: elapsed, queuedNanoseconds: queued))
            return frames
        } catch let error as WireError {
            if error.code == .internal { logger.error("request \(job.id): \(error.message)") }
            scheduler.complete(job, model: served.name, .failure(error.code))
            var error = error
            error.id = job.id
            return ReplyEncoder.error(error)
        } catch {
            scheduler.complete(job, model: served.name, .failure(.internal))
            return ReplyEncoder.error(WireError(.internal, "\(error)", id: job.id))
        }
    }
}
