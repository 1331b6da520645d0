#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import EmberFormat

/// What `ember info` reports about a model, as text or as JSON (the field names are the JSON keys).
struct ModelSummary: Encodable {
    struct Checksum: Encodable {
        var crc32c: String
        var verified: Bool
    }

    struct QuantizationSummary: Encodable {
        var scales: [Float]
        var zeroPoints: [Int32]
        var dimension: Int
    }

    struct TensorSummary: Encodable {
        var index: Int
        var name: String
        var dtype: String
        var shape: [Int]
        var quantization: QuantizationSummary?
    }

    struct PreprocessingSummary: Encodable {
        var colorOrder: String
        var resizeShorterSide: Int
        var cropHeight: Int
        var cropWidth: Int
        var scale: Float
        var mean: [Float]
        var std: [Float]
    }

    struct TokenizerSummary: Encodable {
        var vocabularySize: Int
        var lowercase: Bool
        var stripAccents: Bool
        var maxLength: Int
    }

    var file: String
    var formatVersion: Int
    var fileSize: Int
    var checksum: Checksum
    var name: String
    var kind: String
    var producer: String
    var packingFamily: String
    var inputs: [TensorSummary]
    var outputs: [TensorSummary]
    var opCount: Int
    var opHistogram: [String: Int]
    var tensorCount: Int
    var constantCount: Int
    var weightBytes: Int
    var preprocessing: PreprocessingSummary?
    var labelCount: Int
    var tokenizer: TokenizerSummary?
    var metadata: [String: String]

    init(model: EmberModel, path: String) {
        func tensor(_ i: Int) -> TensorSummary {
            let t = model.tensors[i]
            return TensorSummary(index: i, name: t.name, dtype: t.dtype.description, shape: t.shape,
                                 quantization: t.quantization.map {
                                     QuantizationSummary(scales: $0.scales, zeroPoints: $0.zeroPoints, dimension: $0.quantizedDimension)
                                 })
        }
        let m = model.metadata
        file = path
        formatVersion = model.formatVersion
        fileSize = model.fileSize
        checksum = Checksum(crc32c: hex32(model.checksum), verified: model.checksumVerified)
        name = m.name
        kind = m.kind.description
        producer = m.producer
        packingFamily = m.packingFamily
        inputs = model.inputs.map(tensor)
        outputs = model.outputs.map(tensor)
        opCount = model.ops.count
        opHistogram = Dictionary(uniqueKeysWithValues: model.opHistogram.map { ($0.key.description, $0.value) })
        tensorCount = model.tensors.count
        constantCount = model.tensors.indices.filter(model.isConstant).count
        weightBytes = model.weightBytes
        preprocessing = m.preprocessing.map {
            PreprocessingSummary(colorOrder: $0.colorOrder.description, resizeShorterSide: $0.resizeShorterSide,
                                 cropHeight: $0.cropHeight, cropWidth: $0.cropWidth, scale: $0.scale, mean: $0.mean, std: $0.std)
        }
        labelCount = m.labels.count
        tokenizer = m.tokenizer.map {
            TokenizerSummary(vocabularySize: $0.vocabulary.count, lowercase: $0.lowercase,
                             stripAccents: $0.stripAccents, maxLength: $0.maxLength)
        }
        metadata = m.extra
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    func text() -> String {
        var lines: [String] = []
        lines.append("\(file): Ember model, format version \(formatVersion), \(fileSize) bytes")
        lines.append("  name:      \(name.isEmpty ? "(none)" : name)")
        lines.append("  kind:      \(kind)")
        lines.append("  producer:  \(producer.isEmpty ? "(none)" : producer)")
        lines.append("  packing:   \(packingFamily.isEmpty ? "(none)" : packingFamily)")
        lines.append("  checksum:  crc32c \(checksum.crc32c) \(checksum.verified ? "ok" : "not verified")")
        lines.append("inputs:")
        lines += inputs.map { "  " + describe($0) }
        lines.append("outputs:")
        lines += outputs.map { "  " + describe($0) }
        let histogram = opHistogram.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
            .map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        lines.append("ops:       \(opCount)\(histogram.isEmpty ? "" : " (\(histogram))")")
        lines.append("tensors:   \(tensorCount) (\(constantCount) constant, \(formatBytes(weightBytes)) of weights)")
        if let p = preprocessing {
            lines.append("preprocessing: \(p.colorOrder), resize shorter side to \(p.resizeShorterSide), crop \(p.cropHeight)x\(p.cropWidth), "
                         + "value = (pixel * \(p.scale) - mean) / std, mean \(p.mean), std \(p.std)")
        }
        lines.append("labels:    \(labelCount)")
        if let t = tokenizer {
            lines.append("tokenizer: \(t.vocabularySize) tokens, \(t.lowercase ? "lowercase" : "cased"), "
                         + "\(t.stripAccents ? "strip accents" : "keep accents"), max length \(t.maxLength)")
        }
        if !metadata.isEmpty {
            lines.append("metadata:")
            lines += metadata.keys.sorted().map { "  \($0) = \(metadata[$0] ?? "")" }
        }
        return lines.joined(separator: "\n")
    }

    private func describe(_ t: TensorSummary) -> String {
        var s = "[\(t.index)] \(t.name) \(t.dtype) [\(t.shape.map(String.init).joined(separator: ", "))]"
        if let q = t.quantization {
            if q.scales.count == 1 {
                s += " scale \(q.scales[0]) zero_point \(q.zeroPoints[0])"
            } else {
                s += " per-channel on dim \(q.dimension) (\(q.scales.count) channels, scales \(q.scales.min() ?? 0)...\(q.scales.max() ?? 0))"
            }
        }
        return s
    }
}

private func hex32(_ v: UInt32) -> String {
    let digits = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
}

/// 1234567 -> "1.2 MiB (1234567 bytes)".
private func formatBytes(_ n: Int) -> String {
    let units = ["bytes", "KiB", "MiB", "GiB"]
    var value = Double(n)
    var unit = 0
    while value >= 1024, unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    if unit == 0 { return "\(n) bytes" }
    let tenths = (value * 10).rounded() / 10
    return "\(tenths) \(units[unit]) (\(n) bytes)"
}
