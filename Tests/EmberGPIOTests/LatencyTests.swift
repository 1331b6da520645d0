import Testing
import EmberGPIO

/// Edge-to-handler latency on the simulated chip: from the edge's timestamp to the moment the
/// daemon's `fire` callback runs with the input read (a small file). Printed for the benchmark docs;
/// a benchmark, not a timed test: it checks that every edge fired once with the whole file.
@Suite struct LatencyTests {
    @Test func edgeToFireLatency() throws {
        let path = tempDirectory() + "/frame.bin"
        writeFile(path, [UInt8](repeating: 1, count: 150_000))   // about a 224×224 RGB frame
        let sim = SimulatedGPIO()
        let box = LatencyBox()
        let service = TriggerService(triggers: [fileTrigger(path: path, debounceMs: 0, intervalMs: 0)], backend: sim,
                                     fire: { event in
                                         let now = nowNs()
                                         let whole = (try? event.input.get().bytes.count) == 150_000
                                         box.add(now - event.edge.timestampNs, wholeInput: whole)
                                         return []
                                     })
        #expect(service.start().isEmpty)
        defer { service.stop() }
        let samples = 300
        for i in 0..<samples {
            try sim.inject(line: .name("GPIO17"))
            #expect(waitUntil(timeoutMs: 2000) { box.count == i + 1 })
            usleep(1000)
        }
        let sorted = box.values.sorted()
        try #require(sorted.count == samples)
        let p50 = Double(sorted[samples / 2]) / 1e3, p99 = Double(sorted[samples * 99 / 100]) / 1e3
        print("gpio: edge-to-fire latency over \(samples) simulated edges, 150 kB file input: p50 \(p50) µs, p99 \(p99) µs")
        #expect(box.wholeInputs == samples, "firings that did not read the whole file: \(samples - box.wholeInputs)")
    }
}

final class LatencyBox: @unchecked Sendable {
    private let lock = ConditionLock()
    private var items: [UInt64] = []
    private var whole = 0
    func add(_ v: UInt64, wholeInput: Bool) { lock.withLock { items.append(v); whole += wholeInput ? 1 : 0 } }
    var wholeInputs: Int { lock.withLock { whole } }
    var count: Int { lock.withLock { items.count } }
    var values: [UInt64] { lock.withLock { items } }
}
