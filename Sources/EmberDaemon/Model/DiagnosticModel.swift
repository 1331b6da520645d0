// `builtin:echo[?delay_ms=N]`: a model that runs no network and returns its input bytes. It
// measures what the daemon and ZeroMQ add to a request, and gives tests exact control over how
// long an inference takes (queues, deadlines, drain).
import EmberTransport

public final class EchoModel: ServableModel {
    public let delayMilliseconds: Int
    public static let maxInputBytes = 1 << 20

    public init(delayMilliseconds: Int) {
        self.delayMilliseconds = delayMilliseconds
    }

    public var kind: ServableKind { .tensor }
    public var accepts: [InputKind] { InputKind.allCases }
    /// Empty: any tensor is accepted.
    public var inputs: [TensorInfo] { [] }
    public var outputs: [TensorInfo] { [TensorInfo(name: "echo", dtype: .uint8, shape: [-1])] }
    public var engineStats: [(String, JSONValue)] { [("builtin", .string("echo")), ("delay_ms", .int(Int64(delayMilliseconds)))] }

    public func warmUpInput() -> RequestInput? { .tensor(dtype: .uint8, shape: [1], data: [0]) }

    public func infer(_ input: RequestInput, options: InferenceOptions) throws -> InferenceOutput {
        let raw: RawTensor
        switch input {
        case .tensor(let dtype, let shape, let data):
            raw = RawTensor(info: TensorInfo(name: "echo", dtype: dtype, shape: shape), bytes: data)
        case .image(let bytes):
            raw = RawTensor(info: TensorInfo(name: "echo", dtype: .uint8, shape: [bytes.count]), bytes: bytes)
        case .text(let text):
            raw = RawTensor(info: TensorInfo(name: "echo", dtype: .uint8, shape: [text.utf8.count]), bytes: Array(text.utf8))
        case .texts(let texts):
            // The texts one after the other; like an encoder, a run per text (the delay, each).
            let bytes = texts.flatMap { Array($0.utf8) }
            raw = RawTensor(info: TensorInfo(name: "echo", dtype: .uint8, shape: [bytes.count]), bytes: bytes)
        }
        guard raw.bytes.count <= Self.maxInputBytes else {
            throw InferenceError.invalidInput("builtin:echo takes at most \(Self.maxInputBytes) bytes, got \(raw.bytes.count)")
        }
        if delayMilliseconds > 0 { sleepMilliseconds(delayMilliseconds * input.workUnits) }
        return InferenceOutput(raw: raw)
    }
}

public struct BuiltinModelLoader: ModelLoader {
    public init() {}

    public func handles(path: String) -> Bool { path.hasPrefix("builtin:") }

    public func load(path: String) throws -> any ServableModel {
        let spec = path.dropFirst("builtin:".count)
        let parts = spec.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.first == "echo" else {
            throw ModelLoadError("unknown builtin model \"\(parts.first ?? "")\"; the only one is builtin:echo[?delay_ms=N]")
        }
        var delay = 0
        if parts.count == 2 {
            for parameter in parts[1].split(separator: "&") {
                let pair = parameter.split(separator: "=", maxSplits: 1)
                guard pair.count == 2, pair[0] == "delay_ms", let value = Int(pair[1]), (0...60_000).contains(value) else {
                    throw ModelLoadError("bad builtin:echo parameter \"\(parameter)\"; expected delay_ms=0...60000")
                }
                delay = value
            }
        }
        return EchoModel(delayMilliseconds: delay)
    }
}

/// A model file that cannot be served, and why.
public struct ModelLoadError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
