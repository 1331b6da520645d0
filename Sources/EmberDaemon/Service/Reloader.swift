// Atomic reloads: on its own thread, each model's file is loaded, validated and warmed up; only
// then does it replace the serving one. Running requests keep the instance they started with; a
// failure leaves the old model serving. One reload at a time.
import EmberTransport

final class Reloader: @unchecked Sendable {
    private let lock = ConditionLock()
    private var inProgress = false
    private let scheduler: Scheduler
    private let catalog: ModelCatalog
    private let mailbox: Mailbox
    private let logger: Logger
    private let defaultWarmUpRuns: Int

    init(scheduler: Scheduler, catalog: ModelCatalog, mailbox: Mailbox, logger: Logger, defaultWarmUpRuns: Int) {
        self.scheduler = scheduler
        self.catalog = catalog
        self.mailbox = mailbox
        self.logger = logger
        self.defaultWarmUpRuns = defaultWarmUpRuns
    }

    typealias Requester = (id: String, socket: Int, envelope: [[UInt8]])

    /// Starts reloading `models`; false when a reload is already running. The outcome arrives in
    /// the mailbox as `.reloadFinished`.
    func start(models: [String], requester: Requester?) -> Bool {
        let claimed = lock.withLock { () -> Bool in
            if inProgress { return false }
            inProgress = true
            return true
        }
        guard claimed else { return false }
        do {
            let thread = try OSThread(name: "ember-reload") { [self] in
                let outcome = reload(models, requester: requester)
                lock.withLock { inProgress = false }
                mailbox.post(outcome)
            }
            thread.detach()
            return true
        } catch {
            lock.withLock { inProgress = false }
            logger.error("reload: \(error)")
            return false
        }
    }

    private func reload(_ names: [String], requester: Requester?) -> MailboxMessage {
        var events: [Event] = []
        var reloaded: [JSONValue] = []
        var failures: [String] = []
        for name in names {
            guard let config = scheduler.configuration(name) else { continue }
            do {
                let loaded = try catalog.load(config, warmUpRuns: config.warmupRuns ?? defaultWarmUpRuns)
                guard let generation = scheduler.replace(name, with: loaded) else { continue }
                logger.notice("model \"\(name)\" reloaded from \(config.path): generation \(generation), \(formatTenths(loaded.loadMilliseconds)) ms")
                events.append(Event(topic: "ember.model.loaded", fields: [("model", .string(name)), ("generation", .int(Int64(generation))),
                                                                           ("load_ms", .double(loaded.loadMilliseconds))]))
                reloaded.append(.object([("name", .string(name)), ("generation", .int(Int64(generation))), ("load_ms", .double(loaded.loadMilliseconds))]))
            } catch {
                // After its file changed in place the previous model only refuses (model_changed).
                let previous = scheduler.current(name)?.loaded.model.fileChange() == nil ? "the previous one keeps serving"
                                                                                          : "requests get model_changed until the file is whole"
                logger.error("reload of model \"\(name)\" failed; \(previous): \(error.message)")
                events.append(Event(topic: "ember.model.reload_failed", fields: [("model", .string(name)), ("message", .string(error.message))]))
                failures.append(error.message)
            }
        }
        guard let requester else { return .reloadFinished(reply: nil, events: events) }
        let frames: [[UInt8]]
        if failures.isEmpty {
            frames = ReplyEncoder.ok(id: requester.id, fields: [("reloaded", .array(reloaded))])
        } else {
            let kept = "the previous model keeps serving"
            frames = ReplyEncoder.error(WireError(.reloadFailed, failures.joined(separator: "; ") + "; \(kept)", id: requester.id))
        }
        return .reloadFinished(reply: (requester.socket, requester.envelope, frames), events: events)
    }
}

/// Milliseconds with one decimal, without Foundation's String(format:).
func formatTenths(_ value: Double) -> String {
    let tenths = Int((value * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)"
}
