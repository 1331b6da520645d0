import Testing
@testable import EmberFormat

/// A corpus of crafted bad files, each checked for the specific error (field and byte offset).
@Suite struct BadFileTests {
    let valid: [UInt8]
    let file: FileBytes

    init() throws {
        valid = try SampleModels.classifier().serialize()
        file = FileBytes(valid)
    }

    // MARK: header

    /// (field, offset, width) of every header field, as in docs/model-format.md.
    static let headerFields: [(String, Int, Int)] = [
        ("header.magic", 0, 8), ("header.version", 8, 2), ("header.header_size", 10, 2), ("header.flags", 12, 4),
        ("header.file_size", 16, 8), ("header.checksum", 24, 4), ("header.section_count", 28, 4),
    ] + (0..<4).flatMap { i -> [(String, Int, Int)] in
        let name = "header.section[\(i)](\(["tensors", "graph", "metadata", "data"][i]))"
        return [("\(name).offset", 32 + 16 * i, 8), ("\(name).length", 40 + 16 * i, 8)]
    } + [("header.reserved", 96, 32)]

    @Test func flippedByteInEveryHeaderFieldIsNamed() {
        for (field, start, width) in Self.headerFields {
            for at in start..<(start + width) {
                var f = file
                f.bytes[at] ^= 0xFF
                let error = readError(f.bytes)
                #expect(error != nil, "flipping byte \(at) of \(field) was accepted")
                guard let error else { continue }
                let isSectionLowByte = field.hasPrefix("header.section") && at - start < 2
                if !isSectionLowByte {
                    // Section offsets and lengths whose byte 2+ flips point past this small file;
                    // a low-byte flip may still land inside it and fail later, checked above.
                    #expect(error.field == field, "byte \(at): \(error)")
                    let expectedOffset = field == "header.magic" ? 0 : (field == "header.reserved" ? at : start)
                    #expect(error.offset == expectedOffset, "byte \(at): \(error)")
                }
            }
        }
    }

    @Test func headerErrorsReadWell() {
        var f = file
        f.set(7, at: 8, width: 2)
        #expect(readError(f.bytes)?.description ==
                "header.version at byte 8: format version 7 is not supported (this reader reads version 1)")
        f = file
        f.bytes[25] ^= 1
        guard case .checksumMismatch(let field, 24, _, _)? = readError(f.bytes) else {
            Issue.record("expected a checksum mismatch")
            return
        }
        #expect(field == "header.checksum")
    }

    @Test func notAnEmberFile() {
        #expect(readError([]) == .truncated(field: "header.magic", offset: 0, needed: 8, available: 0))
        #expect(readError(Array("hello world, this is text".utf8))?.field == "header.magic")
        #expect(readError(Array(valid[0..<100])) == .truncated(field: "header", offset: 0, needed: 128, available: 100))
    }

    // MARK: truncation and extension

    var boundaries: [Int] {
        var cuts: Set<Int> = [0, 1, 7, 8, 9, 10, 64, 127, 128, valid.count - 1]
        for s in 0..<4 {
            let r = file.section(s)
            cuts.formUnion([r.lowerBound, r.lowerBound + 1, r.upperBound - 1, r.upperBound, r.upperBound + 1])
        }
        return cuts.filter { $0 >= 0 && $0 < valid.count }.sorted()
    }

    @Test func truncationAtEverySectionBoundaryIsCaughtByFileSize() {
        for cut in boundaries {
            var f = file
            f.truncate(to: cut, fixFileSize: false)
            let error = readError(f.bytes)
            let expected = cut < 8 ? "header.magic" : cut < 10 ? "header.version" : cut < 128 ? "header" : "header.file_size"
            #expect(error?.field == expected, "cut at \(cut): \(String(describing: error))")
        }
    }

    @Test func truncationWithConsistentFileSizeIsCaughtBySectionTable() {
        for cut in boundaries where cut >= 128 {
            var f = file
            f.truncate(to: cut, fixFileSize: true)
            f.restampChecksum()
            // The first section that no longer fits names the error: its offset if it starts past
            // the cut, else its length; the data section also needs its 64 bytes of tail padding.
            var expected = "none"
            var at = 0
            for s in 0..<4 {
                let r = file.section(s)
                let name = "header.section[\(s)](\(["tensors", "graph", "metadata", "data"][s]))"
                if r.lowerBound > cut { expected = "\(name).offset"; at = 32 + 16 * s; break }
                if r.upperBound > cut || (s == 3 && r.upperBound + 64 > cut) { expected = "\(name).length"; at = 40 + 16 * s; break }
            }
            let error = readError(f.bytes)
            #expect(error?.field == expected, "cut at \(cut): \(String(describing: error))")
            #expect(error?.offset == at, "cut at \(cut): \(String(describing: error))")
        }
    }

    @Test func extendedFileIsRejected() {
        var f = file
        f.bytes.append(0)
        #expect(readError(f.bytes)?.field == "header.file_size")
    }

    // MARK: sections and alignment

    @Test func misalignedDataSection() {
        var f = file
        f.set(UInt64(f.section(3).lowerBound + 8), at: 80, width: 8)
        f.restampChecksum()
        #expect(readError(f.bytes) == .misaligned(field: "header.section[3](data).offset", offset: 80,
                                                   value: file.section(3).lowerBound + 8, alignment: 64))
    }

    @Test func overlappingSections() {
        var f = file
        f.set(UInt64(f.section(0).lowerBound), at: 48, width: 8)   // graph starts where tensors start
        #expect(readError(f.bytes)?.field == "header.section[1](graph).offset")
    }

    // MARK: tensor table

    @Test func badUTF8InTensorName() {
        var f = file
        let nameAt = f.section(0).lowerBound + 8   // after tensor count and name length
        f.bytes[nameAt] = 0xFF
        #expect(readError(f.bytes) == .invalidUTF8(field: "tensor[0].name", offset: nameAt))
    }

    @Test func unknownDType() {
        var f = file
        let dtypeAt = f.section(0).lowerBound + 8 + 5   // "input" is 5 bytes
        f.bytes[dtypeAt] = 0x7F
        #expect(readError(f.bytes) == .unknownCode(field: "tensor[0].dtype", offset: dtypeAt, code: 127))
    }

    @Test func hugeDimensionsOverflow() throws {
        var w = SampleModels.classifier()
        w.addTensor(TensorDescription(name: "huge", dtype: .int8, shape: [Int(Int32.max), Int(Int32.max), Int(Int32.max)]))
        let bytes = try w.encodeWithoutValidation()
        let error = readError(bytes)
        guard case .overflow("tensor[11].shape", let at)? = error else {
            Issue.record("expected a shape overflow, got \(String(describing: error))")
            return
        }
        // The error points at the first dimension.
        #expect(FileBytes(bytes).u64(at: at) == Int(Int32.max))
    }

    @Test func dimensionsOutOfRange() throws {
        for bad in [0, -1, Int(Int32.max) + 1, Int.max] {
            var w = SampleModels.classifier()
            w.addTensor(TensorDescription(name: "bad", dtype: .int8, shape: [1, bad]))
            let error = readError(try w.encodeWithoutValidation())
            #expect(error?.field == "tensor[11].shape[1]", "dimension \(bad): \(String(describing: error))")
        }
    }

    /// The classifier plus a constant as the last tensor, so its data fields are the last 16
    /// bytes of the tensor table.
    func withTrailingConstant(dtype: DType = .int8, shape: [Int] = [4], data: [UInt8] = [1, 2, 3, 4],
                              quantization: Quantization? = nil) throws -> FileBytes {
        var w = SampleModels.classifier()
        w.addTensor(TensorDescription(name: "extra", dtype: dtype, shape: shape, quantization: quantization), data: data)
        return FileBytes(try w.encodeWithoutValidation())
    }

    @Test func trailingConstantIsValid() throws {
        #expect(readError(try withTrailingConstant().bytes) == nil)
    }

    @Test func dataOffsetPastTheEnd() throws {
        var f = try withTrailingConstant()
        let at = f.section(0).upperBound - 16
        f.set(1 << 40, at: at, width: 8)
        #expect(readError(f.bytes)?.field == "tensor[11].data_offset")
        #expect(readError(f.bytes)?.offset == at)
    }

    @Test func dataLengthPastTheEnd() throws {
        var f = try withTrailingConstant()
        let at = f.section(0).upperBound - 8
        for length: UInt64 in [UInt64(f.section(3).count) + 1, 1 << 62, UInt64.max] {
            f.set(length, at: at, width: 8)
            #expect(readError(f.bytes)?.field == "tensor[11].data_length", "length \(length)")
            #expect(readError(f.bytes)?.offset == at)
        }
    }

    @Test func misalignedTensorData() throws {
        var f = try withTrailingConstant()
        let at = f.section(0).upperBound - 16
        f.set(UInt64(f.u64(at: at) + 8), at: at, width: 8)
        #expect(readError(f.bytes) == .misaligned(field: "tensor[11].data_offset", offset: at, value: f.u64(at: at), alignment: 64))
    }

    @Test func wrongDTypeSize() throws {
        let f = try withTrailingConstant(dtype: .int32, shape: [4], data: [UInt8](repeating: 0, count: 12))
        let error = readError(f.bytes)
        #expect(error == .invalidValue(field: "tensor[11].data_length", offset: f.section(0).upperBound - 8,
                                       reason: "is 12 bytes but int32 [4] needs 16"))
    }

    @Test func perChannelCountMismatch() throws {
        let q = Quantization(scales: [1, 1, 1], zeroPoints: [0, 0, 0], quantizedDimension: 0)
        let error = readError(try withTrailingConstant(shape: [4], quantization: q).bytes)
        #expect(error?.field == "tensor[11].quantization.count")
        #expect(error?.description.contains("3 channels but dimension 0 of [4] has 4") == true)
    }

    @Test func quantizationOutOfRange() throws {
        let badDim = Quantization(scales: [1, 1, 1, 1], zeroPoints: [0, 0, 0, 0], quantizedDimension: 1)
        #expect(readError(try withTrailingConstant(shape: [4], quantization: badDim).bytes)?.field == "tensor[11].quantization.dimension")
        let badScale = Quantization(scale: .nan, zeroPoint: 0)
        #expect(readError(try withTrailingConstant(quantization: badScale).bytes)?.field == "tensor[11].quantization.scale[0]")
        let badZero = Quantization(scale: 1, zeroPoint: 128)
        #expect(readError(try withTrailingConstant(quantization: badZero).bytes)?.field == "tensor[11].quantization.zero_point[0]")
    }

    // MARK: graph

    @Test func unknownOpCode() {
        var f = file
        let kindAt = f.section(1).lowerBound + 4
        f.set(0xFFFF, at: kindAt, width: 2)
        #expect(readError(f.bytes) == .unknownCode(field: "op[0].kind", offset: kindAt, code: 0xFFFF))
    }

    @Test func unknownAttributeKey() {
        var f = file
        // op[0] (conv2d): 8-byte record header, 4 inputs and 1 output of 4 bytes, then act_min (key 1) first.
        let keyAt = f.section(1).lowerBound + 4 + 8 + 4 * 5
        #expect(f.u16(at: keyAt) == Int(AttributeKey.actMin.rawValue))
        f.set(999, at: keyAt, width: 2)
        #expect(readError(f.bytes) == .unknownCode(field: "op[0].attribute[0].key", offset: keyAt, code: 999))
    }

    /// The classifier with some attributes of one op replaced (no validation).
    func classifier(patchingOp index: Int, _ attributes: [AttributeKey: AttributeValue]) throws -> [UInt8] {
        var w = SampleModels.classifier()
        let op = w.ops[index]
        w.ops[index] = Op(index: index, kind: op.kind, inputs: op.inputs, outputs: op.outputs,
                          attributes: op.attributes.merging(attributes) { $1 })
        return try w.encodeWithoutValidation()
    }

    @Test func attributeOfWrongTypeOrRange() throws {
        let wrongType = readError(try classifier(patchingOp: 0, [.actMin: .float(1)]))
        #expect(wrongType?.field == "op[0].act_min.type")
        #expect(wrongType?.description.contains("is float, act_min must be int") == true)
        let outOfRange = readError(try classifier(patchingOp: 0, [.actMin: .int(500)]))
        #expect(outOfRange?.field == "op[0].act_min")
        #expect(outOfRange?.description.contains("500 is outside -128...127") == true)
        #expect(readError(try classifier(patchingOp: 1, [.axes: .ints([1, 1])]))?.field == "op[1].axes")
        #expect(readError(try classifier(patchingOp: 1, [.keepDims: .int(2)]))?.field == "op[1].keep_dims")
        #expect(readError(try classifier(patchingOp: 3, [.diffMin: .int(5)]))?.field == "op[3].diff_min")
    }

    @Test func referenceOutOfRange() throws {
        var w = SampleModels.classifier()
        w.addOp(.reshape, inputs: [99], outputs: [5])
        #expect(readError(try w.encodeWithoutValidation())?.field == "op[4].input[0]")
    }

    @Test func graphCycle() throws {
        var w = ModelWriter(metadata: Metadata(name: "cycle"))
        let x = w.addTensor(TensorDescription(name: "x", dtype: .int8, shape: [4]))
        let a = w.addTensor(TensorDescription(name: "a", dtype: .int8, shape: [4]))
        let b = w.addTensor(TensorDescription(name: "b", dtype: .int8, shape: [4]))
        let c = w.addTensor(TensorDescription(name: "c", dtype: .int8, shape: [4]))
        w.addOp(.add, inputs: [x, c], outputs: [a])   // op 0 reads c (op 2)
        w.addOp(.reshape, inputs: [a], outputs: [b])  // op 1 reads a (op 0)
        w.addOp(.reshape, inputs: [b], outputs: [c])  // op 2 reads b (op 1)
        w.inputs = [x]
        w.outputs = [c]
        let f = FileBytes(try w.encodeWithoutValidation())
        let error = readError(f.bytes)
        #expect(error?.field == "op[0]")
        #expect(error?.offset == f.section(1).lowerBound + 4)
        #expect(error?.description.contains("dependency cycle op[0] -> op[1] -> op[2] -> op[0]") == true, "\(String(describing: error))")
    }

    @Test func selfLoop() throws {
        var w = ModelWriter()
        let x = w.addTensor(TensorDescription(name: "x", dtype: .int8, shape: [4]))
        let y = w.addTensor(TensorDescription(name: "y", dtype: .int8, shape: [4]))
        w.addOp(.add, inputs: [x, y], outputs: [y])
        w.inputs = [x]
        w.outputs = [y]
        #expect(readError(try w.encodeWithoutValidation())?.description.contains("dependency cycle op[0] -> op[0]") == true)
    }

    @Test func graphDefectsAreNamed() throws {
        func error(_ edit: (inout ModelWriter) -> Void) throws -> FormatError? {
            var w = SampleModels.classifier()
            edit(&w)
            return readError(try w.encodeWithoutValidation())
        }
        // Produced twice.
        #expect(try error { $0.addOp(.reshape, inputs: [4], outputs: [5]) }?.description.contains("already produced by op[1]") == true)
        // Writing a constant or a graph input.
        #expect(try error { $0.addOp(.reshape, inputs: [4], outputs: [2]) }?.field == "op[4].output[0]")
        #expect(try error { $0.addOp(.reshape, inputs: [4], outputs: [0]) }?.description.contains("graph input") == true)
        // Reading a tensor nobody produces.
        #expect(try error {
            let orphan = $0.addTensor(TensorDescription(name: "orphan", dtype: .int8, shape: [1]))
            let out = $0.addTensor(TensorDescription(name: "out", dtype: .int8, shape: [1]))
            $0.addOp(.reshape, inputs: [orphan], outputs: [out])
        }?.field == "op[4].input[0]")
        // Graph output never produced; constant as a graph input; no outputs.
        #expect(try error { $0.outputs = [10, $0.addTensor(TensorDescription(name: "z", dtype: .int8, shape: [1]))] }?.field == "graph.output[1]")
        #expect(try error { $0.inputs = [0, 1] }?.field == "graph.input[1]")
        #expect(try error { $0.outputs = [] }?.field == "graph.output_count")
        // Stored out of topological order (no cycle).
        let reordered = try error { w in
            let ops = w.ops
            w.ops = [ops[1], ops[0], ops[2], ops[3]].enumerated().map {
                Op(index: $0.offset, kind: $0.element.kind, inputs: $0.element.inputs, outputs: $0.element.outputs, attributes: $0.element.attributes)
            }
        }
        #expect(reordered?.description.contains("produced later, by op[1]") == true, "\(String(describing: reordered))")
    }

    // MARK: metadata and integrity

    @Test func unknownModelKind() {
        var f = file
        let kindAt = f.section(2).lowerBound + 4 + "tiny-classifier".utf8.count
        f.bytes[kindAt] = 9
        #expect(readError(f.bytes) == .unknownCode(field: "metadata.kind", offset: kindAt, code: 9))
    }

    @Test func badPreprocessing() throws {
        var w = SampleModels.classifier()
        w.metadata.preprocessing?.std = [1, 0, 1]
        #expect(readError(try w.encodeWithoutValidation())?.field == "metadata.preprocessing.std[1]")
        w = SampleModels.classifier()
        w.metadata.preprocessing?.cropWidth = 10
        #expect(readError(try w.encodeWithoutValidation())?.field == "metadata.preprocessing.crop_width")
    }

    @Test func badUTF8InLabel() {
        var f = file
        let label = Array("class 3".utf8)
        let meta = f.section(2)
        guard let at = (meta.lowerBound..<(meta.upperBound - label.count)).first(where: { f.bytes[$0..<($0 + label.count)].elementsEqual(label) }) else {
            Issue.record("label not found")
            return
        }
        f.bytes[at + 6] = 0xC3   // a lead byte followed by a non-continuation byte
        #expect(readError(f.bytes) == .invalidUTF8(field: "metadata.labels[3]", offset: at))
    }

    @Test func checksumMismatchInWeights() {
        var f = file
        f.bytes[f.section(3).lowerBound] ^= 0x01
        guard case .checksumMismatch("header.checksum", 24, let stored, let computed)? = readError(f.bytes) else {
            Issue.record("expected a checksum mismatch")
            return
        }
        #expect(stored != computed)
        #expect(readError(f.bytes, verifyChecksum: false) == nil)
    }
}
