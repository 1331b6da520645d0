// Serves .ember models with EmberEngine. An Engine runs one inference at a time, so a model keeps
// one Engine per worker (sharing the one read-only mapping of the file) and lends them out.
import EmberEngine
import EmberFormat
import EmberTransport

public struct EngineModelLoader: ModelLoader {
    /// Engines per model: as many as inference workers, so no worker waits for another.
    public let instances: Int
    /// Threads of each Engine's own pool.
    public let threadsPerInstance: Int
    /// Where a pool that could not be pinned (`pin_threads`) is reported; the inference runs anyway.
    public let report: @Sendable (String) -> Void

    public init(instances: Int, threadsPerInstance: Int = 1, report: @escaping @Sendable (String) -> Void = { _ in }) {
        self.instances = max(1, instances)
        self.threadsPerInstance = max(1, threadsPerInstance)
        self.report = report
    }

    public func handles(path: String) -> Bool { !path.hasPrefix("builtin:") }

    public func load(path: String) throws -> any ServableModel {
        let file = try EmberModel(path: path)
        if file.metadata.kind == .encoder {
            return try EncoderModel(file: file, instances: instances, threads: threadsPerInstance, report: report)
        }
        return try EngineModel(file: file, instances: instances, threads: threadsPerInstance, report: report)
    }
}

final class EngineModel: ServableModel, @unchecked Sendable {
    private let lock = ConditionLock()
    private var idle: [Engine]
    private let instances: Int
    let kind: ServableKind = .classifier
    let accepts: [InputKind]
    let inputs: [TensorInfo]
    let outputs: [TensorInfo]
    let labels: [String]?
    private let arenaBytes: Int
    private let threads: Int
    /// The kernels the plan chose, for `stats`.
    private let kernels: [String]
    private let report: @Sendable (String) -> Void
    /// The mapped file, watched for changes (`fileChange`).
    private let file: EmberModel

    init(file: EmberModel, instances: Int, threads: Int, report: @escaping @Sendable (String) -> Void) throws {
        // One plan per model, shared; each Engine adds only its own state (arena, scratch, pool).
        let first = try Engine(model: file, threads: threads)
        idle = try [first] + (1..<instances).map { _ in
            try Engine(plan: first.plan, metadata: file.metadata, threads: threads, model: file)
        }
        self.instances = instances
        let engine = idle[0]
        inputs = try engine.plan.inputs.map { try Self.info($0.tensor) }
        outputs = try engine.plan.outputs.map { try Self.info($0.tensor) }
        let metadata = file.metadata
        labels = metadata.labels.isEmpty ? nil : metadata.labels
        accepts = metadata.preprocessing != nil ? [.image, .tensor] : [.tensor]
        arenaBytes = engine.arenaSize
        kernels = Array(Set(engine.plan.steps.map(\.kernelName))).sorted()
        self.threads = threads
        self.report = report
        self.file = file
    }

    func fileChange() -> String? { file.fileChange() }

    private static func info(_ tensor: GraphTensor) throws -> TensorInfo {
        let dtype: TensorDType
        switch tensor.type {
        case .int8: dtype = .int8
        case .uint8: dtype = .uint8
        case .int32: dtype = .int32
        case .float32: dtype = .float32
        default: throw ModelLoadError("tensor '\(tensor.name)' is \(tensor.type), which the wire protocol cannot carry")
        }
        return TensorInfo(name: tensor.name, dtype: dtype, shape: tensor.shape,
                          scale: tensor.quantization.map { Double($0.scale) }, zeroPoint: tensor.quantization.map { Int($0.zeroPoint) })
    }

    var engineStats: [(String, JSONValue)] {
        [("arena_bytes", .int(Int64(arenaBytes))), ("instances", .int(Int64(instances))),
         ("threads_per_instance", .int(Int64(threads))), ("kernels", .array(kernels.map { .string($0) }))]
    }

    private func borrow() -> Engine {
        lock.withLock {
            while idle.isEmpty { lock.wait() }
            return idle.removeLast()
        }
    }

    private func giveBack(_ engine: Engine) {
        lock.withLock {
            idle.append(engine)
            lock.signal()
        }
    }

    func infer(_ input: RequestInput, options: InferenceOptions) throws -> InferenceOutput {
        let engine = borrow()
        defer { giveBack(engine) }
        if let cores = options.cores, let problem = engine.state.pin(cpus: cores) { report(problem) }
        let bytes: [UInt8]
        switch input {
        case .tensor(_, _, let data):
            bytes = data  // dtype and shape were checked against inputs[0] by the daemon
        case .image(let file):
            do {
                bytes = try engine.inputBytes(for: ImageDecoder.decode(file, source: "request image"))
            } catch let error as ImageError {
                throw InferenceError.invalidInput("\(error)")
            }
        case .text, .texts:
            throw InferenceError.invalidInput("text input needs an encoder model")
        }
        let output: [UInt8]
        do { output = try engine.run(input: bytes, threads: options.threads) } catch {
            if case .invalidInput(let message) = error { throw InferenceError.invalidInput(message) }
            throw InferenceError.failed("\(error)")
        }
        var result = InferenceOutput()
        if kind == .classifier {
            let classes = try engine.topClasses(output: output, topK: output.count)
            var probabilities = [Float](repeating: 0, count: classes.count)
            for entry in classes where entry.index < probabilities.count { probabilities[entry.index] = entry.score }
            result.classProbabilities = probabilities
        }
        if options.includeRaw || kind == .tensor, let info = outputs.first {
            result.raw = RawTensor(info: info, bytes: output)
        }
        return result
    }
}
