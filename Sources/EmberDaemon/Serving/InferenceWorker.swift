// An inference worker thread: takes the oldest queued job, checks its deadline, runs the model
// (together with the text requests waiting behind it, for an encoder: `batch_tokens`), builds the
// replies and posts them to the I/O thread.
import EmberTransport

struct InferenceWorker {
    let scheduler: Scheduler
    let mailbox: Mailbox
    let logger: Logger
    /// `batch_tokens`: most tokens of queued text requests an encoder runs together; 0: none.
    var batchTokens = 0

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
                if let error = waiter.run(job, on: served, scheduler: scheduler, threads: threads), error.code == .modelChanged {
                    mailbox.post(.modelFileChanged(model: served.name, generation: served.generation, message: error.message))
                }
                continue
            }
            let start = monotonicNanoseconds()
            if let deadline = job.deadline, start + typical * UInt64(job.units) > deadline {
                let each = job.units > 1 ? "\(job.units) runs take about \(typical / 1_000_000) ms each" : "a run takes about \(typical / 1_000_000) ms"
                let reason = start >= deadline ? "passed while queued" : "cannot be met (\(each))"
                let frames = ReplyEncoder.error(WireError(.deadlineExceeded, "deadline of \(job.request.deadlineMilliseconds.map { "\($0) ms" } ?? "the request") \(reason); not run", id: job.id))
                scheduler.complete(job, model: served.name, .failure(.deadlineExceeded))
                mailbox.post(.reply(socket: job.socket, envelope: job.envelope, frames: frames))
                continue
            }
            let group = [job] + companions(of: job, on: served, typical: typical, start: start)
            for (member, frames) in run(group, on: served, threads: threads, startedAt: start) {
                mailbox.post(.reply(socket: member.socket, envelope: member.envelope, frames: frames))
            }
        }
    }

    /// The text requests waiting behind `lead` that fit in its run: up to `batchTokens` tokens in
    /// all, and only while every member's deadline still holds if the run took `typical` per text.
    private func companions(of lead: Job, on served: ServedModel, typical: UInt64, start: UInt64) -> [Job] {
        let model = served.loaded.model
        // Tokenizing the lead to count it is wasted when nothing waits (the common case) or when
        // it is too long to leave room.
        guard batchTokens > 0, case .text(let text) = lead.request.input, text.utf8.count <= 32 * batchTokens,
              scheduler.hasQueued(lead.request.model), var tokens = model.sharedRunTokens(lead.request.input),
              tokens < batchTokens else { return [] }
        var earliest = lead.deadline ?? .max
        var members: UInt64 = 1
        return scheduler.takeCompanions(of: lead, served: served, limit: WireProtocol.maxTexts - 1) { candidate in
            // Tokenized under the scheduler's lock: only texts short enough to fit at all.
            guard case .text(let text) = candidate.request.input, text.utf8.count <= 32 * batchTokens,
                  let more = model.sharedRunTokens(candidate.request.input), tokens + more <= batchTokens else { return false }
            let deadline = min(earliest, candidate.deadline ?? .max)
            guard start + typical * (members + 1) <= deadline else { return false }
            tokens += more
            members += 1
            earliest = deadline
            return true
        }
    }

    /// Runs `group` (one job, or text requests sharing one run as a `.texts` input) and returns
    /// each job's reply frames.
    private func run(_ group: [Job], on served: ServedModel, threads: Int?, startedAt start: UInt64) -> [(Job, [[UInt8]])] {
        let shared = group.count > 1
        let input: RequestInput = shared ? .texts(group.map { if case .text(let text) = $0.request.input { text } else { "" } })
                                         : group[0].request.input
        let options = InferenceOptions(includeRaw: group.contains { $0.request.includeRaw }, threads: threads,
                                       cores: scheduler.governor?.pinCores)
        let outputs: [InferenceOutput]
        let elapsed: UInt64
        do throws(WireError) {
            let output = try served.infer(input, options: options)
            elapsed = monotonicNanoseconds() - start
            outputs = shared ? try output.splitRows(group.count, model: served.name) : [output]
        } catch let wire {
            if wire.code == .internal { logger.error("request \(group.map(\.id).joined(separator: ", ")): \(wire.message)") }
            if wire.code == .modelChanged { mailbox.post(.modelFileChanged(model: served.name, generation: served.generation, message: wire.message)) }
            return group.map { job in
                scheduler.complete(job, model: served.name, .failure(wire.code))
                return (job, ReplyEncoder.error(WireError(wire.code, wire.message, id: job.id)))
            }
        }
        // Every real inference teaches the governor's latency model (a shared run: per text).
        scheduler.governor?.observe(model: served.name, threads: threads ?? 1, nanoseconds: elapsed,
                                    units: shared ? group.count : group[0].units)
        return zip(group, outputs).map { job, output in
            // A companion may have arrived after the lead started (while the run was being formed).
            let queued = start - min(start, job.receivedAt)
            do throws(WireError) {
                let frames = try InferenceReply.frames(job: job, served: served, output: output,
                                                       queuedNanoseconds: queued, inferenceNanoseconds: elapsed)
                scheduler.complete(job, model: served.name, .success(inferenceNanoseconds: elapsed, queuedNanoseconds: queued),
                                   sharedBy: group.count)
                return (job, frames)
            } catch {
                if error.code == .internal { logger.error("request \(job.id): \(error.message)") }
                scheduler.complete(job, model: served.name, .failure(error.code))
                return (job, ReplyEncoder.error(WireError(error.code, error.message, id: job.id)))
            }
        }
    }
}

extension InferenceOutput {
    /// A shared run's output as one output per text: its embedding rows, and the raw tensor's.
    func splitRows(_ count: Int, model: String) throws(WireError) -> [InferenceOutput] {
        guard let embedding, embeddingRows == count, embedding.count % count == 0 else {
            throw WireError(.internal, "model \"\(model)\" returned \(embeddingRows) embeddings for \(count) texts")
        }
        let width = embedding.count / count
        return (0..<count).map { row in
            var output = InferenceOutput(embedding: Array(embedding[row * width..<(row + 1) * width]))
            if let raw, raw.bytes.count % count == 0 {
                let bytes = raw.bytes.count / count
                var info = raw.info
                if !info.shape.isEmpty { info.shape[0] = 1 }
                output.raw = RawTensor(info: info, bytes: Array(raw.bytes[row * bytes..<(row + 1) * bytes]))
            }
            return output
        }
    }
}
