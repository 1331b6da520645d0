/// A simulated GPIO chip set: for tests and for trying Ember without hardware. Edges are injected
/// with `inject` (or through a FIFO, see `SimulatedFIFOFeeder`), stamped with `clock`; output
/// changes are recorded. Line names, busy lines and unknown names behave as on a real chip.
public final class SimulatedGPIO: GPIOBackend, @unchecked Sendable {
    public struct Chip: Sendable {
        public var name: String
        public var label: String
        public var lineNames: [String]
        public init(name: String, label: String, lineNames: [String]) {
            self.name = name; self.label = label; self.lineNames = lineNames
        }
        /// A Raspberry-Pi-like header: `gpiochip0`, lines GPIO0…GPIO53.
        public static let piLike = Chip(name: "gpiochip0", label: "ember-sim-pinctrl",
                                        lineNames: (0..<54).map { "GPIO\($0)" })
    }

    /// One recorded change of an output line.
    public struct OutputChange: Sendable, Equatable {
        public var chip: String
        public var offset: UInt32
        public var active: Bool
        public var atNs: UInt64
    }

    /// Edges a requested line holds before the oldest is dropped (the kernel's default per line).
    public static let queueCapacity = 16

    public let chips: [Chip]
    public let clock: any MonotonicClock
    private let lock = ConditionLock()
    private var inputs: [LineKey: SimulatedEdgeLine] = [:]
    private var outputs: [LineKey: String] = [:]
    private var changes: [OutputChange] = []

    struct LineKey: Hashable { var chip: String; var offset: UInt32 }

    /// Told about every output change (the daemon logs them, so a user sees the "LED").
    private let onOutputChange: @Sendable (OutputChange) -> Void

    public init(chips: [Chip] = [.piLike], clock: any MonotonicClock = SystemMonotonicClock(),
                onOutputChange: @escaping @Sendable (OutputChange) -> Void = { _ in }) {
        self.chips = chips; self.clock = clock; self.onOutputChange = onOutputChange
    }

    public var name: String { "simulated (\(chips.map(\.name).joined(separator: ", ")))" }

    public func requestInput(_ spec: InputLineSpec) throws(GPIOError) -> any EdgeLine {
        let key = try resolve(chip: spec.chip, line: spec.line)
        return try lock.withLock { () throws(GPIOError) -> SimulatedEdgeLine in
            try checkFree(key, spec.chip, spec.line)
            let line = SimulatedEdgeLine(spec: spec, offset: key.offset, consumer: spec.consumer) { [weak self] in
                self?.lock.withLock { self?.inputs[key] = nil }
            }
            inputs[key] = line
            return line
        }
    }

    public func requestOutput(_ spec: OutputLineSpec) throws(GPIOError) -> any OutputLine {
        let key = try resolve(chip: spec.chip, line: spec.line)
        try lock.withLock { () throws(GPIOError) in
            try checkFree(key, spec.chip, spec.line)
            outputs[key] = spec.consumer
            changes.append(OutputChange(chip: key.chip, offset: key.offset, active: false, atNs: clock.nowNs()))
        }
        return SimulatedOutputLine(owner: self, key: key, label: "\(spec.chip) \(spec.line)")
    }

    /// Injects a physical level change on a line. Returns false when no request listens for it
    /// (line not requested, or an edge kind the request did not ask for).
    @discardableResult
    public func inject(chip: String = "gpiochip0", line: LineSelector, rising: Bool = true,
                       timestampNs: UInt64? = nil) throws(GPIOError) -> Bool {
        let key = try resolve(chip: chip, line: line)
        let target = lock.withLock { inputs[key] }
        guard let target else { return false }
        return target.deliver(physicalRising: rising, timestampNs: timestampNs ?? clock.nowNs())
    }

    /// Every output change so far, oldest first (including the inactive level set on request).
    public var outputChanges: [OutputChange] { lock.withLock { changes } }

    /// Edges dropped because a line's queue was full, over all requested lines.
    public func droppedEdges(chip: String = "gpiochip0", line: LineSelector) throws(GPIOError) -> Int {
        let key = try resolve(chip: chip, line: line)
        return lock.withLock { inputs[key]?.dropped ?? 0 }
    }

    public func offset(chip: String = "gpiochip0", line: LineSelector) throws(GPIOError) -> UInt32 {
        try resolve(chip: chip, line: line).offset
    }

    fileprivate func record(_ key: LineKey, active: Bool, release: Bool) {
        let change = OutputChange(chip: key.chip, offset: key.offset, active: active, atNs: clock.nowNs())
        lock.withLock {
            changes.append(change)
            if release { outputs[key] = nil }
        }
        onOutputChange(change)
    }

    private func checkFree(_ key: LineKey, _ chip: String, _ line: LineSelector) throws(GPIOError) {
        if let holder = inputs[key]?.consumer ?? outputs[key] {
            throw GPIOError(.lineBusy(consumer: holder), chip: chip, line: line)
        }
    }

    private func resolve(chip: String, line: LineSelector) throws(GPIOError) -> LineKey {
        let bare = chip.hasPrefix("/dev/") ? String(chip.dropFirst(5)) : chip
        guard let found = chips.first(where: { $0.name == bare || $0.label == chip }) else {
            throw GPIOError(.chipNotFound, chip: chip, line: line, detail: "simulated chips: \(chips.map(\.name).joined(separator: ", "))")
        }
        switch line {
        case .offset(let o):
            guard o < found.lineNames.count else {
                throw GPIOError(.invalidLine, chip: chip, line: line, detail: "the chip has \(found.lineNames.count) lines")
            }
            return LineKey(chip: found.name, offset: o)
        case .name(let n):
            guard let i = found.lineNames.firstIndex(of: n) else { throw GPIOError(.lineNotFound, chip: chip, line: line) }
            return LineKey(chip: found.name, offset: UInt32(i))
        }
    }
}

/// A simulated input request: a bounded queue of edges that drops the oldest when full.
final class SimulatedEdgeLine: EdgeLine, @unchecked Sendable {
    let consumer: String
    private let spec: InputLineSpec
    private let offset: UInt32
    private let onClose: @Sendable () -> Void
    private let lock = ConditionLock()
    private var queue: [EdgeEvent] = []
    private var closed = false
    private(set) var dropped = 0

    init(spec: InputLineSpec, offset: UInt32, consumer: String, onClose: @escaping @Sendable () -> Void) {
        self.spec = spec; self.offset = offset; self.consumer = consumer; self.onClose = onClose
        queue.reserveCapacity(SimulatedGPIO.queueCapacity)
    }

    func deliver(physicalRising: Bool, timestampNs: UInt64) -> Bool {
        let rising = physicalRising != spec.activeLow
        switch spec.edge {
        case .rising where !rising, .falling where rising: return false
        default: break
        }
        lock.withLock {
            if queue.count == SimulatedGPIO.queueCapacity { queue.removeFirst(); dropped += 1 }
            queue.append(EdgeEvent(timestampNs: timestampNs, rising: rising, offset: offset))
        }
        lock.broadcast()
        return true
    }

    func waitForEdges(timeoutMs: Int) throws(GPIOError) -> [EdgeEvent]? {
        let deadline = SystemMonotonicClock().nowNs() &+ UInt64(max(0, timeoutMs)) &* 1_000_000
        return lock.withLock {
            while queue.isEmpty && !closed && SystemMonotonicClock().nowNs() < deadline {
                lock.wait(untilNs: deadline)
            }
            if closed { return nil }
            defer { queue.removeAll(keepingCapacity: true) }
            return queue
        }
    }

    func close() {
        let first = lock.withLock { () -> Bool in
            defer { closed = true }
            return !closed
        }
        lock.broadcast()
        if first { onClose() }
    }
}

final class SimulatedOutputLine: OutputLine, @unchecked Sendable {
    private let owner: SimulatedGPIO
    private let key: SimulatedGPIO.LineKey
    private let lock = ConditionLock()
    private var released = false
    let label: String

    init(owner: SimulatedGPIO, key: SimulatedGPIO.LineKey, label: String) {
        self.owner = owner; self.key = key; self.label = label
    }

    func set(active: Bool) throws(GPIOError) {
        try lock.withLock { () throws(GPIOError) in
            if released { throw GPIOError(.backend("output line already released"), chip: label) }
            owner.record(key, active: active, release: false)
        }
    }

    func release() {
        lock.withLock {
            guard !released else { return }
            released = true
            owner.record(key, active: false, release: true)
        }
    }
}
