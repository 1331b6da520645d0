/// Why a model cannot be planned or run. Every case says what and where.
public enum EngineError: Error, Equatable, CustomStringConvertible {
    /// The graph's structure is wrong (dangling tensor index, cycle, tensor written twice, ...).
    case invalidGraph(String)
    /// An operator's inputs, outputs or attributes are inconsistent.
    case invalidOperator(index: Int, kind: String, detail: String)
    /// The file's weights were packed for a kernel family this build does not have.
    case packingMismatch(file: String, cpu: String)
    /// A size computation overflowed.
    case sizeOverflow(String)
    /// Caller input of the wrong size or shape.
    case invalidInput(String)
    /// The model is not something this call can use (e.g. `classify` on a non-image model).
    case unsupportedModel(String)
    /// Resources could not be obtained (thread pool, memory).
    case resources(String)

    public var description: String {
        switch self {
        case .invalidGraph(let d): return "invalid graph: \(d)"
        case .invalidOperator(let i, let k, let d): return "operator \(i) (\(k)): \(d)"
        case .packingMismatch(let file, let cpu):
            return "weights packed as '\(file)' but this build's kernels use '\(cpu)'; re-convert the model with this version of ember"
        case .sizeOverflow(let d): return "size overflow: \(d)"
        case .invalidInput(let d): return "invalid input: \(d)"
        case .unsupportedModel(let d): return "unsupported model: \(d)"
        case .resources(let d): return "out of resources: \(d)"
        }
    }
}
