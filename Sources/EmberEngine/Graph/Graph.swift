import EmberFormat

/// The engine's view of a model graph: EmberFormat's tensor and op descriptions plus where each
/// constant's bytes are. Built from a mapped `.ember` file (`init(model:)`) or directly (tests).

/// Read-only bytes that outlive the plan (a view into the mapped model file).
public struct ConstantBytes: @unchecked Sendable {
    // Unchecked: the bytes belong to a read-only mapping that `owner` keeps alive.
    public let base: UnsafeRawPointer
    public let count: Int
    public let owner: AnyObject?
    public init(base: UnsafeRawPointer, count: Int, owner: AnyObject?) {
        self.base = base
        self.count = count
        self.owner = owner
    }
}

/// Per-tensor affine quantization of an activation: real = scale * (q - zeroPoint).
public struct ScaleZeroPoint: Sendable, Equatable {
    public var scale: Float
    public var zeroPoint: Int32
    public init(scale: Float, zeroPoint: Int32) {
        self.scale = scale
        self.zeroPoint = zeroPoint
    }
}

public struct GraphTensor: Sendable {
    public var description: TensorDescription
    /// Set for weights and other constants; nil for activations.
    public var constant: ConstantBytes?

    public init(_ description: TensorDescription, constant: ConstantBytes? = nil) {
        self.description = description
        self.constant = constant
    }

    public var name: String { description.name }
    public var type: DType { description.dtype }
    public var shape: [Int] { description.shape }

    /// The tensor's quantization if it is per-tensor; nil if absent or per-channel.
    public var quantization: ScaleZeroPoint? {
        guard let q = description.quantization, q.scales.count == 1, q.zeroPoints.count == 1 else { return nil }
        return ScaleZeroPoint(scale: q.scales[0], zeroPoint: q.zeroPoints[0])
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

    /// Bytes of the tensor's data (a packed constant's blob length), nil on overflow.
    public var byteCount: Int? {
        if type == .packed { return constant?.count }
        guard let n = elementCount else { return nil }
        let (b, o) = n.multipliedReportingOverflow(by: type.elementSize)
        return o ? nil : b
    }
}

public struct Graph: Sendable {
    public var tensors: [GraphTensor]
    public var operators: [Op]
    public var inputs: [Int]
    public var outputs: [Int]
    /// The pack-function family of packed tensors ("" if there are none).
    public var packingFamily: String

    public init(tensors: [GraphTensor], operators: [Op], inputs: [Int], outputs: [Int], packingFamily: String = "") {
        self.tensors = tensors
        self.operators = operators
        self.inputs = inputs
        self.outputs = outputs
        self.packingFamily = packingFamily
    }

    /// The graph of a validated model; constants are zero-copy views that keep `model` alive.
    public init(model: EmberModel) {
        let tensors = model.tensors.enumerated().map { i, description in
            GraphTensor(description, constant: model.constantData(i).map {
                ConstantBytes(base: $0.baseAddress ?? UnsafeRawPointer(bitPattern: 64)!, count: $0.count, owner: model)
            })
        }
        self.init(tensors: tensors, operators: model.ops, inputs: model.inputs, outputs: model.outputs,
                  packingFamily: model.metadata.packingFamily)
    }
}
