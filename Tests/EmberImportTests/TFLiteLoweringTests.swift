import Testing
import EmberFormat
@testable import EmberImport

@Suite struct TFLiteLoweringTests {
    static let models = [
        Repository.bundledModelPath,
        "testdata/models/mnv2_a035_96_int8.tflite",
        "testdata/models/mnv2_a035_128_float_avgpool.tflite",
    ]

    static func lower(_ path: String) throws -> (TFLiteModel, EmberModel) {
        let tflite = try TFLiteReader.read(try Repository.bytes(path))
        let writer = try TFLiteLowering.lower(tflite, kernels: RecordingKernels(), metadata: Metadata(name: "test"))
        return (tflite, try EmberModel(bytes: try writer.serialize()))
    }

    static func histogram(_ model: EmberModel) -> [String: Int] {
        var counts: [String: Int] = [:]
        for op in model.ops { counts[op.kind.description, default: 0] += 1 }
        return counts
    }

    @Test func lowersTheBundledModel() throws {
        let (_, model) = try Self.lower(Repository.bundledModelPath)
        // Its five PAD ops fold into the convolutions that read them (FoldPad.swift).
        #expect(Self.histogram(model) == ["conv2d": 35, "depthwiseConv2d": 17, "add": 10,
                                          "mean": 1, "fullyConnected": 1])
        let input = model.tensors[model.inputs[0]], output = model.tensors[model.outputs[0]]
        #expect(input.dtype == .int8 && input.shape == [1, 224, 224, 3])
        #expect(input.quantization == Quantization(scale: 0.018658448, zeroPoint: -14))
        #expect(output.dtype == .int8 && output.shape == [1, 1000])
        #expect(output.quantization == Quantization(scale: 0.122514941, zeroPoint: -44))
        #expect(model.metadata.packingFamily == "test-recording-v1")
    }

    @Test func lowersTheKerasTestModels() throws {
        let (_, small) = try Self.lower(Self.models[1])
        #expect(Self.histogram(small) == ["conv2d": 35, "depthwiseConv2d": 17, "add": 10, "mean": 1,
                                          "fullyConnected": 1, "softmax": 1])
        let (_, float) = try Self.lower(Self.models[2])
        #expect(Self.histogram(float) == ["quantize": 1, "conv2d": 35, "depthwiseConv2d": 17, "add": 10,
                                          "averagePool2d": 1, "reshape": 1, "fullyConnected": 1,
                                          "softmax": 1, "dequantize": 1])
        #expect(float.tensors[float.inputs[0]].dtype == .float32)
        #expect(float.tensors[float.outputs[0]].dtype == .float32)
    }

    /// The pack functions get OHWI weights flattened per output channel, the int32 bias and the
    /// input zero point of the op's input tensor.
    @Test func packsWeightsBiasAndInputZeroPoint() throws {
        for path in Self.models {
            let (tflite, model) = try Self.lower(path)
            let convs = tflite.operators.filter { [.conv2D, .depthwiseConv2D, .fullyConnected].contains($0.opcode) }
            let lowered = model.ops.filter { [.conv2d, .depthwiseConv2d, .fullyConnected].contains($0.kind) }
            try #require(convs.count == lowered.count)
            for (op, ember) in zip(convs, lowered) {
                let packed = RecordingKernels.decode(Array(try #require(model.constantData(ember.inputs[1]))))
                let weights = try #require(tflite.constantData(ofTensor: Int(op.inputs[1])))
                #expect(packed.weights == weights.map { Int8(bitPattern: $0) }, "\(path) op \(op.index)")
                let zeroPoint = tflite.tensors[Int(op.inputs[0])].quantization!.zeroPoint[0]
                #expect(Int64(packed.zeroPoint) == zeroPoint, "\(path) op \(op.index)")
                let filterShape = tflite.tensors[Int(op.inputs[1])].shape.map(Int.init)
                if op.opcode == .depthwiseConv2D {
                    #expect(packed.kind == 2 && packed.n == filterShape[3] && packed.k == 9)
                } else {
                    #expect(packed.kind == 1 && packed.n == filterShape[0] && packed.k == filterShape.dropFirst().reduce(1, *))
                }
                if op.inputs.count > 2, op.inputs[2] >= 0 {
                    let bias = try #require(tflite.constantData(ofTensor: Int(op.inputs[2])))
                    #expect(packed.bias?.count == packed.n && bias.count == 4 * packed.n, "\(path) op \(op.index)")
                    #expect(packed.bias?.first.map { UInt32(bitPattern: $0) & 0xFF } == UInt32(bias.first!), "\(path) op \(op.index)")
                } else {
                    #expect(packed.bias == nil, "\(path) op \(op.index) has no bias")
                }
            }
        }
    }

    @Test func samePaddingBecomesExplicitAsymmetricPads() throws {
        // Keras's stride-2 SAME convolutions on even sizes pad 0 before and 1 after.
        let (_, model) = try Self.lower(Self.models[1])
        let strided = model.ops.filter { $0.kind == .depthwiseConv2d && (try? $0.int(.strideH)) == 2 }
        #expect(!strided.isEmpty)
        for op in strided {
            #expect(try op.int(.padTop) == 0 && op.int(.padBottom) == 1 && op.int(.padLeft) == 0 && op.int(.padRight) == 1)
        }
        let first = try #require(model.ops.first)
        #expect(first.kind == .conv2d)
        #expect(try first.int(.strideH) == 2 && first.int(.padTop) == 0 && first.int(.padBottom) == 1)
    }

    /// The bundled model pads explicitly (PAD [0,0,1,1,1,1,0,0]) before VALID convolutions: the
    /// PAD folds into its reader, which reads the PAD's input and pads 1 on every side itself.
    @Test func padsFoldIntoTheirConvolution() throws {
        let (tflite, bundled) = try Self.lower(Repository.bundledModelPath)
        let pads = tflite.operators.filter { $0.opcode == .pad }
        #expect(pads.count == 5)
        // The PADs stand before the five stride-2 convolutions (the stride-1 ones pad SAME themselves).
        let strided = bundled.ops.filter { (try? $0.int(.strideH)) == 2 }
        #expect(strided.map(\.kind.description) == ["conv2d"] + Array(repeating: "depthwiseConv2d", count: 4))
        for op in strided {
            #expect(try op.int(.padTop) == 1 && op.int(.padBottom) == 1 && op.int(.padLeft) == 1 && op.int(.padRight) == 1)
        }
        // The stem reads the model input itself.
        #expect(bundled.ops[0].inputs[0] == bundled.inputs[0])
    }

    /// A PAD stays an op when its output is also read elsewhere (here: also a model output).
    @Test func padReadTwiceStaysAnOp() throws {
        var tflite = try TFLiteReader.read(try Repository.bytes(Repository.bundledModelPath))
        let pad = try #require(tflite.operators.first { $0.opcode == .pad })
        tflite.outputs.append(pad.outputs[0])
        let writer = try TFLiteLowering.lower(tflite, kernels: RecordingKernels(), metadata: Metadata(name: "test"))
        let model = try EmberModel(bytes: try writer.serialize())
        #expect(Self.histogram(model)["pad"] == 1)
        let kept = try #require(model.ops.first { $0.kind == .pad })
        #expect(try kept.ints(.paddings) == [0, 0, 1, 1, 1, 1, 0, 0])
        #expect(model.ops.filter { (try? $0.int(.strideH)) == 2 && (try? $0.int(.padTop)) == 1 }.count == 4)
    }
}
