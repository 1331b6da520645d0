import CEmberKernels
import Testing
import EmberTestSupport
#if canImport(Glibc)
import Glibc
#endif

@Suite struct CRC32CTests {
    @Test func checkValue() {
        let bytes = Array("123456789".utf8)
        #expect(ember_crc32c(0, bytes, bytes.count) == 0xE306_9283)
    }

    @Test func chainsAcrossSplits() {
        var rng = SeededGenerator(seed: 0xC0FFEE)
        let data = (0..<4099).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let whole = ember_crc32c(0, data, data.count)
        for cut in [0, 1, 7, 8, 9, 1000, 4098, 4099] {
            let first = data.withUnsafeBufferPointer { ember_crc32c(0, $0.baseAddress, cut) }
            let both = data.withUnsafeBufferPointer { ember_crc32c(first, $0.baseAddress! + cut, data.count - cut) }
            #expect(both == whole, "seed 0xC0FFEE, split at \(cut)")
        }
    }
}

/// One counter per task, reachable from the C callback.
private final class Hits: @unchecked Sendable {
    let counts: UnsafeMutablePointer<UInt32>
    let count: Int
    init(_ n: Int) {
        count = max(n, 1)
        counts = .allocate(capacity: count)
        counts.initialize(repeating: 0, count: count)
    }
    deinit { counts.deallocate() }
}

@Suite struct ThreadPoolTests {
    @Test(arguments: [1, 2, 3, 4])
    func coversEveryTaskOnce(threads: Int) throws {
        let pool = try #require(ember_threadpool_create(threads))
        defer { ember_threadpool_destroy(pool) }
        #expect(ember_threadpool_threads(pool) == threads)
        let seed: UInt64 = 42 &+ UInt64(threads)
        var rng = SeededGenerator(seed: seed)
        for round in 0..<40 {
            let tasks = Int(rng.next() % 500)
            let hits = Hits(tasks)
            ember_threadpool_parallel_for(pool, tasks, { ctx, i in
                // Each task owns its slot, so plain increments cannot race.
                ctx!.assumingMemoryBound(to: UInt32.self)[i] += 1
            }, UnsafeMutableRawPointer(hits.counts))
            let wrong = (0..<tasks).first { hits.counts[$0] != 1 }
            #expect(wrong == nil, "seed \(seed) round \(round): task \(wrong ?? -1) of \(tasks) ran \(wrong.map { hits.counts[$0] } ?? 0) times")
        }
    }

    @Test func fewerActiveThreadsStillCoverEveryTaskOnce() throws {
        let pool = try #require(ember_threadpool_create(4))
        defer { ember_threadpool_destroy(pool) }
        var rng = SeededGenerator(seed: 7)
        for round in 0..<60 {
            let active = [1, 2, 3, 4, 0, 9][round % 6]  // 0 and 9 are clamped to 1 and 4
            ember_threadpool_set_active(pool, active)
            let tasks = Int(rng.next() % 300)
            let hits = Hits(tasks)
            ember_threadpool_parallel_for(pool, tasks, { ctx, i in
                ctx!.assumingMemoryBound(to: UInt32.self)[i] += 1
            }, UnsafeMutableRawPointer(hits.counts))
            let wrong = (0..<tasks).first { hits.counts[$0] != 1 }
            #expect(wrong == nil, "seed 7 round \(round), \(active) active: task \(wrong ?? -1) of \(tasks)")
        }
        ember_threadpool_set_active(nil, 2)  // a nil pool is ignored
    }

    /// The calling thread's affinity as a mask of its first 64 CPUs, from the kernel's
    /// sched_getaffinity as /proc shows it (Glibc hides sched_getaffinity from Swift).
    static func affinityMask() -> UInt64 {
        let fd = open("/proc/thread-self/status", O_RDONLY)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 8192)
        let n = read(fd, &bytes, bytes.count)
        guard n > 0 else { return 0 }
        let text = String(decoding: bytes[..<n], as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") }) else { return 0 }
        let hex = line.dropFirst("Cpus_allowed:".count).filter(\.isHexDigit)
        return UInt64(hex.suffix(16), radix: 16) ?? 0
    }

    @Test func pinnedWorkersRunOnTheRequestedCPUs() throws {
        let allowed = Self.affinityMask()
        let cpus = (0..<64).filter { allowed & (1 << UInt64($0)) != 0 }
        guard cpus.count >= 2 else { return }  // one CPU: every thread already runs on it
        let pool = try #require(ember_threadpool_create(3))
        defer { ember_threadpool_destroy(pool) }
        for cpu in cpus {
            let ids = [Int32(cpu)]
            #expect(ember_threadpool_pin(pool, ids, 1) == 0)
            // Each task records its thread's affinity: the caller's is unchanged, a worker's is {cpu}.
            let seen = UnsafeMutablePointer<UInt64>.allocate(capacity: 64)
            defer { seen.deallocate() }
            ember_threadpool_parallel_for(pool, 64, { ctx, i in
                usleep(1000)  // long enough for the sleeping workers to wake and take tasks
                ctx!.assumingMemoryBound(to: UInt64.self)[i] = ThreadPoolTests.affinityMask()
            }, UnsafeMutableRawPointer(seen))
            let masks = (0..<64).map { seen[$0] }
            let want: UInt64 = 1 << UInt64(cpu)
            #expect(masks.allSatisfy { $0 == want || $0 == allowed }, "pinned to CPU \(cpu): \(Set(masks))")
            #expect(masks.contains(want), "pinned to CPU \(cpu): no task ran on a worker")
        }
        #expect(ember_threadpool_pin(pool, [1 << 20], 1) == EINVAL)  // beyond CPU_SETSIZE
        #expect(Self.affinityMask() == allowed, "the caller was pinned")
    }

    @Test func nilPoolRunsInline() {
        let hits = Hits(5)
        ember_threadpool_parallel_for(nil, 5, { ctx, i in
            ctx!.assumingMemoryBound(to: UInt32.self)[i] += 1
        }, UnsafeMutableRawPointer(hits.counts))
        #expect((0..<5).allSatisfy { hits.counts[$0] == 1 })
    }
}

@Suite struct DispatchTests {
    @Test func namesTheChosenKernels() throws {
        let isa = ember_kernels_init(-1)
        let name = String(cString: try #require(ember_kernel_name("qs8_gemm")))
        #expect(name.hasPrefix("ember_qs8_gemm"))
        let suffix = isa == EMBER_ISA_SCALAR ? "__ref" : "__" + String(cString: ember_isa_name(isa))
        #expect(name.hasSuffix(suffix), "\(name) for \(String(cString: ember_isa_name(isa)))")
        #expect(ember_kernel_name("no_such_op") == nil)
        #expect(ember_cpu_features() & 1 == 1)  // scalar is always there
    }

    @Test func packingFamiliesAreNamed() {
        #expect(String(cString: ember_qs8_gemm_packing()) == "qs8-gemm-n8k8-v1")
        #expect(String(cString: ember_qs8_dwconv3x3_packing()) == "qs8-dw3x3-c16-v1")
        #expect(ember_qs8_gemm_packed_size(13, 9) == 2 * (32 + 8 * 16))
    }
}

