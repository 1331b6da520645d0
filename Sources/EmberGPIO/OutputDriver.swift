/// Owns the output lines of all triggers and a thread that releases them when their hold ends,
/// independent of how long inputs or inferences take.
final class OutputDriver: @unchecked Sendable {
    private let lines: [Int: any OutputLine]
    private let report: @Sendable (TriggerProblem) -> Void
    private let changed: @Sendable (OutputLineChange) -> Void
    private let lock = ConditionLock()
    private var schedule = HoldSchedule<Int>()
    private var stopping = false
    private var thread: WorkerThread?

    init(lines: [Int: any OutputLine], report: @escaping @Sendable (TriggerProblem) -> Void,
         changed: @escaping @Sendable (OutputLineChange) -> Void = { _ in }) throws(ThreadStartError) {
        self.lines = lines; self.report = report; self.changed = changed
        if !lines.isEmpty { thread = try WorkerThread(name: "ember-gpio-out") { [self] in run() } }
    }

    func activate(_ keys: [Int], holdNs: UInt64, trigger: String) {
        let now = SystemMonotonicClock().nowNs()
        let newlyActive = lock.withLock { schedule.activate(keys, untilNs: now &+ holdNs) }
        for key in newlyActive { drive(key, active: true, trigger: trigger) }
        lock.broadcast()
    }

    var activeKeys: Set<Int> { lock.withLock { schedule.activeKeys } }

    func stop() {
        lock.withLock { stopping = true }
        lock.broadcast()
        thread?.join()
        thread = nil
        for line in lines.values { line.release() }
    }

    private func run() {
        lock.lock()
        while !stopping {
            let due = schedule.expire(nowNs: SystemMonotonicClock().nowNs())
            if !due.isEmpty {
                lock.unlock()
                for key in due { drive(key, active: false, trigger: nil) }
                lock.lock()
                continue
            }
            lock.wait(untilNs: schedule.nextReleaseNs)
        }
        lock.unlock()
    }

    private func drive(_ key: Int, active: Bool, trigger: String?) {
        guard let line = lines[key] else { return }
        do { try line.set(active: active) } catch {
            report(TriggerProblem(trigger: trigger, message: "output \(line.label): \(error)"))
            return
        }
        changed(OutputLineChange(line: line.label, active: active, trigger: trigger, atNs: SystemMonotonicClock().nowNs()))
    }
}

/// An output line driven by an action (`trigger` set) or released when its hold ended (`trigger` nil).
public struct OutputLineChange: Sendable, Equatable {
    /// The line as configured: chip and line, e.g. `gpiochip0 "GPIO27"`.
    public var line: String
    public var active: Bool
    public var trigger: String?
    /// CLOCK_MONOTONIC ns, right after the line was set.
    public var atNs: UInt64
}
