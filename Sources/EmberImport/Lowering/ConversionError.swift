/// Why a TFLite model cannot be lowered to an Ember graph. Names the operator (its index in
/// subgraph 0's execution order and its TFLite name) and what is missing or wrong, e.g.
/// `op 12 (DEPTHWISE_CONV_2D): dilation 2x2 is not supported (needs 1x1)`.
public struct ConversionError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Operator index, or nil for model-level problems (inputs, outputs, options files).
    public let op: Int?
    public let opName: String?
    public let reason: String

    public init(op: Int?, opName: String?, reason: String) {
        self.op = op
        self.opName = opName
        self.reason = reason
    }

    public static func model(_ reason: String) -> ConversionError {
        ConversionError(op: nil, opName: nil, reason: reason)
    }

    public var description: String {
        guard let op else { return reason }
        return "op \(op) (\(opName ?? "?")): \(reason)"
    }
}
