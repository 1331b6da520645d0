import CEmberKernels
import EmberFormat
import EmberTokenizer

/// Lowers a BERT-family checkpoint to Ember's int8 encoder graph (docs/ops.md, "Encoder ops"):
/// every Linear layer's weights quantized per output channel, symmetric int8, packed for
/// `ember_qd8_gemm_f32` (activations are quantized per row at run time); the word embeddings
/// stored as float16, position embeddings (with token type 0 folded in) and layer-norm parameters
/// as float32.
public struct BertConverter {
    public struct Options: Sendable {
        public var name: String
        public var producer: String
        /// Longest token sequence, special tokens included; nil: the folder's (or the model's) own.
        public var maxLength: Int?
        /// Calibration sentences, tokenized with the model's own settings. When given, the linears
        /// fed by a layer norm (fused QKV, FFN up) are smoothed: weight column i is multiplied by
        /// s_i = sqrt(max|x_i| / max|w_i|) before int8 quantization and the op multiplies its input
        /// by 1/s_i (docs/encoder.md, "Smoothing"). Empty: no smoothing.
        public var calibration: [String]
        /// Largest block of the Hadamard rotation of every linear's input (a power of two; each
        /// linear takes the largest power of two up to it that divides its input width, none below
        /// 8). The weights are rotated alike, so the product is unchanged in float (docs/encoder.md,
        /// "Rotation"). nil: no rotation.
        public var rotationBlock: Int?
        public init(name: String, producer: String, maxLength: Int? = nil,
                    calibration: [String] = BertCalibration.defaultSentences, rotationBlock: Int? = 128) {
            self.name = name
            self.producer = producer
            self.maxLength = maxLength
            self.calibration = calibration
            self.rotationBlock = rotationBlock
        }
    }

    let config: BertConfig
    let weights: SafeTensorsFile
    let kernels: KernelInterface
    /// "bert." when the checkpoint was saved from a model with heads (BertForX), else "".
    let prefix: String

    /// Converts the contents of a model folder (config.json, model.safetensors, vocab.txt and the
    /// optional tokenizer_config.json / sentence_bert_config.json).
    public static func convert(_ folder: BertFolder, options: Options, kernels: KernelInterface = CKernelInterface()) throws(ConversionError) -> ModelWriter {
        let config = try BertConfig(json: folder.config)
        let weights = try SafeTensorsFile(bytes: folder.safetensors)
        var tokenizer = try folder.tokenizerSettings(maxPositions: config.maxPositions)
        if let m = options.maxLength {
            guard (2...config.maxPositions).contains(m) else {
                throw .model("--max-length \(m) is outside 2...\(config.maxPositions) (max_position_embeddings)")
            }
            tokenizer.maxLength = m
        }
        guard tokenizer.vocabulary.count == config.vocabSize else {
            throw .model("vocab.txt has \(tokenizer.vocabulary.count) tokens but config.json says vocab_size \(config.vocabSize)")
        }
        let prefix = weights.tensors["bert.embeddings.word_embeddings.weight"] != nil ? "bert." : ""
        let converter = BertConverter(config: config, weights: weights, kernels: kernels, prefix: prefix)
        var metadata = Metadata(name: options.name, kind: .encoder, producer: options.producer,
                                packingFamily: kernels.packingFamily, tokenizer: tokenizer)
        metadata.extra["pooling"] = "mean"
        metadata.extra["normalize"] = "l2"
        var ranges: BertCalibration?
        if !options.calibration.isEmpty {
            let wordPiece: WordPieceTokenizer
            do {
                wordPiece = try WordPieceTokenizer(vocabulary: tokenizer.vocabulary, lowercase: tokenizer.lowercase,
                                                   stripAccents: tokenizer.stripAccents, maxLength: tokenizer.maxLength)
            } catch { throw .model("the vocabulary cannot tokenize the calibration text: \(error)") }
            ranges = try BertCalibration(converter: converter, sentences: options.calibration.map { wordPiece.encode($0).map(Int.init) })
            metadata.extra["smoothing"] = "sqrt(max|x| / max|w|) on QKV and FFN-up inputs, \(options.calibration.count) calibration sentences"
        }
        if let block = options.rotationBlock {
            guard block >= 8, block <= 4096, block & (block - 1) == 0 else {
                throw .model("rotation block \(block) must be a power of two in 8...4096")
            }
            metadata.extra["rotation"] = "block Hadamard (up to \(block) columns) on every linear's input"
        }
        return try converter.lower(metadata: metadata, tokens: tokenizer.maxLength, ranges: ranges,
                                   rotationBlock: options.rotationBlock)
    }

    private func lower(metadata: Metadata, tokens t: Int, ranges: BertCalibration?, rotationBlock: Int?) throws(ConversionError) -> ModelWriter {
        var w = ModelWriter(metadata: metadata)
        let h = config.hiddenSize, eps = AttributeValue.float(config.layerNormEpsilon)

        func activation(_ name: String, _ shape: [Int], _ type: EmberFormat.DType = .float32) -> Int {
            w.addTensor(TensorDescription(name: name, dtype: type, shape: shape))
        }
        func floats(_ name: String, _ values: [Float]) -> Int {
            w.addConstant(TensorDescription(name: name, dtype: .float32, shape: [values.count]), floats: values)
        }
        func layerNorm(_ x: Int, _ path: String, _ out: String) throws(ConversionError) -> Int {
            let gamma = try tensor(path + ".weight", alternative: path + ".gamma", shape: [h])
            let beta = try tensor(path + ".bias", alternative: path + ".beta", shape: [h])
            let y = activation(out, [t, h])
            w.addOp(.layerNorm, inputs: [x, floats(path + ".gamma", gamma), floats(path + ".beta", beta)], outputs: [y],
                    attributes: [.epsilon: eps])
            return y
        }
        func linear(_ x: Int, _ paths: [String], k: Int, n: Int, _ out: String, inputRange: [Float]? = nil) throws(ConversionError) -> Int {
            var weight: [Float] = [], bias: [Float] = []
            for p in paths {
                weight += try tensor(p + ".weight", shape: [n / paths.count, k])
                bias += try tensor(p + ".bias", shape: [n / paths.count])
            }
            let smoothing = inputRange.map { Self.smoothingFactors(inputRange: $0, weight: weight, n: n, k: k) }
            if let smoothing {
                for i in weight.indices { weight[i] *= smoothing[i % k] }
            }
            let rotation = rotationBlock.flatMap { Self.hadamardBlock(k: k, largest: $0) }
            if let rotation { Self.rotateRows(&weight, n: n, k: k, block: rotation) }
            let (q, scales) = Self.quantizePerChannel(weight, n: n, k: k)
            let packed = kernels.packGEMM(n: n, k: k, weights: q, bias: nil, inputZeroPoint: -1)
            let name = paths.count == 1 ? paths[0] : paths[0] + "+" + paths.dropFirst().map { $0.split(separator: ".").last.map(String.init) ?? $0 }.joined(separator: "+")
            let wt = w.addTensor(TensorDescription(name: name + ".weight", dtype: .packed, shape: [n, k],
                                                  quantization: Quantization(scales: scales, zeroPoints: [Int32](repeating: 0, count: n), quantizedDimension: 0)),
                                 data: packed)
            let y = activation(out, [t, n])
            var inputs = [x, wt, floats(name + ".weight_scale", scales), floats(name + ".bias", bias)]
            if let smoothing { inputs.append(floats(name + ".input_scale", smoothing.map { 1 / $0 })) }
            w.addOp(.dynamicLinear, inputs: inputs, outputs: [y], attributes: rotation.map { [.hadamardBlock: .int($0)] } ?? [:])
            return y
        }

        // Embeddings: word (float16), position + token type 0 (float32), then layer norm.
        let ids = activation("input_ids", [t], .int32)
        w.inputs = [ids]
        let word = try tensor("embeddings.word_embeddings.weight", shape: [config.vocabSize, h])
        let positions = try tensor("embeddings.position_embeddings.weight", shape: [config.maxPositions, h])
        let types = try tensor("embeddings.token_type_embeddings.weight", shape: [config.typeVocabSize, h])
        let positionTable = (0..<(t * h)).map { positions[$0] + types[$0 % h] }
        let wordTensor = w.addConstant(TensorDescription(name: "embeddings.word_embeddings.weight", dtype: .float16, shape: [config.vocabSize, h]),
                                       values: word.map(floatToHalf))
        let positionTensor = w.addConstant(TensorDescription(name: "embeddings.position_embeddings+token_type_0", dtype: .float32, shape: [t, h]),
                                           floats: positionTable)
        let embedded = activation("embeddings.sum", [t, h])
        w.addOp(.embedding, inputs: [ids, wordTensor, positionTensor], outputs: [embedded])
        var x = try layerNorm(embedded, "embeddings.LayerNorm", "embeddings.output")

        for l in 0..<config.layers {
            let p = "encoder.layer.\(l)."
            let qkv = try linear(x, [p + "attention.self.query", p + "attention.self.key", p + "attention.self.value"],
                                 k: h, n: 3 * h, p + "attention.qkv", inputRange: ranges?.qkvInput[l])
            let context = activation(p + "attention.context", [t, h])
            w.addOp(.attention, inputs: [qkv], outputs: [context], attributes: [.numHeads: .int(config.heads)])
            let projected = try linear(context, [p + "attention.output.dense"], k: h, n: h, p + "attention.output.dense.out")
            let sum1 = activation(p + "attention.output.sum", [t, h])
            w.addOp(.residualAdd, inputs: [projected, x], outputs: [sum1])
            let attended = try layerNorm(sum1, p + "attention.output.LayerNorm", p + "attention.output")
            let up = try linear(attended, [p + "intermediate.dense"], k: h, n: config.intermediateSize, p + "intermediate.dense.out",
                                inputRange: ranges?.upInput[l])
            let activated = activation(p + "intermediate.gelu", [t, config.intermediateSize])
            w.addOp(.gelu, inputs: [up], outputs: [activated])
            let down = try linear(activated, [p + "output.dense"], k: config.intermediateSize, n: h, p + "output.dense.out")
            let sum2 = activation(p + "output.sum", [t, h])
            w.addOp(.residualAdd, inputs: [down, attended], outputs: [sum2])
            x = try layerNorm(sum2, p + "output.LayerNorm", p + "output")
        }

        let pooled = activation("pooled", [1, h])
        w.addOp(.meanPooling, inputs: [x], outputs: [pooled])
        let embedding = activation("embedding", [1, h])
        w.addOp(.l2Normalize, inputs: [pooled], outputs: [embedding], attributes: [.epsilon: .float(1e-12)])
        w.outputs = [embedding]
        return w
    }

    /// A float tensor of the checkpoint; a NaN or infinity is refused (it would poison the
    /// quantization scales, and int8 has no code for it).
    func tensor(_ name: String, alternative: String? = nil, shape: [Int]) throws(ConversionError) -> [Float] {
        var stored = prefix + name
        if let alternative, weights.tensors[stored] == nil, weights.tensors[prefix + alternative] != nil { stored = prefix + alternative }
        let values = try weights.floats(stored, shape: shape)
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw .model("tensor '\(stored)' has \(values[bad]) at flat index \(bad); weights must be finite")
        }
        return values
    }

    /// SmoothQuant's migration strength 1/2 (Xiao et al. 2023): s_i = sqrt(max|x_i| / max_o |w_oi|),
    /// which evens out a column's activation and weight ranges, so an outlier channel of the
    /// layer-norm output no longer sets the whole row's int8 step. Scaled to mean 1; both maxima
    /// are floored at 1e-5 so every factor is finite and positive.
    static func smoothingFactors(inputRange: [Float], weight: [Float], n: Int, k: Int) -> [Float] {
        var weightRange = [Float](repeating: 0, count: k)
        for (i, v) in weight.enumerated() where abs(v) > weightRange[i % k] { weightRange[i % k] = abs(v) }
        let raw = (0..<k).map { (max(inputRange[$0], 1e-5) / max(weightRange[$0], 1e-5)).squareRoot() }
        let mean = raw.reduce(0, +) / Float(k)
        return raw.map { $0 / mean }
    }

    /// The largest power of two up to `largest` that divides `k`; nil below 8, where a rotation
    /// would spread an outlier too little to matter.
    static func hadamardBlock(k: Int, largest: Int) -> Int? {
        var block = largest
        while block >= 8 && k % block != 0 { block /= 2 }
        return block >= 8 ? block : nil
    }

    /// W <- W · blockdiag(H_b) / b. The op multiplies its input row by blockdiag(H_b) (unnormalized,
    /// `ember_f32_encoder_hadamard`), and H_b · H_b = b · I, so x · Wᵀ is unchanged; the rows are
    /// rotated with the engine's own kernel (H_b is symmetric) and 1/b, a power of two, is exact.
    static func rotateRows(_ weight: inout [Float], n: Int, k: Int, block: Int) {
        weight.withUnsafeMutableBufferPointer { ember_f32_encoder_hadamard(n, k, block, $0.baseAddress, k, nil, $0.baseAddress) }
        let inverse = 1 / Float(block)
        for i in weight.indices { weight[i] *= inverse }
    }

    /// Symmetric int8 per output channel: scale = max|w| / 127 (1 for an all-zero row),
    /// q = round(w / scale) half away from zero.
    static func quantizePerChannel(_ w: [Float], n: Int, k: Int) -> ([Int8], [Float]) {
        var q = [Int8](repeating: 0, count: n * k)
        var scales = [Float](repeating: 1, count: n)
        for row in 0..<n {
            let values = w[(row * k)..<((row + 1) * k)]
            let maxAbs = values.reduce(Float(0)) { max($0, abs($1)) }
            let scale = maxAbs > 0 ? maxAbs / 127 : 1
            scales[row] = scale
            for (i, v) in values.enumerated() {
                q[row * k + i] = Int8(max(-127, min(127, (v / scale).rounded(.toNearestOrAwayFromZero))))
            }
        }
        return (q, scales)
    }
}
