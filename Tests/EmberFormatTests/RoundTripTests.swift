import Foundation
import Testing
@testable import EmberFormat

@Suite struct RoundTripTests {
    @Test func classifierSurvivesWriteAndRead() throws {
        let writer = SampleModels.classifier()
        let model = try EmberModel(bytes: try writer.serialize())
        #expect(model.formatVersion == 1)
        #expect(model.tensors == writer.tensors)
        #expect(model.ops == writer.ops)
        #expect(model.inputs == writer.inputs)
        #expect(model.outputs == writer.outputs)
        #expect(model.metadata == writer.metadata)
        #expect(model.checksumVerified)
        #expect(model.opHistogram == [.conv2d: 1, .mean: 1, .fullyConnected: 1, .softmax: 1])
        #expect(model.weightBytes == 200 + 16 + 16 + 100 + 40 + 40)
    }

    @Test func encoderSurvivesWriteAndRead() throws {
        let writer = SampleModels.encoder()
        let model = try EmberModel(bytes: try writer.serialize())
        #expect(model.metadata == writer.metadata)
        #expect(model.metadata.tokenizer?.vocabulary[4] == "héllo")
        #expect(model.ops.map(\.kind) == [.embedding, .layerNorm, .meanPooling, .l2Normalize])
        #expect(try model.ops[1].float(.epsilon) == 1e-12)
        let table = try #require(model.constantData(model.tensorIndex(named: "embeddings") ?? -1))
        #expect(table.count == 28 * 4)
        #expect(table.loadUnaligned(fromByteOffset: 4 * 27, as: Float.self) == 2.7)
    }

    @Test func constantDataIsExactAlignedAndPadded() throws {
        let writer = SampleModels.classifier()
        let bytes = try writer.serialize()
        let model = try EmberModel(bytes: bytes)
        let convW = try #require(model.constantData(1))
        #expect(Array(convW) == (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        let mult = try #require(model.constantData(2))
        #expect((0..<4).map { mult.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self) } == [Int32](repeating: 1 << 30, count: 4))
        for i in model.tensors.indices {
            #expect(model.isConstant(i) == (model.constantData(i) != nil))
            if let d = model.constantData(i) {
                #expect(Int(bitPattern: d.baseAddress) % 64 == 0, "tensor \(i) data not 64-byte aligned")
            }
        }
        let shifts = try #require(model.constantValues(3, as: Int32.self))
        #expect(Array(shifts) == [-7, -7, -7, -7])
        #expect(model.constantValues(3, as: Int8.self) == nil)
        #expect(model.constantValues(1, as: UInt8.self) == nil)   // packed
        #expect(model.constantValues(0, as: Int8.self) == nil)    // activation
        // Unwrapped first: Swift 6.0.3 crashes compiling #expect on an Optional<Float> comparison.
        let probs = try #require(model.tensors[10].quantization)
        #expect(probs.scale == 1.0 / 256)
        #expect(probs.zeroPoint == -128)
        #expect(model.constantData(0) == nil)
        #expect(model.constantData(-1) == nil)
        #expect(model.constantData(999) == nil)
        let file = FileBytes(bytes)
        #expect(bytes.count - file.section(3).upperBound >= 64)
    }

    @Test func writtenFileIsMappedAndReadBack() throws {
        let path = NSTemporaryDirectory() + "ember-roundtrip-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).ember"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = SampleModels.classifier()
        try writer.write(to: path)
        let model = try EmberModel(path: path)
        let expectedSize = try writer.serialize().count
        #expect(model.fileSize == expectedSize)
        #expect(model.tensors == writer.tensors)
        #expect(Array(try #require(model.constantData(6))) == [UInt8](repeating: 3, count: 100))
        #expect(!FileManager.default.fileExists(atPath: "\(path).tmp-\(getpid())"))
    }

    @Test func serializationIsDeterministic() throws {
        let first = try SampleModels.classifier().serialize()
        let second = try SampleModels.classifier().serialize()
        #expect(first == second)
    }

    @Test func missingFileGivesIOError() {
        #expect(throws: FormatError.io(path: "/nonexistent/x.ember", operation: "open", errno: ENOENT)) {
            try EmberModel(path: "/nonexistent/x.ember")
        }
    }

    @Test func attributeAccessorsNameOpAndKey() throws {
        let model = try EmberModel(bytes: try SampleModels.classifier().serialize())
        let conv = model.ops[0]
        #expect(try conv.int(.kernelH) == 3)
        #expect(try conv.int(.padTop, default: 0) == 1)
        #expect(try model.ops[2].int(.padTop, default: 0) == 0)
        #expect(try model.ops[1].ints(.axes) == [1, 2])
        let missing = formatError { _ = try conv.int(.leftShift) }
        #expect(missing == .missingAttribute(op: 0, kind: .conv2d, key: .leftShift))
        #expect(missing?.description == "op[0] (conv2d): missing attribute left_shift")
        let wrongType = formatError { _ = try model.ops[1].int(.axes) }
        #expect(wrongType == .attributeType(op: 1, kind: .mean, key: .axes, expected: .int, actual: .ints))
        #expect(wrongType?.description == "op[1] (mean): attribute axes is int array, expected int")
    }

    @Test func writerRejectsWhatItCannotEncode() {
        var w = SampleModels.classifier()
        w.addTensor(TensorDescription(name: "rank9", dtype: .int8, shape: [Int](repeating: 1, count: 9)))
        #expect(throws: FormatError.invalidModel(reason: "tensor[11] has rank 9, at most 8")) { try w.serialize() }
    }

    @Test func writerRunsTheReadersValidation() {
        var w = SampleModels.classifier()
        w.outputs = [5, 99]
        let error = formatError { _ = try w.serialize() }
        #expect(error?.field == "graph.output[1]")
    }
}
