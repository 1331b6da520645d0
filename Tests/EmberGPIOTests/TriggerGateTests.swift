import Testing
@testable import EmberGPIO
import EmberTestSupport

/// The gate's rules, edge by edge on a virtual time line.
@Suite struct TriggerGateTests {
    func edge(_ t: UInt64) -> EdgeEvent { EdgeEvent(timestampNs: t, rising: true, offset: 17) }

    @Test func bounceBurstInsideDebounceGivesExactlyOneFiring() {
        let seed = SeededGenerator.testSeed
        var rng = SeededGenerator(seed: seed)
        for round in 0..<200 {
            var gate = TriggerGate(debounceNs: 50 * ms, minIntervalNs: 0)
            let start = 10_000 * ms + UInt64(round) * 1000 * ms
            // A contact bouncing for up to 49 ms: 2-40 edges at random times inside the window.
            let count = Int.random(in: 2...40, using: &rng)
            let times = [start] + (1..<count).map { _ in start + UInt64.random(in: 1...(49 * ms), using: &rng) }.sorted()
            for t in times { gate.offer(edge(t)) }
            let first = gate.take(nowNs: times.last! + ms)
            gate.finish()
            #expect(first?.edge.timestampNs == start, "seed \(seed) round \(round)")
            #expect(gate.take(nowNs: times.last! + 500 * ms) == nil, "seed \(seed) round \(round): a second firing")
            #expect(gate.edgesDebounced == count - 1, "seed \(seed) round \(round)")
        }
    }

    @Test func edgesAfterTheDebouncePeriodFireAgain() {
        var gate = TriggerGate(debounceNs: 50 * ms, minIntervalNs: 0)
        gate.offer(edge(1000 * ms))
        #expect(gate.take(nowNs: 1001 * ms) != nil)
        gate.finish()
        gate.offer(edge(1049 * ms))       // bounce
        #expect(gate.take(nowNs: 1050 * ms) == nil)
        gate.offer(edge(1100 * ms))       // a new press
        #expect(gate.take(nowNs: 1101 * ms)?.edge.timestampNs == 1100 * ms)
    }

    @Test func edgeStormKeepsOnePendingFiringAndRespectsTheInterval() {
        // 10 kHz for 3 s of virtual time, debounce 1 ms, interval 250 ms, each firing takes 30 ms.
        var gate = TriggerGate(debounceNs: 1 * ms, minIntervalNs: 250 * ms)
        let start: UInt64 = 5_000 * ms
        var fireTimes: [UInt64] = []
        var busyUntil: UInt64?
        var merged = 0
        for i in 0..<30_000 {
            let t = start + UInt64(i) * 100_000
            if let end = busyUntil, t >= end { gate.finish(); busyUntil = nil }
            gate.offer(edge(t))
            if let firing = gate.take(nowNs: t) {
                fireTimes.append(t); merged += firing.mergedEdges
                busyUntil = t + 30 * ms
            }
        }
        #expect(gate.edgesSeen == 30_000)
        let gaps = zip(fireTimes.dropFirst(), fireTimes).map { $0 - $1 }
        #expect(gaps.allSatisfy { $0 >= 250 * ms }, "gaps \(gaps)")
        #expect(fireTimes.count == 12, "3 s / 250 ms = 12 firings, got \(fireTimes.count)")
        // Debounce at 1 ms lets one edge in ten through; every one of them is either merged into a
        // firing or waiting in the single pending slot.
        #expect(gate.edgesSeen - gate.edgesDebounced == 3_000)
        #expect(merged + gate.pendingEdges == 3_000)
    }

    @Test func anEdgeDuringAFiringWaitsForItAndForTheInterval() {
        var gate = TriggerGate(debounceNs: 0, minIntervalNs: 100 * ms)
        gate.offer(edge(0))
        #expect(gate.take(nowNs: 0) != nil)
        gate.offer(edge(10 * ms))
        gate.offer(edge(20 * ms))
        #expect(gate.readyAtNs() == nil, "busy: nothing may start")
        gate.finish()
        #expect(gate.readyAtNs() == 100 * ms)
        #expect(gate.take(nowNs: 99 * ms) == nil)
        let next = gate.take(nowNs: 100 * ms)
        #expect(next?.edge.timestampNs == 20 * ms, "the latest edge")
        #expect(next?.mergedEdges == 2)
    }
}

@Suite struct HoldScheduleTests {
    @Test func activationHoldsThenExpires() {
        var s = HoldSchedule<Int>()
        #expect(s.activate([1, 2], untilNs: 100) == [1, 2])
        #expect(s.expire(nowNs: 99).isEmpty)
        #expect(s.nextReleaseNs == 100)
        #expect(Set(s.expire(nowNs: 100)) == [1, 2])
        #expect(s.activeKeys.isEmpty && s.nextReleaseNs == nil)
    }

    @Test func reactivationExtendsWithoutDrivingAgain() {
        var s = HoldSchedule<Int>()
        _ = s.activate([7], untilNs: 100)
        #expect(s.activate([7], untilNs: 150).isEmpty)
        #expect(s.activate([7], untilNs: 120).isEmpty, "an earlier end never shortens a hold")
        #expect(s.expire(nowNs: 149).isEmpty)
        #expect(s.expire(nowNs: 150) == [7])
    }
}
