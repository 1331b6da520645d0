@testable import EmberFormat

/// Small but complete models for the tests: a conv classifier shaped like the real one (conv,
/// mean, fully connected, softmax) and an encoder-kind model with a tokenizer.
enum SampleModels {
    static let int8Quant = Quantization(scale: 0.0078125, zeroPoint: -1)

    static func classifier() -> ModelWriter {
        var w = ModelWriter(metadata: Metadata(
            name: "tiny-classifier", kind: .classifier, producer: "EmberFormatTests", packingFamily: "qs8-test",
            preprocessing: Preprocessing(colorOrder: .rgb, resizeShorterSide: 9, cropHeight: 8, cropWidth: 8,
                                         scale: 1 / 127.5, mean: [1, 1, 1], std: [1, 1, 1]),
            labels: (0..<10).map { "class \($0)" },
            extra: ["source": "synthetic", "licence": "none"]))
        let input = w.addTensor(TensorDescription(name: "input", dtype: .int8, shape: [1, 8, 8, 3], quantization: int8Quant))
        let convW = w.addTensor(TensorDescription(name: "conv.w", dtype: .packed, shape: [4, 3, 3, 3],
                                                  quantization: Quantization(scales: [0.01, 0.02, 0.03, 0.04], zeroPoints: [0, 0, 0, 0], quantizedDimension: 0)),
                                data: (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        let convM = w.addConstant(TensorDescription(name: "conv.mult", dtype: .int32, shape: [4]), values: [Int32](repeating: 1 << 30, count: 4))
        let convS = w.addConstant(TensorDescription(name: "conv.shift", dtype: .int32, shape: [4]), values: [Int32](repeating: -7, count: 4))
        let convOut = w.addTensor(TensorDescription(name: "conv.out", dtype: .int8, shape: [1, 8, 8, 4], quantization: int8Quant))
        let meanOut = w.addTensor(TensorDescription(name: "mean.out", dtype: .int8, shape: [1, 4], quantization: int8Quant))
        let fcW = w.addTensor(TensorDescription(name: "fc.w", dtype: .packed, shape: [10, 4]), data: [UInt8](repeating: 3, count: 100))
        let fcM = w.addConstant(TensorDescription(name: "fc.mult", dtype: .int32, shape: [10]), values: [Int32](repeating: 1 << 29, count: 10))
        let fcS = w.addConstant(TensorDescription(name: "fc.shift", dtype: .int32, shape: [10]), values: [Int32](repeating: -3, count: 10))
        let logits = w.addTensor(TensorDescription(name: "logits", dtype: .int8, shape: [1, 10], quantization: int8Quant))
        let probs = w.addTensor(TensorDescription(name: "probs", dtype: .int8, shape: [1, 10],
                                                  quantization: Quantization(scale: 1.0 / 256, zeroPoint: -128)))
        w.addOp(.conv2d, inputs: [input, convW, convM, convS], outputs: [convOut], attributes: [
            .kernelH: .int(3), .kernelW: .int(3), .strideH: .int(1), .strideW: .int(1),
            .dilationH: .int(1), .dilationW: .int(1), .padTop: .int(1), .padLeft: .int(1),
            .padBottom: .int(1), .padRight: .int(1), .actMin: .int(-128), .actMax: .int(127),
        ])
        w.addOp(.mean, inputs: [convOut], outputs: [meanOut], attributes: [
            .axes: .ints([1, 2]), .keepDims: .int(0), .multiplier: .int(1 << 30), .shift: .int(-6),
        ])
        w.addOp(.fullyConnected, inputs: [meanOut, fcW, fcM, fcS], outputs: [logits], attributes: [
            .actMin: .int(-128), .actMax: .int(127),
        ])
        w.addOp(.softmax, inputs: [logits], outputs: [probs], attributes: [
            .inputMultiplier: .int(1_500_000_000), .inputLeftShift: .int(21), .diffMin: .int(-248),
        ])
        w.inputs = [input]
        w.outputs = [probs]
        return w
    }

    static func encoder() -> ModelWriter {
        var w = ModelWriter(metadata: Metadata(
            name: "tiny-encoder", kind: .encoder, producer: "EmberFormatTests",
            tokenizer: TokenizerSettings(vocabulary: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "héllo", "##s", "日本"],
                                         lowercase: true, stripAccents: false, maxLength: 128)))
        let ids = w.addTensor(TensorDescription(name: "ids", dtype: .int32, shape: [1, 16]))
        let table = w.addConstant(TensorDescription(name: "embeddings", dtype: .float32, shape: [7, 4]),
                                  floats: (0..<28).map { Float($0) / 10 })
        let hidden = w.addTensor(TensorDescription(name: "hidden", dtype: .float32, shape: [1, 16, 4]))
        let normed = w.addTensor(TensorDescription(name: "normed", dtype: .float32, shape: [1, 16, 4]))
        let gamma = w.addConstant(TensorDescription(name: "ln.gamma", dtype: .float32, shape: [4]), floats: [1, 1, 1, 1])
        let beta = w.addConstant(TensorDescription(name: "ln.beta", dtype: .float32, shape: [4]), floats: [0, 0, 0, 0])
        let pooled = w.addTensor(TensorDescription(name: "pooled", dtype: .float32, shape: [1, 4]))
        let embedding = w.addTensor(TensorDescription(name: "embedding", dtype: .float32, shape: [1, 4]))
        w.addOp(.embedding, inputs: [ids, table], outputs: [hidden])
        w.addOp(.layerNorm, inputs: [hidden, gamma, beta], outputs: [normed], attributes: [.epsilon: .float(1e-12)])
        w.addOp(.meanPooling, inputs: [normed], outputs: [pooled])
        w.addOp(.l2Normalize, inputs: [pooled], outputs: [embedding])
        w.inputs = [ids]
        w.outputs = [embedding]
        return w
    }
}

/// A valid file's bytes plus helpers to find and patch its fields (little-endian).
struct FileBytes {
    var bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func u16(at o: Int) -> Int { Int(bytes[o]) | Int(bytes[o + 1]) << 8 }
    func u32(at o: Int) -> Int { (0..<4).reduce(0) { $0 | Int(bytes[o + $1]) << (8 * $1) } }
    func u64(at o: Int) -> Int { (0..<8).reduce(0) { $0 | Int(bytes[o + $1]) << (8 * $1) } }

    mutating func set(_ value: UInt64, at o: Int, width: Int) {
        for i in 0..<width { bytes[o + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
    }

    /// Absolute byte range of section `i` (0 tensors, 1 graph, 2 metadata, 3 data).
    func section(_ i: Int) -> Range<Int> {
        let entry = 32 + 16 * i
        let start = u64(at: entry)
        return start..<(start + u64(at: entry + 8))
    }

    /// Recomputes the header CRC, so a test reaches the structural check it is aimed at.
    mutating func restampChecksum() {
        set(0, at: 24, width: 4)
        let crc = bytes.withUnsafeBytes { CRC32C.ofFile($0) }
        set(UInt64(crc), at: 24, width: 4)
    }

    /// Cuts the file to `length` bytes and makes header.file_size agree.
    mutating func truncate(to length: Int, fixFileSize: Bool) {
        bytes.removeLast(bytes.count - length)
        if fixFileSize && length >= 24 { set(UInt64(length), at: 16, width: 8) }
    }
}
