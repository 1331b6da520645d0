import EmberFormat

/// One class of a classifier's answer.
public struct Classification: Sendable, Equatable {
    public var label: String
    public var index: Int
    /// Probability in 0...1: the model's own softmax output dequantized, or, for models that end
    /// in logits, a softmax the engine computes (in Double) over the dequantized logits.
    public var score: Float
}

/// Runs one model: a plan built once, and one execution state (arena, scratch, thread pool).
///
/// ```swift
/// let engine = try Engine(model: EmberModel(path: "mobilenetv2.ember"), threads: 2)
/// let top5 = try engine.classify(image: ImageDecoder.decode(fileAtPath: "cat.png"), topK: 5)
/// ```
/// Not thread-safe (one inference at a time); several engines may share an `EmberModel`.
public final class Engine {
    public let plan: ExecutionPlan
    public let metadata: Metadata
    public let state: ExecutionState
    /// Keeps the mapping behind the plan's zero-copy weights alive.
    private let model: EmberModel?

    public convenience init(model: EmberModel, threads: Int = 1) throws(EngineError) {
        try self.init(graph: Graph(model: model), metadata: model.metadata, threads: threads, model: model)
    }

    public convenience init(graph: Graph, metadata: Metadata = Metadata(), threads: Int = 1) throws(EngineError) {
        try self.init(graph: graph, metadata: metadata, threads: threads, model: nil)
    }

    private convenience init(graph: Graph, metadata: Metadata, threads: Int, model: EmberModel?) throws(EngineError) {
        try self.init(plan: ExecutionPlan(graph: graph), metadata: metadata, threads: threads, model: model)
    }

    /// Another runner of an existing plan (the plan is shared, the state is new): how a server
    /// runs one model on several threads without planning it twice.
    public init(plan: ExecutionPlan, metadata: Metadata, threads: Int = 1, model: EmberModel? = nil) throws(EngineError) {
        self.plan = plan
        state = try ExecutionState(plan: plan, threads: threads)
        self.metadata = metadata
        self.model = model
    }

    public var threads: Int { state.threads }
    public var arenaSize: Int { plan.arenaSize }

    /// Runs the model on the raw bytes of its single input; returns the raw bytes of its first output.
    /// `threads`: at most this many of the pool's threads (nil: all of them).
    public func run(input: [UInt8], threads: Int? = nil) throws(EngineError) -> [UInt8] {
        try checkSingleInput(bytes: input.count)
        input.withUnsafeBytes { state.input(0).copyMemory(from: $0) }
        runAll(threads: threads)
        return [UInt8](state.output(0))
    }

    /// The allocation-free form: copies `input` in, runs, copies output 0 to `output`.
    public func run(input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer) throws(EngineError) {
        try checkSingleInput(bytes: input.count)
        let out = state.output(0)
        guard output.count == out.count else {
            throw .invalidInput("output buffer has \(output.count) bytes, the model's output has \(out.count)")
        }
        state.input(0).copyMemory(from: input)
        runAll()
        output.copyMemory(from: out)
    }

    /// Every step; an encoder over all `maxTokens` ids of its input (as `embed` sets its own count).
    /// `threads`: at most this many of the pool's threads (nil: all of them).
    private func runAll(threads: Int? = nil) {
        let limit = threads ?? state.threads
        if plan.maxTokens > 0 { state.run(tokens: plan.maxTokens, threads: limit) } else { state.run(threads: limit) }
    }

    private func checkSingleInput(bytes: Int) throws(EngineError) {
        guard plan.inputs.count == 1, !plan.outputs.isEmpty else {
            throw .unsupportedModel("run(input:) needs one input and an output; the model has \(plan.inputs.count) inputs and \(plan.outputs.count) outputs")
        }
        let expected = state.input(0).count
        guard bytes == expected else {
            let t = plan.inputs[0].tensor
            throw .invalidInput("\(bytes) bytes for input '\(t.name)' (\(t.type) \(t.shape)), expected \(expected)")
        }
    }

    /// The input tensor bytes for an image: the model's preprocessing metadata (resize, crop,
    /// normalise) and its input quantization.
    public func inputBytes(for image: RGBImage) throws -> [UInt8] {
        guard plan.inputs.count == 1 else { throw EngineError.unsupportedModel("the model has \(plan.inputs.count) inputs, an image model has 1") }
        let tensor = plan.inputs[0].tensor
        guard tensor.shape.count == 4, tensor.shape[0] == 1, tensor.shape[3] == 3 else {
            throw EngineError.unsupportedModel("input '\(tensor.name)' has shape \(tensor.shape), an image model takes [1, height, width, 3]")
        }
        guard let meta = metadata.preprocessing else {
            throw EngineError.unsupportedModel("the model has no preprocessing metadata (re-convert it with preprocessing options)")
        }
        let (height, width) = (tensor.shape[1], tensor.shape[2])
        guard meta.cropHeight == height, meta.cropWidth == width else {
            throw EngineError.unsupportedModel("preprocessing crops \(meta.cropWidth)x\(meta.cropHeight) but the input is \(width)x\(height)")
        }
        let preprocessing = ImagePreprocessing(meta)
        let cropped = try preprocessing.resizeAndCrop(image, width: width, height: height)
        switch tensor.type {
        case .int8, .uint8:
            guard let q = tensor.quantization else {
                throw EngineError.unsupportedModel("input '\(tensor.name)' has no per-tensor quantization")
            }
            return try preprocessing.inputBytes(cropped, type: tensor.type, scale: q.scale, zeroPoint: q.zeroPoint)
        case .float32:
            return try preprocessing.inputBytes(cropped, type: .float32)
        default:
            throw EngineError.unsupportedModel("input '\(tensor.name)' is \(tensor.type); images feed int8, uint8 or float32 inputs")
        }
    }

    /// The `topK` most likely classes of an image.
    public func classify(image: RGBImage, topK: Int = 5) throws -> [Classification] {
        let output = try run(input: inputBytes(for: image))
        return try topClasses(output: output, topK: topK)
    }

    public func classify(imageAtPath path: String, topK: Int = 5) throws -> [Classification] {
        try classify(image: ImageDecoder.decode(fileAtPath: path), topK: topK)
    }

    /// Whether the first output already holds probabilities (the graph ends in a softmax,
    /// possibly followed by a dequantize or reshape) rather than logits.
    public var outputIsProbabilities: Bool {
        var t = plan.outputs.first?.tensorIndex
        while let current = t, let op = plan.graph.operators.first(where: { $0.outputs.contains(current) }) {
            switch op.kind {
            case .softmax: return true
            case .dequantize, .reshape, .quantize: t = op.inputs.first
            default: return false
            }
        }
        return false
    }

    /// Scores of the first output (dequantized; softmax applied to logits), best `topK` first.
    public func topClasses(output: [UInt8], topK: Int) throws(EngineError) -> [Classification] {
        guard let binding = plan.outputs.first else { throw .unsupportedModel("the model has no output") }
        let tensor = binding.tensor
        var values: [Double]
        switch tensor.type {
        case .float32:
            values = output.withUnsafeBytes { raw in
                (0..<raw.count / 4).map { Double(raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self)) }
            }
        case .int8, .uint8:
            guard let q = tensor.quantization else { throw .unsupportedModel("output '\(tensor.name)' has no per-tensor quantization") }
            values = output.map { byte in
                let v = tensor.type == .int8 ? Int32(Int8(bitPattern: byte)) : Int32(byte)
                return Double(q.scale) * Double(v - q.zeroPoint)
            }
        default:
            throw .unsupportedModel("output '\(tensor.name)' is \(tensor.type); classifiers output int8, uint8 or float32")
        }
        if !outputIsProbabilities {
            let top = values.max() ?? 0
            var sum = 0.0
            for i in values.indices {
                values[i] = naturalExponential(values[i] - top)
                sum += values[i]
            }
            for i in values.indices { values[i] /= sum }
        }
        let k = max(0, min(topK, values.count))
        let order = values.indices.sorted { values[$0] != values[$1] ? values[$0] > values[$1] : $0 < $1 }
        return order.prefix(k).map { i in
            Classification(label: i < metadata.labels.count ? metadata.labels[i] : "class \(i)", index: i, score: Float(values[i]))
        }
    }
}
