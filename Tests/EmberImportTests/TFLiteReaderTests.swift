import Testing
@testable import EmberImport
import EmberTestSupport

@Suite struct TFLiteReaderTests {
    static let model: [UInt8] = (try? Repository.bytes(Repository.bundledModelPath)) ?? []

    @Test func readsTheBundledMobileNetV2() throws {
        let model = try TFLiteReader.read(Self.model)
        #expect(model.subgraphCount == 1)
        var counts: [String: Int] = [:]
        for op in model.operators { counts[op.opcode.description, default: 0] += 1 }
        #expect(counts == ["PAD": 5, "CONV_2D": 35, "DEPTHWISE_CONV_2D": 17, "ADD": 10,
                           "MEAN": 1, "FULLY_CONNECTED": 1])

        #expect(model.inputs.count == 1 && model.outputs.count == 1)
        let input = model.tensors[Int(model.inputs[0])]
        #expect(input.type == .int8)
        #expect(input.shape == [1, 224, 224, 3])
        #expect(input.quantization?.scale == [0.018658448])
        #expect(input.quantization?.zeroPoint == [-14])
        let output = model.tensors[Int(model.outputs[0])]
        #expect(output.type == .int8)
        #expect(output.shape == [1, 1000])
        #expect(output.quantization?.scale == [0.122514941])
        #expect(output.quantization?.zeroPoint == [-44])
    }

    @Test func decodesOptionsAndConstants() throws {
        let model = try TFLiteReader.read(Self.model)
        let firstConv = try #require(model.operators.first { $0.opcode == .conv2D })
        guard case .conv2D(let options) = firstConv.options else {
            Issue.record("CONV_2D without Conv2DOptions: \(firstConv.options)"); return
        }
        #expect(options.strideH == 2 && options.strideW == 2)
        #expect(options.dilationH == 1 && options.dilationW == 1)
        // Weights: int8 OHWI with per-output-channel scales along dimension 0, int32 bias.
        let weights = model.tensors[Int(firstConv.inputs[1])]
        #expect(weights.type == .int8 && weights.shape.count == 4)
        #expect(weights.quantization?.scale.count == Int(weights.shape[0]))
        #expect(weights.quantization?.quantizedDimension == 0)
        let data = try #require(model.constantData(ofTensor: Int(firstConv.inputs[1])))
        #expect(data.count == weights.shape.reduce(1) { $0 * Int($1) })
        let bias = model.tensors[Int(firstConv.inputs[2])]
        #expect(bias.type == .int32)
        #expect(model.constantData(ofTensor: Int(firstConv.inputs[2]))?.count == 4 * Int(bias.shape[0]))
        // Activations have no data.
        #expect(model.constantData(ofTensor: Int(firstConv.inputs[0])) == nil)

        let mean = try #require(model.operators.first { $0.opcode == .mean })
        #expect(mean.options == .reducer(keepDims: false) || mean.options == .reducer(keepDims: true))
    }

    @Test func rejectsWrongIdentifierAndTinyFiles() {
        for bytes in [[], [0, 0, 0], Array(repeating: UInt8(0), count: 7)] as [[UInt8]] {
            #expect(throws: FlatBufferError.self) { try TFLiteReader.read(bytes) }
        }
        var wrong = Self.model
        wrong[4] = UInt8(ascii: "X")
        do {
            _ = try TFLiteReader.read(wrong)
            Issue.record("a file without TFL3 was accepted")
        } catch let error as FlatBufferError {
            #expect(error.field == "file identifier" && error.offset == 4)
        } catch { Issue.record("unexpected error \(error)") }
    }

    @Test func rejectsHandMadeHostileBuffers() throws {
        // Root offset pointing past the end.
        var bytes: [UInt8] = [0xFF, 0xFF, 0, 0] + Array("TFL3".utf8)
        #expect(throws: FlatBufferError.self) { try TFLiteReader.read(bytes) }

        // A root table whose vtable offset points before the file start.
        bytes = [8, 0, 0, 0] + Array("TFL3".utf8) + [0x00, 0x00, 0x00, 0x40]
        #expect(throws: FlatBufferError.self) { try TFLiteReader.read(bytes) }

        // A root table with a vtable whose size is odd.
        // layout: [0] root=12 [4] "TFL3" [8] vtable(size 5, tsize 4) [12] table soffset=4
        bytes = [12, 0, 0, 0] + Array("TFL3".utf8) + [5, 0, 4, 0] + [4, 0, 0, 0]
        #expect(throws: FlatBufferError.self) { try TFLiteReader.read(bytes) }

        // A subgraphs vector claiming 2^31 elements.
        // [8] vtable: size 10, table size 8, field 0 absent, 1 absent, 2 (subgraphs) at +4
        // [20] table: soffset 12 -> vtable at 8, [24] uoffset 4 -> vector at 28, [28] count
        bytes = [20, 0, 0, 0] + Array("TFL3".utf8) + [10, 0, 8, 0, 0, 0, 0, 0, 4, 0, 0, 0]
            + [12, 0, 0, 0] + [4, 0, 0, 0] + [0, 0, 0, 0x80]
        do {
            _ = try TFLiteReader.read(bytes)
            Issue.record("a vector of 2^31 elements in a 32-byte file was accepted")
        } catch let error as FlatBufferError {
            #expect(error.field == "root.subgraphs" && error.offset == 28, "\(error)")
        } catch { Issue.record("unexpected error \(error)") }
    }

    /// Byte positions outside every buffer's data: the flatbuffer's structure, where mutations
    /// are interesting (mutating weights gives a valid file).
    static func structuralPositions(_ model: TFLiteModel) -> [Int] {
        var isData = [Bool](repeating: false, count: model.bytes.count)
        for range in model.buffers { for i in range { isData[i] = true } }
        return isData.indices.filter { !isData[$0] }
    }

    @Test func seededMutationsNeverCrash() throws {
        let seed: UInt64 = 0x5EED_0004
        var rng = SeededGenerator(seed: seed)
        let positions = Self.structuralPositions(try TFLiteReader.read(Self.model))
        var rejected = 0
        let rounds = 400
        for round in 0..<rounds {
            var bytes = Self.model
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let p = positions.randomElement(using: &rng)!
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[p] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes[p] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
                default: // a large 32-bit value, to stress offsets and lengths
                    for k in 0..<4 where p + k < bytes.count { bytes[p + k] = [0xFF, 0x7F, 0x80, 0x00].randomElement(using: &rng)! }
                }
            }
            do {
                let model = try TFLiteReader.read(bytes)
                // Whatever was accepted is self-consistent.
                for tensor in model.tensors { #expect(model.buffers.indices.contains(tensor.buffer), "seed \(seed) round \(round)") }
                for range in model.buffers { #expect(range.upperBound <= bytes.count, "seed \(seed) round \(round)") }
            } catch let error as FlatBufferError {
                rejected += 1
                #expect(!error.field.isEmpty && error.offset >= 0 && error.offset <= bytes.count, "seed \(seed) round \(round): \(error)")
            } catch { Issue.record("seed \(seed) round \(round): unexpected error \(error)") }
        }
        // Many structural bytes are names and scales, harmless to change; but offsets and lengths
        // are hit often enough that a reader that checks nothing would fail here.
        #expect(rejected > rounds / 20, "seed \(seed): only \(rejected) of \(rounds) mutated files rejected")
    }

    @Test func truncationsAreRejected() throws {
        let seed: UInt64 = 0x7A11_0004
        var rng = SeededGenerator(seed: seed)
        var lengths = Array(0..<64) + [Self.model.count - 1, Self.model.count - 16]
        for _ in 0..<60 { lengths.append(Int.random(in: 0..<Self.model.count, using: &rng)) }
        for length in lengths {
            #expect(throws: FlatBufferError.self, "seed \(seed) length \(length)") {
                try TFLiteReader.read(Array(Self.model[0..<length]))
            }
        }
    }
}

