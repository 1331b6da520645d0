/// One trigger: a line whose edges start an inference of `model` on an input from `source`,
/// and an optional action on the result. Built by `TriggerConfigParser` from a `[[trigger]]` table.
public struct TriggerConfig: Sendable, Equatable {
    public var name: String
    public var model: String
    public var line: InputLineSpec
    public var debounceNs: UInt64
    public var minIntervalNs: UInt64
    public var source: InputSourceConfig
    /// How the model is to read the source's bytes.
    public var inputType: TriggerInputType
    /// Labels a classifier's result carries, best first.
    public var topK: Int
    public var action: ActionConfig?

    public init(name: String, model: String, line: InputLineSpec, debounceNs: UInt64 = 50_000_000,
                minIntervalNs: UInt64 = 1_000_000_000, source: InputSourceConfig, inputType: TriggerInputType = .image,
                topK: Int = 5, action: ActionConfig? = nil) {
        self.name = name; self.model = model; self.line = line; self.debounceNs = debounceNs
        self.minIntervalNs = minIntervalNs; self.source = source; self.inputType = inputType
        self.topK = topK; self.action = action
    }
}

/// What the input bytes are, as the wire protocol's `input.type` (docs/protocol.md).
public enum TriggerInputType: String, Sendable, CaseIterable {
    /// A PNG or JPEG file.
    case image
    /// UTF-8 text.
    case text
    /// Raw bytes of the model's input tensor (its dtype and shape).
    case tensor
}

/// Drive output lines active when `label` scores at least `threshold`, for `holdNs`, then release
/// them. A new qualifying result during the hold extends it.
public struct ActionConfig: Sendable, Equatable {
    public var label: String
    public var threshold: Float
    public var outputs: [OutputLineSpec]
    public var holdNs: UInt64

    public init(label: String, threshold: Float, outputs: [OutputLineSpec], holdNs: UInt64) {
        self.label = label; self.threshold = threshold; self.outputs = outputs; self.holdNs = holdNs
    }

    public func isSatisfied(by scores: [LabelScore]) -> Bool {
        scores.contains { $0.label == label && $0.score >= threshold }
    }
}

/// One class of a model's result, as the daemon hands it back to the trigger.
public struct LabelScore: Sendable, Equatable {
    public var label: String
    public var score: Float
    public init(label: String, score: Float) { self.label = label; self.score = score }
}
