/// What the model is for; raw values are the codes stored in the file.
public enum ModelKind: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case classifier = 1
    case encoder = 2

    public var description: String { self == .classifier ? "classifier" : "encoder" }
}

/// Channel order the model expects; raw values are the codes stored in the file.
public enum ColorOrder: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case rgb = 1
    case bgr = 2

    public var description: String { self == .rgb ? "RGB" : "BGR" }
}

/// How an image becomes the model's input: resize so the shorter side is `resizeShorterSide`,
/// centre-crop to `cropHeight` x `cropWidth`, then per channel
/// `value = (pixel * scale - mean[c]) / std[c]` with pixel in 0...255.
/// (MobileNet's [-1, 1]: scale 1/127.5, mean 1, std 1. torchvision: scale 1/255 and its mean/std.)
public struct Preprocessing: Sendable, Equatable {
    public var colorOrder: ColorOrder
    public var resizeShorterSide: Int
    public var cropHeight: Int
    public var cropWidth: Int
    public var scale: Float
    /// Three values, one per channel in `colorOrder`.
    public var mean: [Float]
    /// Three values, one per channel in `colorOrder`; all non-zero.
    public var std: [Float]

    public init(colorOrder: ColorOrder = .rgb, resizeShorterSide: Int, cropHeight: Int, cropWidth: Int,
                scale: Float, mean: [Float] = [0, 0, 0], std: [Float] = [1, 1, 1]) {
        self.colorOrder = colorOrder
        self.resizeShorterSide = resizeShorterSide
        self.cropHeight = cropHeight
        self.cropWidth = cropWidth
        self.scale = scale
        self.mean = mean
        self.std = std
    }
}

/// A WordPiece tokenizer's vocabulary and settings (encoder models).
public struct TokenizerSettings: Sendable, Equatable {
    /// Token strings; the token id is the index.
    public var vocabulary: [String]
    public var lowercase: Bool
    public var stripAccents: Bool
    /// Longest token sequence the model accepts, special tokens included.
    public var maxLength: Int

    public init(vocabulary: [String], lowercase: Bool, stripAccents: Bool, maxLength: Int) {
        self.vocabulary = vocabulary
        self.lowercase = lowercase
        self.stripAccents = stripAccents
        self.maxLength = maxLength
    }
}

/// Everything about the model that is not the graph.
public struct Metadata: Sendable, Equatable {
    public var name: String
    public var kind: ModelKind
    /// Who wrote the file, e.g. "ember convert 0.1 from mobilenet_v2.tflite".
    public var producer: String
    /// The pack-function family of the `packed` tensors (e.g. "qs8-gemm-v1"); the engine refuses a
    /// family it does not know. Empty when the model has no packed tensors.
    public var packingFamily: String
    public var preprocessing: Preprocessing?
    /// Class names, index = class id (classifiers).
    public var labels: [String]
    public var tokenizer: TokenizerSettings?
    /// Free-form key/value strings (provenance, licence, ...). Written sorted by key.
    public var extra: [String: String]

    public init(name: String = "", kind: ModelKind = .classifier, producer: String = "",
                packingFamily: String = "", preprocessing: Preprocessing? = nil, labels: [String] = [],
                tokenizer: TokenizerSettings? = nil, extra: [String: String] = [:]) {
        self.name = name
        self.kind = kind
        self.producer = producer
        self.packingFamily = packingFamily
        self.preprocessing = preprocessing
        self.labels = labels
        self.tokenizer = tokenizer
        self.extra = extra
    }
}
