// What the daemon needs from a model: the contract the engine implements to be served.
import EmberTransport

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

public enum ServableKind: String, Sendable {
    /// Returns class probabilities; replies carry top-k labels and scores.
    case classifier
    /// Returns a float32 embedding.
    case encoder
    /// Returns its output tensor as is.
    case tensor
}

/// The `input.type`s of the wire protocol.
public enum InputKind: String, Sendable, CaseIterable {
    case tensor, image, text, texts
}

public struct TensorInfo: Sendable, Equatable {
    public var name: String
    public var dtype: TensorDType
    public var shape: [Int]
    /// Quantization parameters of int8/uint8 tensors: real = scale × (q − zeroPoint).
    public var scale: Double?
    public var zeroPoint: Int?

    public init(name: String, dtype: TensorDType, shape: [Int], scale: Double? = nil, zeroPoint: Int? = nil) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.scale = scale
        self.zeroPoint = zeroPoint
    }
}

public struct InferenceOptions: Sendable, Equatable {
    /// Wanted by the reply: the servable may skip work for outputs nobody asked for.
    public var includeRaw: Bool
    /// Most threads this inference may use (the governor's choice); nil: as many as the model has.
    public var threads: Int?
    /// CPUs to pin the servable's worker threads to (`pin_threads`); nil: leave them as they are.
    public var cores: [Int]?

    public init(includeRaw: Bool = false, threads: Int? = nil, cores: [Int]? = nil) {
        self.includeRaw = includeRaw
        self.threads = threads
        self.cores = cores
    }
}

public struct RawTensor: Sendable, Equatable {
    public var info: TensorInfo
    /// Little-endian, row-major.
    public var bytes: [UInt8]

    public init(info: TensorInfo, bytes: [UInt8]) {
        self.info = info
        self.bytes = bytes
    }
}

public struct InferenceOutput: Sendable, Equatable {
    /// Classifiers: one probability per class, index = class id (apply softmax to logits before
    /// returning them). The daemon picks the top-k and attaches labels.
    public var classProbabilities: [Float]?
    /// Encoders: the embedding (already pooled and normalised as the model prescribes); for a
    /// `texts` input, `embeddingRows` of them one after the other.
    public var embedding: [Float]?
    public var embeddingRows = 1
    /// The output tensor; required for `.tensor` models and when `InferenceOptions.includeRaw`.
    public var raw: RawTensor?

    public init(classProbabilities: [Float]? = nil, embedding: [Float]? = nil, raw: RawTensor? = nil) {
        self.classProbabilities = classProbabilities
        self.embedding = embedding
        self.raw = raw
    }
}

/// Errors a servable throws from `infer`; anything else is reported as `internal`.
public enum InferenceError: Error, Sendable, Equatable {
    /// The input does not fit the model (wrong shape, undecodable image, ...): `invalid_input`.
    case invalidInput(String)
    /// The model failed: `internal`.
    case failed(String)
}

/// A loaded model, ready to run. The daemon calls `infer` from up to `workers` threads at once,
/// so an implementation must be safe to call concurrently (e.g. one immutable plan shared by all
/// calls, and per-call or pooled scratch state). The object lives as long as requests use it:
/// after a reload, the old instance is released when its last running request finishes.
public protocol ServableModel: AnyObject, Sendable {
    var kind: ServableKind { get }
    /// The input kinds `infer` takes. A `.tensor` input always matches `inputs[0]` (dtype and
    /// shape are checked by the daemon before `infer` is called).
    var accepts: [InputKind] { get }
    var inputs: [TensorInfo] { get }
    var outputs: [TensorInfo] { get }
    /// Class labels in index order, for classifiers; nil when the model carries none.
    var labels: [String]? { get }
    /// Extra fields for the `stats` reply under "engine" (kernels in use, arena bytes, ...).
    var engineStats: [(String, JSONValue)] { get }
    /// The input for warm-up runs; nil when the model cannot make one (then warmup_runs must be 0).
    func warmUpInput() -> RequestInput?
    /// Tokens `input` would take in a shared run with other requests' inputs, or nil when the
    /// model cannot run it together with others (then every request runs alone). A model that
    /// answers gets the inputs of a shared run as one `.texts` input and must return one
    /// embedding row per text.
    func sharedRunTokens(_ input: RequestInput) -> Int?
    /// Why the model's file no longer holds the weights being served (truncated or written in
    /// place by another process since it was mapped), or nil; models without a file: nil.
    func fileChange() -> String?

    func infer(_ input: RequestInput, options: InferenceOptions) throws -> InferenceOutput
}

extension ServableModel {
    public var labels: [String]? { nil }
    public func sharedRunTokens(_ input: RequestInput) -> Int? { nil }
    public func fileChange() -> String? { nil }
    public var engineStats: [(String, JSONValue)] { [] }

    /// The input used for warm-up runs: zeros in the first input's shape when the model takes
    /// tensors, otherwise a short text.
    public func warmUpInput() -> RequestInput? {
        if accepts.contains(.tensor), let first = inputs.first,
           let count = try? RequestDecoder.byteCount(dtype: first.dtype, shape: first.shape) {
            return .tensor(dtype: first.dtype, shape: first.shape, data: [UInt8](repeating: 0, count: count))
        }
        if accepts.contains(.text) { return .text("warm up") }
        return nil
    }
}

/// Opens model files of one kind. `load` validates the file completely; the daemon warms the
/// model up afterwards.
public protocol ModelLoader: Sendable {
    /// Whether this loader handles `path` (by scheme or extension).
    func handles(path: String) -> Bool
    func load(path: String) throws -> any ServableModel
}

/// Numerically stable softmax, for servables whose network ends in logits.
public enum Softmax {
    public static func probabilities(_ logits: [Float]) -> [Float] {
        guard let maximum = logits.max() else { return [] }
        var exps = logits.map { expf($0 - maximum) }
        let sum = exps.reduce(0, +)
        for index in exps.indices { exps[index] /= sum }
        return exps
    }
}
