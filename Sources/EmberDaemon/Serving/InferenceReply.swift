// Turns a model's output into reply frames (docs/protocol.md, "infer").
import EmberTransport

enum InferenceReply {
    static func frames(job: Job, served: ServedModel, output: InferenceOutput,
                       queuedNanoseconds: UInt64, inferenceNanoseconds: UInt64) throws(WireError) -> [[UInt8]] {
        let model = served.loaded.model
        var outputs: [(String, JSONValue)] = []
        var payloads: [[UInt8]] = []

        switch model.kind {
        case .classifier:
            guard let probabilities = output.classProbabilities, !probabilities.isEmpty else {
                throw WireError(.internal, "model \"\(served.name)\" returned no class probabilities")
            }
            let labels = served.loaded.labels
            let best = topK(probabilities, job.request.topK).map { index -> JSONValue in
                var entry: [(String, JSONValue)] = [("index", .int(Int64(index)))]
                if let labels, index < labels.count { entry.append(("label", .string(labels[index]))) }
                // Float's shortest decimal form ("0.62"), not the widened Double's ("0.6200000047683716").
                let score = probabilities[index]
                entry.append(("score", .double(Double("\(score)") ?? Double(score))))
                return .object(entry)
            }
            outputs.append(("top_k", .array(best)))
        case .encoder:
            guard let embedding = output.embedding, output.embeddingRows >= 1, embedding.count % output.embeddingRows == 0 else {
                throw WireError(.internal, "model \"\(served.name)\" returned no embedding")
            }
            let rows = output.embeddingRows
            outputs.append(("embedding", .object([("dtype", .string("float32")),
                                                  ("shape", .array([.int(Int64(rows)), .int(Int64(embedding.count / rows))])),
                                                  ("payload", .int(Int64(payloads.count)))])))
            payloads.append(LittleEndianFloats.encode(embedding))
        case .tensor:
            break
        }
        if job.request.includeRaw || model.kind == .tensor {
            guard let raw = output.raw else { throw WireError(.internal, "model \"\(served.name)\" returned no raw output") }
            var fields: [(String, JSONValue)] = [("dtype", .string(raw.info.dtype.rawValue)),
                                                 ("shape", .array(raw.info.shape.map { .int(Int64($0)) }))]
            if let scale = raw.info.scale { fields.append(("scale", .double(scale))) }
            if let zeroPoint = raw.info.zeroPoint { fields.append(("zero_point", .int(Int64(zeroPoint)))) }
            fields.append(("payload", .int(Int64(payloads.count))))
            outputs.append(("raw", .object(fields)))
            payloads.append(raw.bytes)
        }
        let header: [(String, JSONValue)] = [
            ("model", .string(served.name)), ("generation", .int(Int64(served.generation))),
            ("timings_us", .object([("queued", .int(Int64(queuedNanoseconds / 1000))), ("inference", .int(Int64(inferenceNanoseconds / 1000)))])),
            ("outputs", .object(outputs)),
        ]
        return ReplyEncoder.ok(id: job.id, fields: header, payloads: payloads)
    }

    /// Indices of the k largest values, largest first; ties keep the lower index first.
    static func topK(_ values: [Float], _ k: Int) -> [Int] {
        let k = min(k, values.count)
        if k > 16 {
            return Array(values.indices.sorted { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }.prefix(k))
        }
        var best: [Int] = []
        for index in values.indices {
            let value = values[index]
            if best.count == k {
                guard let last = best.last, value > values[last] else { continue }
                best.removeLast()
            }
            var position = best.count
            while position > 0 && values[best[position - 1]] < value { position -= 1 }
            best.insert(index, at: position)
        }
        return best
    }
}
