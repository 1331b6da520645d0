/// The engine's view of a model graph: what the planner and the operators need, independent of
/// how the graph was stored. `Graph+EmberModel.swift` builds it from a mapped `.ember` file;
/// tests build it directly.

public enum ElementType: Sendable, Equatable, CustomStringConvertible {
    case int8, uint8, int32, float32, packed

    /// Bytes per element; `packed` tensors are opaque byte blobs (1 "element" per byte).
    public var size: Int {
        switch self {
        case .int8, .uint8, .packed: return 1
        case .int32, .float32: return 4
        }
    }

    public var description: String {
        switch self {
        case .int8: return "int8"
        case .uint8: return "uint8"
        case .int32: return "int32"
        case .float32: return "float32"
        case .packed: return "packed"
        }
    }
}

/// Affine quantization of a whole tensor: real = scale * (q - zeroPoint).
public struct Quantization: Sendable, Equatable {
    public var scale: Float
    public var zeroPoint: Int32
    public init(scale: Float, zeroPoint: Int32) {
        self.scale = scale
        self.zeroPoint = zeroPoint
    }
}

/// Read-only bytes that outlive the plan (a view into the mapped model file).
public struct ConstantBytes: @unchecked Sendable {
    // Unchecked: the bytes belong to a read-only mapping that the plan keeps alive via `owner`.
    public let base: UnsafeRawPointer
    public let count: Int
    public let owner: AnyObject?
    public init(base: UnsafeRawPointer, count: Int, owner: AnyObject?) {
        self.base = base
        self.count = count
        self.owner = owner
    }
}

public struct GraphTensor: Sendable {
    public var name: String
    public var type: ElementType
    public var shape: [Int]
    public var quantization: Quantization?
    /// Set for weights and other constants; nil for activations.
    public var constant: ConstantBytes?

    public init(name: String, type: ElementType, shape: [Int], quantization: Quantization? = nil,
                constant: ConstantBytes? = nil) {
        self.name = name
        self.type = type
        self.shape = shape
        self.quantization = quantization
        self.constant = constant
    }

    /// Elements in the shape, nil on overflow or a negative dimension.
    public var elementCount: Int? {
        var n = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (p, o) = n.multipliedReportingOverflow(by: d)
            guard !o else { return nil }
            n = p
        }
        return n
    }

    /// Bytes of the tensor's data, nil on overflow.
    public var byteCount: Int? {
        guard let n = elementCount else { return nil }
        let (b, o) = n.multipliedReportingOverflow(by: type.size)
        return o ? nil : b
    }
}

public enum OperatorKind: String, Sendable, CaseIterable {
    case conv2d, depthwiseConv2d, fullyConnected, add, pad, mean, averagePool2d, reshape, softmax
    case quantize, dequantize
}

public enum AttributeValue: Sendable, Equatable {
    case int(Int64)
    case ints([Int64])
    case float(Float)
    case floats([Float])
    case string(String)
}

public struct GraphOperator: Sendable {
    public var kind: OperatorKind
    public var inputs: [Int]
    public var outputs: [Int]
    public var attributes: [String: AttributeValue]

    public init(kind: OperatorKind, inputs: [Int], outputs: [Int], attributes: [String: AttributeValue] = [:]) {
        self.kind = kind
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
    }
}

public struct Graph: Sendable {
    public var tensors: [GraphTensor]
    public var operators: [GraphOperator]
    public var inputs: [Int]
    public var outputs: [Int]

    public init(tensors: [GraphTensor], operators: [GraphOperator], inputs: [Int], outputs: [Int]) {
        self.tensors = tensors
        self.operators = operators
        self.inputs = inputs
        self.outputs = outputs
    }
}
