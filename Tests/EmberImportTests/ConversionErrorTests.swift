import Testing
import EmberFormat
@testable import EmberImport
import EmberTestSupport

/// Unsupported ops and options stop the conversion with the op's index, name and reason.
@Suite struct ConversionErrorTests {
    static func read(_ path: String) throws -> TFLiteModel {
        try TFLiteReader.read(try Repository.bytes(path))
    }

    static func lowering(_ model: TFLiteModel) -> ConversionError? {
        do {
            _ = try TFLiteLowering.lower(model, kernels: RecordingKernels(), metadata: Metadata())
            return nil
        } catch let error as ConversionError {
            return error
        } catch {
            Issue.record("unexpected error type: \(error)")
            return nil
        }
    }

    @Test func unsupportedOperatorNamesItsIndex() throws {
        var model = try Self.read(Repository.bundledModelPath)
        model.operators[7].opcode = TFLiteBuiltinOperator(rawValue: 17)  // MAX_POOL_2D
        let error = try #require(Self.lowering(model))
        #expect(error.op == 7 && error.opName == "MAX_POOL_2D")
        #expect(error.description.hasPrefix("op 7 (MAX_POOL_2D): operator not supported"))
    }

    @Test func unsupportedDepthwiseOptions() throws {
        var model = try Self.read("testdata/models/mnv2_a035_96_int8.tflite")
        let index = try #require(model.operators.firstIndex { $0.opcode == .depthwiseConv2D })
        guard case .depthwiseConv2D(var options) = model.operators[index].options else {
            Issue.record("no depthwise options"); return
        }
        options.dilationH = 2
        options.dilationW = 2
        model.operators[index].options = .depthwiseConv2D(options)
        let error = try #require(Self.lowering(model))
        #expect(error.op == index && error.reason.contains("dilation 2x2"), "\(error)")

        options.dilationH = 1
        options.dilationW = 1
        options.activation = .tanh
        model.operators[index].options = .depthwiseConv2D(options)
        let tanh = try #require(Self.lowering(model))
        #expect(tanh.op == index && tanh.reason.contains("TANH"), "\(tanh)")
    }

    @Test func softmaxWhoseScaleTFLiteCannotRunIsRejected() throws {
        var model = try Self.read("testdata/models/mnv2_a035_96_int8.tflite")
        let index = try #require(model.operators.firstIndex { $0.opcode == .softmax })
        let input = Int(model.operators[index].inputs[0])
        model.tensors[input].quantization?.scale = [1e-9]
        let error = try #require(Self.lowering(model))
        #expect(error.op == index && error.opName == "SOFTMAX" && error.reason.contains("too small"), "\(error)")
    }

    @Test func broadcastingAddIsRejected() throws {
        var model = try Self.read(Repository.bundledModelPath)
        let index = try #require(model.operators.firstIndex { $0.opcode == .add })
        // Every ADD input is produced by an earlier op, so change what the ADD itself declares.
        let y = Int(model.operators[index].outputs[0])
        model.tensors[y].shape[1] *= 2
        let error = try #require(Self.lowering(model))
        #expect(error.op == index && error.reason.contains("broadcasting"), "\(error)")
    }

    @Test func keepDimsMeanIsRejected() throws {
        var model = try Self.read(Repository.bundledModelPath)
        let index = try #require(model.operators.firstIndex { $0.opcode == .mean })
        model.operators[index].options = .reducer(keepDims: true)
        let error = try #require(Self.lowering(model))
        #expect(error.op == index && error.reason.contains("keep_dims"), "\(error)")
    }

    @Test func floatActivationsInsideTheGraphAreRejected() throws {
        var model = try Self.read(Repository.bundledModelPath)
        let index = try #require(model.operators.firstIndex { $0.opcode == .conv2D })
        let output = Int(model.operators[index].outputs[0])
        model.tensors[output].type = .float32
        let error = try #require(Self.lowering(model))
        #expect(error.op == index && error.reason.contains("FLOAT32"), "\(error)")
    }
}

@Suite struct ConversionOptionsTests {
    @Test func labelsFromJSONOrLines() throws {
        #expect(try ConversionOptions.parseLabels(Array(#" ["cat", "dog"] "#.utf8), source: "l") == ["cat", "dog"])
        #expect(try ConversionOptions.parseLabels(Array("cat\r\ndog\n\n".utf8), source: "l") == ["cat", "dog"])
        #expect(throws: ConversionError.self) { try ConversionOptions.parseLabels(Array("[1, 2]".utf8), source: "l") }
        #expect(throws: ConversionError.self) { try ConversionOptions.parseLabels([], source: "l") }
    }

    @Test func preprocessingPresetsAndFiles() throws {
        #expect(try PreprocessingSpec.parse("imagenet") { [] } == .imagenet)
        let json = #"{"scale": 0.5, "mean": [1, 2, 3], "std": [4, 5, 6], "color_order": "BGR"}"#
        let spec = try PreprocessingSpec.parse("p.json") { Array(json.utf8) }
        let resolved = try spec.resolved(inputShape: [1, 96, 96, 3])
        #expect(resolved == Preprocessing(colorOrder: .bgr, resizeShorterSide: 110, cropHeight: 96, cropWidth: 96,
                                          scale: 0.5, mean: [1, 2, 3], std: [4, 5, 6]))
        #expect(try PreprocessingSpec.imagenet.resolved(inputShape: [1, 224, 224, 3]).resizeShorterSide == 256)
        #expect(throws: ConversionError.self) { try PreprocessingSpec.parse("p.json") { Array("{}".utf8) } }
        var zeroStd = PreprocessingSpec.imagenet
        zeroStd.std = [1, 0, 1]
        #expect(throws: ConversionError.self) { try zeroStd.resolved(inputShape: [1, 224, 224, 3]) }
        #expect(throws: ConversionError.self) { try PreprocessingSpec.imagenet.resolved(inputShape: [1, 1000]) }
    }

    @Test func convertStoresLabelsAndPreprocessing() throws {
        let tflite = try Repository.bytes(Repository.bundledModelPath)
        let labels = try ConversionOptions.parseLabels(try Repository.bytes("models/mobilenetv2/labels.json"), source: "labels.json")
        let options = ConversionOptions(name: "mobilenetv2", producer: "test", labels: labels, preprocessing: .imagenet)
        let model = try EmberModel(bytes: try TFLiteConverter.convert(tflite, options: options, kernels: RecordingKernels()).serialize())
        #expect(model.metadata.labels.count == 1000 && model.metadata.labels[967] == "espresso")
        #expect(model.metadata.preprocessing?.resizeShorterSide == 256)
        #expect(model.metadata.preprocessing?.scale == Float(1.0 / 255))
        #expect(model.metadata.name == "mobilenetv2")

        let wrongCount = ConversionOptions(name: "m", producer: "test", labels: ["a", "b"])
        #expect(throws: ConversionError.self) {
            try TFLiteConverter.convert(tflite, options: wrongCount, kernels: RecordingKernels())
        }
    }
}

/// Reading and lowering mutated models never crashes: every outcome is a model or an error.
@Suite struct LoweringMutationTests {
    @Test func mutatedModelsLowerOrFailCleanly() throws {
        let seed: UInt64 = 0x10_3E41
        var rng = SeededGenerator(seed: seed)
        let original = try Repository.bytes("testdata/models/mnv2_a035_128_float_avgpool.tflite")
        let positions = TFLiteReaderTests.structuralPositions(try TFLiteReader.read(original))
        var outcomes: [String: Int] = [:]
        for round in 0..<150 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let p = positions.randomElement(using: &rng)!
                bytes[p] = [0x00, 0xFF, 0x7F, 0x80, UInt8.random(in: 0...255, using: &rng)].randomElement(using: &rng)!
            }
            do {
                let model = try TFLiteReader.read(bytes)
                let writer = try TFLiteLowering.lower(model, kernels: RecordingKernels(), metadata: Metadata())
                _ = try writer.serialize()
                outcomes["converted", default: 0] += 1
            } catch is FlatBufferError {
                outcomes["bad flatbuffer", default: 0] += 1
            } catch let error as ConversionError {
                outcomes["conversion error", default: 0] += 1
                #expect(!error.description.isEmpty)
            } catch is FormatError {
                outcomes["rejected by the writer", default: 0] += 1
            } catch {
                Issue.record("seed \(seed) round \(round): unexpected error \(error)")
            }
        }
        print("lowering mutations, seed \(seed): \(outcomes.sorted { $0.key < $1.key })")
        #expect(outcomes["conversion error", default: 0] > 0, "seed \(seed): \(outcomes)")
    }
}
