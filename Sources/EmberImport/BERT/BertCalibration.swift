import CEmberKernels

/// The float32 BERT forward over calibration sentences, kept only for what smoothing needs: the
/// largest |value| of every channel of the layer-norm outputs that feed each layer's fused QKV
/// and FFN-up linears. Layer norm, GELU and attention are the engine's portable float kernels;
/// the linears are float dot products here (the int8 ones are what is being calibrated).
public struct BertCalibration {
    /// Per layer, per hidden channel: max |x| over every calibration token.
    var qkvInput: [[Float]]
    var upInput: [[Float]]

    init(converter c: BertConverter, sentences: [[Int]]) throws(ConversionError) {
        let config = c.config, h = config.hiddenSize
        let word = try c.tensor("embeddings.word_embeddings.weight", shape: [config.vocabSize, h])
        let positions = try c.tensor("embeddings.position_embeddings.weight", shape: [config.maxPositions, h])
        let types = try c.tensor("embeddings.token_type_embeddings.weight", shape: [config.typeVocabSize, h])
        let embeddingNorm = try LayerNormParameters(c, "embeddings.LayerNorm", h)
        var layers: [Layer] = []
        for l in 0..<config.layers {
            layers.append(try Layer(c, "encoder.layer.\(l).", hidden: h, intermediate: config.intermediateSize))
        }
        qkvInput = Array(repeating: [Float](repeating: 0, count: h), count: config.layers)
        upInput = qkvInput
        for (index, ids) in sentences.enumerated() {
            guard (1...config.maxPositions).contains(ids.count) else {
                throw .model("calibration sentence \(index + 1) has \(ids.count) tokens, outside 1...\(config.maxPositions)")
            }
            if let bad = ids.first(where: { !(0..<config.vocabSize).contains($0) }) {
                throw .model("calibration sentence \(index + 1) has token id \(bad), outside the vocabulary of \(config.vocabSize)")
            }
            let t = ids.count
            var x = [Float](repeating: 0, count: t * h)
            for (i, id) in ids.enumerated() {
                for j in 0..<h { x[i * h + j] = word[id * h + j] + positions[i * h + j] + types[j] }
            }
            x = embeddingNorm.apply(x, rows: t, epsilon: config.layerNormEpsilon)
            for (l, layer) in layers.enumerated() {
                Self.accumulateMaxima(x, into: &qkvInput[l])
                x = layer.forward(x, tokens: t, heads: config.heads, epsilon: config.layerNormEpsilon, upInput: &upInput[l])
            }
        }
    }

    static func accumulateMaxima(_ x: [Float], into maxima: inout [Float]) {
        let width = maxima.count
        for (i, v) in x.enumerated() where abs(v) > maxima[i % width] { maxima[i % width] = abs(v) }
    }

    struct LayerNormParameters {
        let gamma: [Float], beta: [Float]
        init(_ c: BertConverter, _ path: String, _ h: Int) throws(ConversionError) {
            gamma = try c.tensor(path + ".weight", alternative: path + ".gamma", shape: [h])
            beta = try c.tensor(path + ".bias", alternative: path + ".beta", shape: [h])
        }
        func apply(_ x: [Float], rows: Int, epsilon: Float) -> [Float] {
            var out = [Float](repeating: 0, count: x.count)
            ember_f32_encoder_layernorm(rows, gamma.count, x, gamma, beta, epsilon, &out)
            return out
        }
    }

    struct Linear {
        let weight: [Float], bias: [Float], n: Int, k: Int
        init(_ c: BertConverter, _ paths: [String], n: Int, k: Int) throws(ConversionError) {
            var weight: [Float] = [], bias: [Float] = []
            for p in paths {
                weight += try c.tensor(p + ".weight", shape: [n / paths.count, k])
                bias += try c.tensor(p + ".bias", shape: [n / paths.count])
            }
            (self.weight, self.bias, self.n, self.k) = (weight, bias, n, k)
        }

        /// out[t][o] = bias[o] + x[t] . weight[o], eight lanes of partial sums per dot product.
        func apply(_ x: [Float], rows: Int) -> [Float] {
            var out = [Float](repeating: 0, count: rows * n)
            let k = self.k
            x.withUnsafeBufferPointer { x in
                weight.withUnsafeBufferPointer { w in
                    out.withUnsafeMutableBufferPointer { out in
                        for r in 0..<rows {
                            for o in 0..<n {
                                var lanes = SIMD8<Float>()
                                var i = 0
                                while i + 8 <= k {
                                    lanes += UnsafeRawPointer(x.baseAddress! + r * k + i).loadUnaligned(as: SIMD8<Float>.self)
                                        * UnsafeRawPointer(w.baseAddress! + o * k + i).loadUnaligned(as: SIMD8<Float>.self)
                                    i += 8
                                }
                                var sum = lanes.sum()
                                while i < k { sum += x[r * k + i] * w[o * k + i]; i += 1 }
                                out[r * n + o] = sum + bias[o]
                            }
                        }
                    }
                }
            }
            return out
        }
    }

    struct Layer {
        let qkv: Linear, output: Linear, up: Linear, down: Linear
        let attentionNorm: LayerNormParameters, outputNorm: LayerNormParameters
        init(_ c: BertConverter, _ p: String, hidden h: Int, intermediate: Int) throws(ConversionError) {
            qkv = try Linear(c, [p + "attention.self.query", p + "attention.self.key", p + "attention.self.value"], n: 3 * h, k: h)
            output = try Linear(c, [p + "attention.output.dense"], n: h, k: h)
            up = try Linear(c, [p + "intermediate.dense"], n: intermediate, k: h)
            down = try Linear(c, [p + "output.dense"], n: h, k: intermediate)
            attentionNorm = try LayerNormParameters(c, p + "attention.output.LayerNorm", h)
            outputNorm = try LayerNormParameters(c, p + "output.LayerNorm", h)
        }

        func forward(_ x: [Float], tokens t: Int, heads: Int, epsilon: Float, upInput: inout [Float]) -> [Float] {
            let h = output.n
            let projections = qkv.apply(x, rows: t)
            var context = [Float](repeating: 0, count: t * h)
            var scratch = [Float](repeating: 0, count: ember_f32_attention_scratch(t, h / heads) / MemoryLayout<Float>.size + 1)
            ember_f32_attention(t, heads, h / heads, projections, 3 * h, nil, 0, heads, &scratch, &context, h)
            var sum = output.apply(context, rows: t)
            for i in sum.indices { sum[i] += x[i] }
            let attended = attentionNorm.apply(sum, rows: t, epsilon: epsilon)
            BertCalibration.accumulateMaxima(attended, into: &upInput)
            let preActivation = up.apply(attended, rows: t)
            var activated = [Float](repeating: 0, count: preActivation.count)
            ember_f32_encoder_gelu(preActivation.count, preActivation, &activated)
            var result = down.apply(activated, rows: t)
            for i in result.indices { result[i] += attended[i] }
            return outputNorm.apply(result, rows: t, epsilon: epsilon)
        }
    }
}
