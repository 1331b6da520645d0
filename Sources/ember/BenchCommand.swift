#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import EmberEngine
import EmberFormat

/// `ember bench MODEL [--runs N] [--warmup N] [--threads N]`, in the spirit of TFLite's benchmark_model.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure a model: load, plan, first inference, steady-state percentiles, cold start, peak RSS, arena.",
        discussion: """
            The input is fixed pseudo-random bytes (latency does not depend on the values). \
            Steady state: --warmup runs discarded, then --runs timed one by one (p50/p90/p99 by \
            nearest rank). Cold start: `ember run MODEL` started --cold-runs times as a new \
            process, timed from spawn to exit (map, validate, plan, one inference, print); the \
            median is reported. Peak RSS is this process's (getrusage).
            """
    )

    @Argument(help: "The .ember model file.")
    var model: String

    @Option(help: "Timed runs.")
    var runs = 50

    @Option(help: "Untimed runs first.")
    var warmup = 5

    @Option(help: "Threads for the operators.")
    var threads = 1

    @Option(name: .customLong("cold-runs"), help: "New processes to time for cold start (0 to skip).")
    var coldRuns = 5

    @Option(help: "Encoders: tokens per run, special tokens included (default 128, at most the model's maximum).")
    var tokens: Int?

    @Option(help: "Encoders: sentences of --tokens tokens per timed run, through embed(batch:) (1: embed(tokenIds:)).")
    var batch = 1

    @Option(name: .customLong("pack-tokens"), help: "Encoders with --batch: tokens per packed run (1: one sentence at a time).")
    var packTokens = Engine.defaultPackTokens

    @Flag(help: "Also print each op's median time over the timed runs (a separate pass).")
    var profile = false

    func validate() throws {
        guard runs >= 1, warmup >= 0, coldRuns >= 0 else { throw ValidationError("--runs must be >= 1, --warmup and --cold-runs >= 0") }
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be 1...256") }
        guard batch >= 1, packTokens >= 1 else { throw ValidationError("--batch and --pack-tokens must be at least 1") }
    }

    func run() throws {
        do {
            let clock = ContinuousClock()
            var model: EmberModel!
            let load = try clock.measure { model = try EmberModel(path: self.model) }
            var engine: Engine!
            let plan = try clock.measure { engine = try Engine(model: model, threads: threads) }
            var rng: UInt64 = 0x9E37_79B9_7F4A_7C15
            let input = (0..<engine.state.input(0).count).map { _ -> UInt8 in
                rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return UInt8(truncatingIfNeeded: rng >> 56)
            }
            var output = [UInt8](repeating: 0, count: engine.state.output(0).count)
            // Encoders: [CLS], fixed pseudo-random word ids, [SEP] (latency depends on the count only).
            let tokenCount = engine.isEncoder ? min(tokens ?? 128, engine.maxTokens) : 0
            if batch > 1 && !engine.isEncoder {
                printError("ember bench: --batch is for encoders; \(self.model) is not one")
                throw ExitCode(1)
            }
            let ids: [Int32] = tokenCount == 0 ? [] : (0..<tokenCount).map { i in
                if i == 0 { return 101 }
                if i == tokenCount - 1 { return 102 }
                rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Int32(1000 + (rng >> 33) % 20_000)
            }
            let sentences = [[Int32]](repeating: ids, count: batch)
            func once() throws {
                if tokenCount > 0 && batch > 1 {
                    _ = try engine.embed(batch: sentences, threads: threads, packTokens: packTokens)
                    return
                }
                if tokenCount > 0 {
                    _ = try engine.embed(tokenIds: ids)
                    return
                }
                try input.withUnsafeBytes { i in try output.withUnsafeMutableBytes { o in try engine.run(input: i, output: o) } }
            }
            let first = try clock.measure { try once() }
            for _ in 0..<warmup { try once() }
            var times: [Double] = []
            times.reserveCapacity(runs)
            for _ in 0..<runs { times.append(milliseconds(try clock.measure { try once() })) }
            times.sort()
            func percentile(_ p: Double) -> Double { times[min(times.count - 1, max(0, Int((p * Double(times.count)).rounded(.up)) - 1))] }

            print("model:        \(self.model) (\(model.metadata.name), \(model.ops.count) ops, \(mebibytes(model.weightBytes)) of weights)")
            print("threads:      \(threads)")
            if tokenCount > 0 {
                let per = batch > 1 ? "\(tokenCount) per sentence, \(batch) sentences per run (packed up to \(packTokens)), \(format(percentile(0.5) / Double(batch))) ms per sentence" : "\(tokenCount) per run"
                print("tokens:       \(per), \(format(Double(tokenCount * batch) * 1000 / percentile(0.5))) tokens/s at p50")
            }
            print("arena:        \(mebibytes(engine.arenaSize)) (+ \(mebibytes(engine.plan.scratchPerTask)) scratch per thread)")
            print("load:         \(format(milliseconds(load))) ms (map + validate + checksum)")
            print("plan:         \(format(milliseconds(plan))) ms")
            print("first run:    \(format(milliseconds(first))) ms")
            print("steady state: p50 \(format(percentile(0.5))) ms, p90 \(format(percentile(0.9))) ms, p99 \(format(percentile(0.99))) ms, min \(format(times[0])) ms (\(runs) runs after \(warmup) warm-up)")
            if profile {
                let steps = engine.plan.steps
                var perStep = [[UInt64]](repeating: [], count: steps.count)
                for _ in 0..<runs {
                    let t = tokenCount > 0 ? engine.state.runProfiled(tokens: tokenCount) : engine.state.runProfiled()
                    for (i, t) in t.enumerated() { perStep[i].append(t) }
                }
                let medians = perStep.map { $0.sorted()[$0.count / 2] }
                let total = max(medians.reduce(0, +), 1)
                print("per op (median of \(runs) runs):")
                for (i, step) in steps.enumerated() {
                    // Microseconds: at 2 threads most ops take well under 0.01 ms.
                    let tenths = Int((Double(medians[i]) / 100).rounded())
                    let us = "\(tenths / 10).\(tenths % 10)"
                    print("  #\(String(step.operatorIndex).padding(4))\(step.kind.description.padding(16))\(us.padding(8))µs \(format(Double(medians[i]) * 100 / Double(total)).padding(6))%  \(step.kernelName)")
                }
            }
            if coldRuns > 0 {
                var cold: [Double] = []
                for _ in 0..<coldRuns { cold.append(try coldStart()) }
                cold.sort()
                print("cold start:   \(format(cold[cold.count / 2])) ms median, \(format(cold[0])) ms min (process start to first result, \(coldRuns) runs of `ember run`)")
            }
            var usage = rusage()
            #if canImport(Glibc)
            getrusage(RUSAGE_SELF.rawValue, &usage)
            #else
            getrusage(RUSAGE_SELF, &usage)
            #endif
            print("peak RSS:     \(mebibytes(Int(usage.ru_maxrss) * 1024))")
        } catch let error as ExitCode {
            throw error
        } catch {
            printError("ember bench: \(error)")
            throw ExitCode(1)
        }
    }

    /// Spawns `ember run MODEL --zero-input` and returns the wall time until it exits, in ms.
    private func coldStart() throws -> Double {
        let executable = Self.ownExecutable()
        let arguments = [executable, "run", model, "--zero-input", "--top", "1", "--threads", String(threads)]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        var pid = pid_t()
        let clock = ContinuousClock()
        let start = clock.now
        let rc = posix_spawn(&pid, executable, &actions, nil, &argv, environ)
        guard rc == 0 else { throw EngineError.resources("cannot start \(executable): error \(rc)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let elapsed = milliseconds(clock.now - start)
        guard status == 0 else { throw EngineError.resources("`ember run` for the cold start failed (status \(status))") }
        return elapsed
    }

    private static func ownExecutable() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if n > 0 { return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        return CommandLine.arguments[0]
    }
}

func milliseconds(_ d: Duration) -> Double {
    Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
}

/// Two decimals without Foundation's formatters.
func format(_ value: Double) -> String {
    let hundredths = Int((value * 100).rounded())
    let fraction = hundredths % 100
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}

func mebibytes(_ bytes: Int) -> String {
    bytes < 1 << 20 ? "\(format(Double(bytes) / 1024)) KiB" : "\(format(Double(bytes) / Double(1 << 20))) MiB"
}
