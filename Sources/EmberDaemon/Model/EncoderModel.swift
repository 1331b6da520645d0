// Serves .ember encoders: a text request is tokenized with the WordPiece settings stored in the
// file and answered with the float32 sentence embedding (docs/protocol.md, outputs.embedding).
import EmberEngine
import EmberFormat
import EmberTokenizer
import EmberTransport

final class EncoderModel: ServableModel, @unchecked Sendable {
    // Unchecked: `idle` is guarded by `lock`; the tokenizer and the plan are immutable.
    private let lock = ConditionLock()
    private var idle: [Engine]
    private let instances: Int
    private let tokenizer: WordPieceTokenizer
    let kind: ServableKind = .encoder
    let accepts: [InputKind] = [.text, .texts]
    let inputs: [TensorInfo]
    let outputs: [TensorInfo]
    private let arenaBytes: Int
    private let threads: Int
    private let kernels: [String]
    private let report: @Sendable (String) -> Void
    /// The mapped file, watched for changes (`fileChange`).
    private let file: EmberModel

    init(file: EmberModel, instances: Int, threads: Int, report: @escaping @Sendable (String) -> Void) throws {
        guard let settings = file.metadata.tokenizer else { throw ModelLoadError("the encoder stores no tokenizer settings") }
        tokenizer = try WordPieceTokenizer(vocabulary: settings.vocabulary, lowercase: settings.lowercase,
                                           stripAccents: settings.stripAccents, maxLength: settings.maxLength)
        let first = try Engine(model: file, threads: threads)
        guard first.isEncoder, settings.maxLength <= first.maxTokens else {
            throw ModelLoadError("the encoder's graph takes \(first.maxTokens) tokens, its tokenizer up to \(settings.maxLength)")
        }
        idle = try [first] + (1..<instances).map { _ in
            try Engine(plan: first.plan, metadata: file.metadata, threads: threads, model: file)
        }
        self.instances = instances
        inputs = first.plan.inputs.map { TensorInfo(name: $0.tensor.name, dtype: .int32, shape: $0.tensor.shape) }
        outputs = first.plan.outputs.map { TensorInfo(name: $0.tensor.name, dtype: .float32, shape: $0.tensor.shape) }
        arenaBytes = first.arenaSize
        kernels = Array(Set(first.plan.steps.map(\.kernelName))).sorted()
        self.threads = threads
        self.report = report
        self.file = file
    }

    func fileChange() -> String? { file.fileChange() }

    var engineStats: [(String, JSONValue)] {
        [("arena_bytes", .int(Int64(arenaBytes))), ("instances", .int(Int64(instances))),
         ("threads_per_instance", .int(Int64(threads))), ("max_tokens", .int(Int64(tokenizer.maxLength))),
         ("kernels", .array(kernels.map { .string($0) }))]
    }

    func sharedRunTokens(_ input: RequestInput) -> Int? {
        guard case .text(let text) = input else { return nil }
        return tokenizer.encode(text).count
    }

    func infer(_ input: RequestInput, options: InferenceOptions) throws -> InferenceOutput {
        let batch: [[Int32]]
        switch input {
        case .text(let text): batch = [tokenizer.encode(text)]
        case .texts(let texts): batch = texts.map { tokenizer.encode($0) }
        default: throw InferenceError.invalidInput("an encoder takes text input")
        }
        let engine = lock.withLock {
            while idle.isEmpty { lock.wait() }
            return idle.removeLast()
        }
        defer {
            lock.withLock {
                idle.append(engine)
                lock.signal()
            }
        }
        if let cores = options.cores, let problem = engine.state.pin(cpus: cores) { report(problem) }
        let embedding: [Float]
        do {
            // Several texts share runs (Engine.embed(batch:)); each embedding is what its text gives alone.
            embedding = batch.count == 1 ? try engine.embed(tokenIds: batch[0], threads: options.threads)
                                         : try engine.embed(batch: batch, threads: options.threads).flatMap { $0 }
        } catch {
            if case .invalidInput(let message) = error { throw InferenceError.invalidInput(message) }
            throw InferenceError.failed("\(error)")
        }
        var result = InferenceOutput(embedding: embedding)
        result.embeddingRows = batch.count
        if options.includeRaw, let info = outputs.first {
            var shape = info.shape
            if shape.count == 2 { shape[0] = batch.count }
            result.raw = RawTensor(info: TensorInfo(name: info.name, dtype: info.dtype, shape: shape),
                                   bytes: embedding.withUnsafeBytes { [UInt8]($0) })
        }
        return result
    }
}
