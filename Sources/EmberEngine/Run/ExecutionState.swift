import CEmberKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One runner of a plan: owns the arena, per-task scratch, a thread pool and a prepared call
/// context per step, all allocated once here. `run()` then allocates nothing: it walks the
/// contexts and hands them to the C thread pool (no arrays, closures or boxes are created).
/// Not thread-safe: one `run()` at a time; make one state per concurrent runner.
public final class ExecutionState {
    public let plan: ExecutionPlan
    public let threads: Int
    private let arena: UnsafeMutableRawPointer
    private let scratch: UnsafeMutableRawPointer
    private let contexts: UnsafeMutablePointer<StepContext>
    private let stepCount: Int
    private let pool: OpaquePointer?
    /// What the pool's workers were last pinned to (nil: never), so an unchanged set costs nothing.
    private var pinnedCPUs: [Int]?
    /// Encoders: the sentences of the current run (`Segments.starts`, room for `maxTokens` of them).
    private let segmentStarts: UnsafeMutablePointer<Int>
    /// Packed runs' embeddings, `maxTokens` rows of `plan.packedEmbeddingWidth` (nil: not packable).
    private let pooled: UnsafeMutablePointer<Float>?

    /// What a pool task needs; plain data so the C callback can read it without Swift runtime calls.
    struct StepContext {
        var kernel: Kernel
        var arena: UnsafeMutableRawPointer
        var scratch: UnsafeMutableRawPointer
        var scratchStride: Int
        var items: Int
        /// Tasks of this step at the state's full thread count.
        var maxTasks: Int
        /// Tasks of the current run (`run(threads:)` lowers it).
        var tasks: Int
        var segments: Segments

        func run(task: Int) {
            let begin = items * task / tasks, end = items * (task + 1) / tasks
            kernel.run(begin..<end, segments: segments, arena: arena, scratch: scratch + task * scratchStride)
        }
    }

    public init(plan: ExecutionPlan, threads: Int = 1) throws(EngineError) {
        guard (1...256).contains(threads) else { throw .invalidInput("threads must be 1...256, got \(threads)") }
        self.plan = plan
        self.threads = threads
        let pad = ExecutionPlan.tailPadding
        guard let scratchStride = ArenaPlanner.roundUp(plan.scratchPerTask + pad, ArenaPlanner.alignment),
              case let (scratchBytes, false) = scratchStride.multipliedReportingOverflow(by: threads),
              case let (arenaBytes, false) = plan.arenaSize.addingReportingOverflow(pad) else {
            throw .sizeOverflow("scratch of \(plan.scratchPerTask) bytes for \(threads) threads")
        }
        guard let arena = Self.allocate(arenaBytes), let scratch = Self.allocate(scratchBytes) else {
            throw .resources("cannot allocate \(arenaBytes) bytes of arena and \(scratchBytes) of scratch")
        }
        // Zeroed so that kernels' reads past a row's end see defined bytes.
        arena.initializeMemory(as: UInt8.self, repeating: 0, count: arenaBytes)
        scratch.initializeMemory(as: UInt8.self, repeating: 0, count: scratchBytes)
        self.arena = arena
        self.scratch = scratch
        if threads > 1 {
            guard let pool = ember_threadpool_create(threads) else {
                free(arena)
                free(scratch)
                throw .resources("cannot start a pool of \(threads) threads")
            }
            self.pool = pool
        } else {
            self.pool = nil
        }
        stepCount = plan.steps.count
        segmentStarts = .allocate(capacity: max(plan.maxTokens, 1) + 1)
        segmentStarts.initialize(repeating: 0, count: max(plan.maxTokens, 1) + 1)
        segmentStarts[1] = plan.maxTokens
        pooled = plan.packedEmbeddingWidth.map { .allocate(capacity: plan.maxTokens * $0) }
        let segments = Segments(starts: segmentStarts, count: 1, pooled: nil)
        contexts = .allocate(capacity: max(stepCount, 1))
        for (i, step) in plan.steps.enumerated() {
            let (items, minimum) = step.kernel.workItems(tokens: plan.maxTokens)
            let tasks = max(1, min(threads, items / max(minimum, 1)))
            (contexts + i).initialize(to: StepContext(kernel: step.kernel, arena: arena, scratch: scratch,
                                                      scratchStride: scratchStride, items: items, maxTasks: tasks, tasks: tasks,
                                                      segments: segments))
        }
    }

    deinit {
        if let pool { ember_threadpool_destroy(pool) }
        contexts.deinitialize(count: stepCount)
        contexts.deallocate()
        segmentStarts.deallocate()
        pooled?.deallocate()
        free(arena)
        free(scratch)
    }

    private static func allocate(_ bytes: Int) -> UnsafeMutableRawPointer? {
        var p: UnsafeMutableRawPointer?
        guard posix_memalign(&p, ArenaPlanner.alignment, max(bytes, ArenaPlanner.alignment)) == 0 else { return nil }
        return p
    }

    /// Encoders: runs every step on the first `tokens` token ids of input 0 (1...plan.maxTokens;
    /// the caller checks), on at most `threads` of the pool's threads (nil: all). Work is re-split
    /// for the count; nothing is allocated.
    public func run(tokens: Int, threads wanted: Int? = nil) {
        precondition((1...max(plan.maxTokens, 1)).contains(tokens), "tokens \(tokens) outside 1...\(plan.maxTokens)")
        segmentStarts[1] = tokens
        setSegments(count: 1, pooled: nil)
        run(threads: wanted ?? threads)
    }

    /// `run(tokens:)` with the time of each step in nanoseconds.
    public func runProfiled(tokens: Int) -> [UInt64] {
        precondition((1...max(plan.maxTokens, 1)).contains(tokens), "tokens \(tokens) outside 1...\(plan.maxTokens)")
        segmentStarts[1] = tokens
        setSegments(count: 1, pooled: nil)
        return runProfiled()
    }

    /// Encoders with `plan.packedEmbeddingWidth`: runs sentences whose token ids fill input 0 back
    /// to back, `lengths[s]` ids each (each at least 1, all together at most `plan.maxTokens`; the
    /// caller checks), as one sequence for the row-wise steps and one at a time for the rest.
    /// Returns their embeddings, `lengths.count` rows of the embedding width, each byte for byte
    /// what `run(tokens:)` gives for the sentence alone; valid until the next run.
    public func run(sentenceLengths lengths: [Int], threads wanted: Int? = nil) -> UnsafeBufferPointer<Float> {
        guard let pooled, let width = plan.packedEmbeddingWidth else {
            preconditionFailure("the plan cannot pack sentences (plan.packedEmbeddingWidth is nil)")
        }
        precondition(!lengths.isEmpty && lengths.allSatisfy { $0 >= 1 } && lengths.reduce(0, +) <= plan.maxTokens,
                     "sentence lengths \(lengths) do not fit 1...\(plan.maxTokens) tokens")
        for (s, length) in lengths.enumerated() { segmentStarts[s + 1] = segmentStarts[s] + length }
        setSegments(count: lengths.count, pooled: pooled)
        run(threads: wanted ?? threads)
        return UnsafeBufferPointer(start: pooled, count: lengths.count * width)
    }

    /// Re-splits every step for the rows now in `segmentStarts[0...count]`.
    private func setSegments(count: Int, pooled: UnsafeMutablePointer<Float>?) {
        let tokens = segmentStarts[count]
        for i in 0..<stepCount {
            let (items, minimum) = contexts[i].kernel.workItems(tokens: tokens)
            contexts[i].items = items
            contexts[i].maxTasks = max(1, min(threads, items / max(minimum, 1)))
            contexts[i].tasks = contexts[i].maxTasks
            contexts[i].segments.count = count
            contexts[i].segments.pooled = pooled
        }
    }

    /// Pins the pool's worker threads (not the calling thread) to `cpus`, e.g. the cores the
    /// governor chose; each worker may run on any of them. A set equal to the last one is not
    /// applied again. Returns what failed, once per new set: the state runs on unpinned then.
    public func pin(cpus: [Int]) -> String? {
        guard let pool, cpus != pinnedCPUs else { return nil }
        pinnedCPUs = cpus
        let ids = cpus.map { Int32(clamping: $0) }
        let rc = ids.withUnsafeBufferPointer { ember_threadpool_pin(pool, $0.baseAddress, $0.count) }
        guard rc != 0 else { return nil }
        return "cannot pin \(threads - 1) pool thread(s) to CPUs \(cpus.map(String.init).joined(separator: ",")): \(String(cString: strerror(rc)))"
    }

    /// Runs every step once on whatever the input tensors hold.
    public func run() { run(threads: threads) }

    /// `run()` on at most `threads` of the pool's threads (the governor lowers it under thermal
    /// or power pressure). The split of each step only changes where rows are computed, not the
    /// bytes. Values outside 1...threads are clamped.
    public func run(threads wanted: Int) {
        let limit = max(1, min(wanted, threads))
        // The pool's other threads sleep instead of spinning: fewer busy cores, less heat.
        if let pool { ember_threadpool_set_active(pool, limit) }
        for i in 0..<stepCount {
            let context = contexts + i
            // min(limit, maxTasks) is what init computes for `limit` threads.
            context.pointee.tasks = min(limit, context.pointee.maxTasks)
            if context.pointee.tasks == 1 {
                context.pointee.run(task: 0)
            } else {
                ember_threadpool_parallel_for(pool, context.pointee.tasks, runPoolTask, context)
            }
        }
    }

    /// `run()` with the time of each step in nanoseconds (for `ember bench --profile`; this one
    /// allocates its result).
    public func runProfiled() -> [UInt64] {
        if let pool { ember_threadpool_set_active(pool, threads) }
        var times = [UInt64](repeating: 0, count: stepCount)
        let clock = ContinuousClock()
        for i in 0..<stepCount {
            let start = clock.now
            let context = contexts + i
            context.pointee.tasks = context.pointee.maxTasks
            if context.pointee.tasks == 1 {
                context.pointee.run(task: 0)
            } else {
                ember_threadpool_parallel_for(pool, context.pointee.tasks, runPoolTask, context)
            }
            let d = (clock.now - start).components
            times[i] = UInt64(d.seconds) * 1_000_000_000 + UInt64(d.attoseconds / 1_000_000_000)
        }
        return times
    }

    /// The bytes of graph input `index`, to fill before `run()`.
    public func input(_ index: Int) -> UnsafeMutableRawBufferPointer {
        let b = plan.inputs[index]
        return UnsafeMutableRawBufferPointer(start: b.location.mutablePointer(arena: arena), count: b.tensor.byteCount!)
    }

    /// The bytes of graph output `index`, valid until the next `run()`.
    public func output(_ index: Int) -> UnsafeRawBufferPointer {
        let b = plan.outputs[index]
        return UnsafeRawBufferPointer(start: b.location.pointer(arena: arena), count: b.tensor.byteCount!)
    }
}

/// The C thread pool's callback: `context` is an `ExecutionState.StepContext`.
private let runPoolTask: @convention(c) (UnsafeMutableRawPointer?, Int) -> Void = { context, task in
    context!.assumingMemoryBound(to: ExecutionState.StepContext.self).pointee.run(task: task)
}
