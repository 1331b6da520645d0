import EmberFormat

/// Lowers subgraph 0 of a full-integer TFLite model to an Ember graph (docs/ops.md): per op, the
/// Ember op with its attributes; weights packed with the kernels' pack functions; everything
/// TFLite computes in Prepare() (requantization multipliers and shifts, activation clamps,
/// explicit pads, ADD / MEAN / SOFTMAX parameters) computed here, so the engine does no
/// floating-point parameter math at load.
///
/// Anything outside what Ember runs bit-exactly (an op, an option, a type, broadcasting, ...) is
/// a `ConversionError` naming the op, its index and what is missing.
public struct TFLiteLowering {
    let model: TFLiteModel
    let kernels: any KernelInterface
    var writer: ModelWriter
    /// TFLite tensor index -> Ember tensor index, for tensors already emitted.
    var emitted: [Int: Int] = [:]
    /// TFLite tensor index -> the ops that read it (an op once, however many of its inputs it is).
    var readers: [Int: [TFLiteOperator]] = [:]
    /// PAD outputs that are not emitted: their reader pads instead (FoldPad.swift).
    var foldedPads: [Int: FoldedPad] = [:]

    public init(model: TFLiteModel, kernels: any KernelInterface, metadata: Metadata) {
        self.model = model
        self.kernels = kernels
        self.writer = ModelWriter(metadata: metadata)
    }

    /// Lowers the whole graph; the returned writer holds tensors, ops, inputs and outputs.
    public static func lower(_ model: TFLiteModel, kernels: any KernelInterface,
                             metadata: Metadata) throws -> ModelWriter {
        var lowering = TFLiteLowering(model: model, kernels: kernels, metadata: metadata)
        try lowering.run()
        return lowering.writer
    }

    mutating func run() throws {
        guard !model.inputs.isEmpty, !model.outputs.isEmpty else {
            throw ConversionError.model("the model has no inputs or no outputs")
        }
        var inputs: [Int] = []
        for index in model.inputs {
            let tensor = model.tensors[Int(index)]
            guard model.constantData(ofTensor: Int(index)) == nil else {
                throw ConversionError.model("model input \(tensor.name) is a constant")
            }
            inputs.append(try activation(Int(index), op: nil, allowFloat: true))
        }
        writer.inputs = inputs
        if model.subgraphCount > 1 {
            // Only subgraph 0 runs; others (control flow bodies) would need ops Ember lacks.
            throw ConversionError.model("the model has \(model.subgraphCount) subgraphs; only single-subgraph models are supported")
        }
        for op in model.operators {
            for t in Set(op.inputs) where t >= 0 { readers[Int(t), default: []].append(op) }
        }
        for op in model.operators {
            try lower(op)
        }
        var outputs: [Int] = []
        for index in model.outputs {
            guard let ember = emitted[Int(index)] else {
                throw ConversionError.model("model output \(model.tensors[Int(index)].name) is not produced by any op")
            }
            outputs.append(ember)
        }
        writer.outputs = outputs
        if writer.tensors.contains(where: { $0.dtype == .packed }) {
            writer.metadata.packingFamily = kernels.packingFamily
        }
    }

    mutating func lower(_ op: TFLiteOperator) throws {
        switch op.opcode {
        case .conv2D: try lowerConv2D(op)
        case .depthwiseConv2D: try lowerDepthwiseConv2D(op)
        case .fullyConnected: try lowerFullyConnected(op)
        case .add: try lowerAdd(op)
        case .pad: try lowerPad(op)
        case .mean: try lowerMean(op)
        case .averagePool2D: try lowerAveragePool2D(op)
        case .reshape: try lowerReshape(op)
        case .softmax: try lowerSoftmax(op)
        case .quantize: try lowerQuantize(op)
        case .dequantize: try lowerDequantize(op)
        case .custom:
            throw fail(op, "custom operator \"\(op.customCode ?? "")\" is not supported")
        default:
            throw fail(op, "operator not supported by ember convert (supported: CONV_2D, DEPTHWISE_CONV_2D, ADD, PAD, MEAN, AVERAGE_POOL_2D, FULLY_CONNECTED, RESHAPE, SOFTMAX, QUANTIZE, DEQUANTIZE)")
        }
    }

    // MARK: helpers shared by the per-op lowerings

    func fail(_ op: TFLiteOperator, _ reason: String) -> ConversionError {
        ConversionError(op: op.index, opName: op.opcode.description, reason: reason)
    }

    /// The op's input `i` (a tensor index), required to be present.
    func input(_ op: TFLiteOperator, _ i: Int, _ role: String) throws -> Int {
        guard i < op.inputs.count, op.inputs[i] >= 0 else {
            throw fail(op, "missing input \(i) (\(role))")
        }
        return Int(op.inputs[i])
    }

    func optionalInput(_ op: TFLiteOperator, _ i: Int) -> Int? {
        guard i < op.inputs.count, op.inputs[i] >= 0 else { return nil }
        return Int(op.inputs[i])
    }

    func output(_ op: TFLiteOperator) throws -> Int {
        guard op.outputs.count == 1 else {
            throw fail(op, "expected 1 output, has \(op.outputs.count)")
        }
        return Int(op.outputs[0])
    }

    func checkInputCount(_ op: TFLiteOperator, _ allowed: ClosedRange<Int>) throws {
        guard allowed.contains(op.inputs.count) else {
            throw fail(op, "expected \(allowed.lowerBound == allowed.upperBound ? "\(allowed.lowerBound)" : "\(allowed.lowerBound) to \(allowed.upperBound)") inputs, has \(op.inputs.count)")
        }
    }

    /// A tensor's shape as Ints: every dimension at least 1, at most 8 of them, and at most
    /// 2^31 - 1 elements in all (TFLite's own limit), so products of its dimensions cannot overflow.
    func shape(_ index: Int, op: TFLiteOperator?) throws -> [Int] {
        let tensor = model.tensors[index]
        guard tensor.shape.count <= 8, tensor.shape.allSatisfy({ $0 >= 1 }) else {
            throw error(op, "tensor \(tensor.name) has shape \(tensor.shape); dynamic, empty or rank > 8 shapes are not supported")
        }
        var count = 1
        for dimension in tensor.shape {
            count *= Int(dimension)  // each factor < 2^31 and the running product <= 2^31: no overflow
            guard count <= Int(Int32.max) else {
                throw error(op, "tensor \(tensor.name) of shape \(tensor.shape) has more than 2^31 - 1 elements")
            }
        }
        return tensor.shape.map(Int.init)
    }

    func error(_ op: TFLiteOperator?, _ reason: String) -> ConversionError {
        if let op { return fail(op, reason) }
        return .model(reason)
    }

    /// Per-tensor scale and zero point of an int8 activation.
    func quantization(_ index: Int, op: TFLiteOperator?) throws -> (scale: Float, zeroPoint: Int32) {
        let tensor = model.tensors[index]
        guard let q = tensor.quantization, q.scale.count == 1, q.zeroPoint.count == 1, !q.hasCustomDetails else {
            throw error(op, "tensor \(tensor.name) needs per-tensor quantization (one scale and zero point)")
        }
        guard q.scale[0].isFinite, q.scale[0] > 0 else {
            throw error(op, "tensor \(tensor.name) has scale \(q.scale[0])")
        }
        guard (-128...127).contains(q.zeroPoint[0]) else {
            throw error(op, "tensor \(tensor.name) has zero point \(q.zeroPoint[0]) outside int8")
        }
        return (q.scale[0], Int32(q.zeroPoint[0]))
    }

    /// The Ember tensor of a TFLite activation (int8 with per-tensor quantization, or float32 at
    /// the model's edges when `allowFloat`), emitting it on first use.
    mutating func activation(_ index: Int, op: TFLiteOperator?, allowFloat: Bool = false) throws -> Int {
        if let ember = emitted[index] { return ember }
        let tensor = model.tensors[index]
        if model.constantData(ofTensor: index) != nil {
            throw error(op, "tensor \(tensor.name) is a constant where an activation is expected")
        }
        guard !tensor.isSparse, !tensor.isVariable else {
            throw error(op, "tensor \(tensor.name) is sparse or variable")
        }
        let description: TensorDescription
        switch tensor.type {
        case .int8:
            let q = try quantization(index, op: op)
            description = TensorDescription(name: tensor.name, dtype: .int8, shape: try shape(index, op: op),
                                            quantization: Quantization(scale: q.scale, zeroPoint: q.zeroPoint))
        case .float32 where allowFloat:
            description = TensorDescription(name: tensor.name, dtype: .float32, shape: try shape(index, op: op))
        default:
            throw error(op, "tensor \(tensor.name) has type \(tensor.type); activations must be int8\(allowFloat ? " or float32" : "")")
        }
        let ember = writer.addTensor(description)
        emitted[index] = ember
        return ember
    }

    /// An op output: emitted as a new activation (TFLite writes each tensor once).
    mutating func outputActivation(_ index: Int, op: TFLiteOperator, allowFloat: Bool = false) throws -> Int {
        guard emitted[index] == nil else {
            throw fail(op, "output tensor \(model.tensors[index].name) is written twice or is a model input")
        }
        return try activation(index, op: op, allowFloat: allowFloat)
    }

    /// Constant int8 data of a weight tensor.
    func int8Constant(_ index: Int, op: TFLiteOperator, role: String) throws -> [Int8] {
        let tensor = model.tensors[index]
        guard tensor.type == .int8, let data = model.constantData(ofTensor: index) else {
            throw fail(op, "\(role) \(tensor.name) must be a constant int8 tensor (is \(tensor.type)\(model.constantData(ofTensor: index) == nil ? ", not constant" : ""))")
        }
        let count = try shape(index, op: op).reduce(1, *)
        guard data.count == count else {
            throw fail(op, "\(role) \(tensor.name) has \(data.count) bytes of data for \(count) elements")
        }
        return data.map { Int8(bitPattern: $0) }
    }

    /// Constant int32 data (biases, paddings, axes), little-endian.
    func int32Constant(_ index: Int, op: TFLiteOperator, role: String) throws -> [Int32] {
        let tensor = model.tensors[index]
        guard tensor.type == .int32, let data = model.constantData(ofTensor: index) else {
            throw fail(op, "\(role) \(tensor.name) must be a constant int32 tensor")
        }
        let count = try shape(index, op: op).reduce(1, *)
        guard data.count == 4 * count else {
            throw fail(op, "\(role) \(tensor.name) has \(data.count) bytes of data for \(count) int32 values")
        }
        let bytes = Array(data)
        return (0..<count).map { i in
            var word: UInt32 = 0
            for b in 0..<4 { word |= UInt32(bytes[4 * i + b]) << UInt32(8 * b) }
            return Int32(bitPattern: word)
        }
    }

    /// `ember_quantize_multiplier` of `scale`, as an error naming the op when not representable.
    func multiplier(_ scale: Double, op: TFLiteOperator, what: String) throws -> (multiplier: Int32, shift: Int32) {
        guard scale.isFinite, scale >= 0, let m = kernels.quantizeMultiplier(scale), (-31...31).contains(m.shift) else {
            throw fail(op, "\(what) scale \(scale) cannot be represented as a Q31 multiplier and shift")
        }
        return m
    }

    func activationRange(_ activation: TFLiteActivation, output index: Int, op: TFLiteOperator) throws -> [AttributeKey: AttributeValue] {
        let q = try quantization(index, op: op)
        guard let range = ActivationRange.int8(activation, scale: q.scale, zeroPoint: q.zeroPoint) else {
            throw fail(op, "fused activation \(activation) is not supported (NONE, RELU, RELU_N1_TO_1, RELU6 are)")
        }
        guard range.min <= range.max else {
            throw fail(op, "fused activation \(activation) gives an empty range \(range.min)...\(range.max)")
        }
        return [.actMin: .int(range.min), .actMax: .int(range.max)]
    }

    /// Emits per-channel multiplier and shift constants (int32 [n]) named after the op's output.
    mutating func requantizationTensors(_ m: [(multiplier: Int32, shift: Int32)], name: String) -> (Int, Int) {
        let n = m.count
        let multiplier = writer.addConstant(TensorDescription(name: name + ".multiplier", dtype: .int32, shape: [n]),
                                            values: m.map(\.multiplier))
        let shift = writer.addConstant(TensorDescription(name: name + ".shift", dtype: .int32, shape: [n]),
                                       values: m.map(\.shift))
        return (multiplier, shift)
    }

    /// Checks that two int8 tensors share scale and zero point (ops that do not requantize).
    func requireSameQuantization(_ a: Int, _ b: Int, op: TFLiteOperator) throws {
        let qa = try quantization(a, op: op), qb = try quantization(b, op: op)
        guard qa.scale == qb.scale, qa.zeroPoint == qb.zeroPoint else {
            throw fail(op, "input and output quantization differ (scale \(qa.scale) zero point \(qa.zeroPoint) vs \(qb.scale) / \(qb.zeroPoint)); this op does not requantize")
        }
    }
}
