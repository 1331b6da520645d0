// The PUB message of one firing (docs/protocol.md, "Trigger results"): topic
// `ember.trigger.NAME`, then the JSON frame, then payload frames for an embedding or raw tensor.
import EmberGPIO
import EmberTransport

struct TriggerResultEvent {
    let trigger: TriggerConfig
    let firing: Int
    let edge: TriggerEvent

    static func topic(_ trigger: String) -> String { "ember.trigger.\(trigger)" }

    private var common: [(String, JSONValue)] {
        [("trigger", .string(trigger.name)), ("firing", .int(Int64(firing))),
         ("edge", .object([("timestamp_ns", .int(Int64(edge.edge.timestampNs))), ("rising", .bool(edge.edge.rising)),
                           ("offset", .int(Int64(edge.edge.offset))), ("merged", .int(Int64(edge.mergedEdges)))])),
         ("fired_ns", .int(Int64(edge.firedAtNs)))]
    }

    /// A firing that produced no result; the trigger stays armed.
    func error(code: String, message: String, model: String, resultNs: UInt64) -> Event {
        Event(topic: Self.topic(trigger.name), fields: [("status", .string("error"))] + common + [
            ("model", .string(model)), ("result_ns", .int(Int64(resultNs))),
            ("latency_us", .int(latencyMicroseconds(resultNs))),
            ("error", .object([("code", .string(code)), ("message", .string(message))])),
        ])
    }

    /// A result; also returns the action label's score (nil without an action or label).
    func result(_ success: JobWaiter.Success, inputNs: UInt64, resultNs: UInt64) -> (Event, actionScore: Float?) {
        let model = success.served.loaded.model
        var outputs: [(String, JSONValue)] = []
        var payloads: [[UInt8]] = []
        var actionScore: Float?
        if let probabilities = success.output.classProbabilities, model.kind == .classifier {
            let labels = success.served.loaded.labels
            outputs.append(("top_k", .array(InferenceReply.topK(probabilities, trigger.topK).map { index in
                var entry: [(String, JSONValue)] = [("index", .int(Int64(index)))]
                if let labels, index < labels.count { entry.append(("label", .string(labels[index]))) }
                entry.append(("score", score(probabilities[index])))
                return .object(entry)
            })))
            if let action = trigger.action, let index = labels?.firstIndex(of: action.label), index < probabilities.count {
                actionScore = probabilities[index]
            }
        } else if let embedding = success.output.embedding {
            outputs.append(("embedding", .object([("dtype", .string("float32")), ("shape", .array([.int(1), .int(Int64(embedding.count))])),
                                                  ("payload", .int(0))])))
            payloads.append(LittleEndianFloats.encode(embedding))
        } else if let raw = success.output.raw {
            var fields: [(String, JSONValue)] = [("dtype", .string(raw.info.dtype.rawValue)), ("shape", .array(raw.info.shape.map { .int(Int64($0)) }))]
            if let scale = raw.info.scale { fields.append(("scale", .double(scale))) }
            if let zeroPoint = raw.info.zeroPoint { fields.append(("zero_point", .int(Int64(zeroPoint)))) }
            fields.append(("payload", .int(0)))
            outputs.append(("raw", .object(fields)))
            payloads.append(raw.bytes)
        }
        var fields: [(String, JSONValue)] = [("status", .string("ok"))] + common + [
            ("model", .string(success.served.name)), ("generation", .int(Int64(success.served.generation))),
            ("result_ns", .int(Int64(resultNs))), ("latency_us", .int(latencyMicroseconds(resultNs))),
            ("timings_us", .object([("input", .int(Int64(inputNs / 1000))), ("queued", .int(Int64(success.queuedNanoseconds / 1000))),
                                    ("inference", .int(Int64(success.inferenceNanoseconds / 1000)))])),
            ("outputs", .object(outputs)),
        ]
        if let action = trigger.action {
            let value = actionScore ?? 0
            fields.append(("action", .object([("label", .string(action.label)), ("score", score(value)),
                                              ("taken", .bool(value >= action.threshold))])))
        }
        return (Event(topic: Self.topic(trigger.name), fields: fields, payloads: payloads), actionScore)
    }

    /// From the kernel's edge timestamp to `resultNs`; 0 if a clock misbehaved.
    func latencyMicroseconds(_ resultNs: UInt64) -> Int64 {
        resultNs > edge.edge.timestampNs ? Int64((resultNs - edge.edge.timestampNs) / 1000) : 0
    }

    /// Float's shortest decimal form ("0.62"), as in infer replies.
    private func score(_ value: Float) -> JSONValue { .double(Double("\(value)") ?? Double(value)) }
}
