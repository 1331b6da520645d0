import EmberGPIO
import EmberTestSupport


let ms: UInt64 = 1_000_000

func nowNs() -> UInt64 { SystemMonotonicClock().nowNs() }

func sleepMs(_ n: Int) { usleep(useconds_t(n * 1000)) }

/// Polls `condition` until true or `timeoutMs` passes; returns whether it became true.
func waitUntil(timeoutMs: Int = 3000, _ condition: () -> Bool) -> Bool {
    let deadline = nowNs() + UInt64(timeoutMs) * ms
    while nowNs() < deadline {
        if condition() { return true }
        sleepMs(2)
    }
    return condition()
}

/// Collects what a TriggerService hands to the daemon, and answers with fixed scores.
final class FireRecorder: @unchecked Sendable {
    private let lock = ConditionLock()
    private var events: [TriggerEvent] = []
    private var running = 0
    private(set) var maxConcurrent = 0
    let scores: [LabelScore]
    let workMs: Int

    init(scores: [LabelScore] = [], workMs: Int = 0) { self.scores = scores; self.workMs = workMs }

    func fire(_ event: TriggerEvent) -> [LabelScore] {
        lock.withLock { events.append(event); running += 1; maxConcurrent = max(maxConcurrent, running) }
        if workMs > 0 { sleepMs(workMs) }
        lock.withLock { running -= 1 }
        return scores
    }

    var all: [TriggerEvent] { lock.withLock { events } }
    var count: Int { lock.withLock { events.count } }
}

final class ProblemRecorder: @unchecked Sendable {
    private let lock = ConditionLock()
    private var items: [String] = []
    func add(_ s: String) { lock.withLock { items.append(s) } }
    var all: [String] { lock.withLock { items } }
}

func tempDirectory() -> String {
    var template = Array("/tmp/ember-gpio-XXXXXX".utf8CString)
    let path = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    return String(cString: path!)
}

func writeFile(_ path: String, _ bytes: [UInt8]) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    precondition(fd >= 0, "cannot write \(path)")
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
}

func fileTrigger(name: String = "door", line: String = "GPIO17", path: String, debounceMs: UInt64 = 50,
                 intervalMs: UInt64 = 200, action: ActionConfig? = nil) -> TriggerConfig {
    TriggerConfig(name: name, model: "mobilenet",
                  line: InputLineSpec(chip: "gpiochip0", line: .name(line), edge: .rising),
                  debounceNs: debounceMs * ms, minIntervalNs: intervalMs * ms,
                  source: .file(path: path, maxBytes: 1 << 20), action: action)
}
