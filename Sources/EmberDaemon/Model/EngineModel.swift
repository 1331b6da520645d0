// Serves `.ember` models through EmberEngine: one shared plan per model, one execution state
// (arena, scratch, thread pool) per concurrently running request, created on first need and reused.
import EmberEngine
import EmberFormat
import EmberTransport

public struct EngineModelLoader: ModelLoader {
    /// Threads each inference is split across (the thread pool of each execution state).
    public let threadsPerInference: Int

    public init(threadsPerInference: Int) {
        self.threadsPerInference = threadsPerInference
    }

    public func handles(path: String) -> Bool { !path.hasPrefix("builtin:") }

    public func load(path: String) throws -> any ServableModel {
        let file = try EmberModel(path: path)
        guard file.metadata.kind == .classifier else {
            throw ModelLoadError("\(path) is a \(file.metadata.kind) model; this emberd serves classifiers through the engine")
        }
        return try EngineClassifier(file: file, threads: threadsPerInference)
    }
}

/// A classifier: accepts its input tensor as is, or an image file it decodes and preprocesses as
/// the model's metadata says. Safe to call from several workers at once.
final class EngineClassifier: ServableModel, @unchecked Sendable {
    // Unchecked: `idle` is only touched under `lock`; each Engine is used by one thread at a time.
    let kind = ServableKind.classifier
    let accepts: [InputKind] = [.tensor, .image]
    let inputs: [TensorInfo]
    let outputs: [TensorInfo]
    let labels: [String]?

    private let file: EmberModel
    private let plan: ExecutionPlan
    private let threads: Int
    private let lock = ConditionLock()
    private var idle: [Engine]

    init(file: EmberModel, threads: Int) throws {
        let first = try Engine(model: file, threads: threads)
        self.file = file
        self.plan = first.plan
        self.threads = threads
        self.idle = [first]
        inputs = try first.plan.inputs.map(Self.info)
        outputs = try first.plan.outputs.map(Self.info)
        labels = file.metadata.labels.isEmpty ? nil : file.metadata.labels
        guard inputs.count == 1, outputs.count == 1 else {
            throw ModelLoadError("a classifier has one input and one output; this one has \(inputs.count) and \(outputs.count)")
        }
    }

    var engineStats: [(String, JSONValue)] {
        var kernels: [String: Bool] = [:]
        for step in plan.steps where !step.kernelName.isEmpty { kernels[step.kernelName] = true }
        return [
            ("arena_bytes", .int(Int64(plan.arenaSize))),
            ("threads_per_inference", .int(Int64(threads))),
            ("packing", .string(file.metadata.packingFamily)),
            ("kernels", .array(kernels.keys.sorted().map { .string($0) })),
        ]
    }

    func infer(_ input: RequestInput, options: InferenceOptions) throws -> InferenceOutput {
        let engine = try checkOut()
        defer { checkIn(engine) }
        let bytes: [UInt8]
        switch input {
        case .tensor(_, _, let data):
            bytes = data
        case .image(let encoded):
            do {
                bytes = try engine.inputBytes(for: ImageDecoder.decode(encoded, source: "the image payload"))
            } catch {
                throw InferenceError.invalidInput("\(error)")
            }
        case .text:
            throw InferenceError.invalidInput("this model is an image classifier; send a tensor or an image")
        }
        let output: [UInt8]
        do { output = try engine.run(input: bytes) } catch { throw InferenceError.invalidInput("\(error)") }
        let scores = try engine.topClasses(output: output, topK: output.count)
        var probabilities = [Float](repeating: 0, count: scores.count)
        for s in scores { probabilities[s.index] = s.score }
        return InferenceOutput(classProbabilities: probabilities,
                               raw: options.includeRaw ? RawTensor(info: outputs[0], bytes: output) : nil)
    }

    private func checkOut() throws -> Engine {
        if let engine = lock.withLock({ idle.popLast() }) { return engine }
        return try Engine(plan: plan, metadata: file.metadata, threads: threads, model: file)
    }

    private func checkIn(_ engine: Engine) {
        lock.withLock { idle.append(engine) }
    }

    private static func info(_ binding: ExecutionPlan.Binding) throws -> TensorInfo {
        let t = binding.tensor
        let dtype: TensorDType
        switch t.type {
        case .int8: dtype = .int8
        case .uint8: dtype = .uint8
        case .int32: dtype = .int32
        case .float32: dtype = .float32
        default: throw ModelLoadError("tensor '\(t.name)' is \(t.type), which the wire protocol cannot carry")
        }
        let q = t.quantization
        return TensorInfo(name: t.name, dtype: dtype, shape: t.shape,
                          scale: q.map { Double($0.scale) }, zeroPoint: q.map { Int($0.zeroPoint) })
    }
}
