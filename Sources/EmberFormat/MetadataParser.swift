/// The metadata section: name, kind, producer, packing family, preprocessing, labels,
/// tokenizer, free-form key/value strings.
enum MetadataParser {
    static func parse(_ file: UnsafeRawBufferPointer, section: Range<Int>) throws -> Metadata {
        var r = ByteReader(file: file, start: section.lowerBound, end: section.upperBound)
        var m = Metadata()
        m.name = try r.string("metadata.name")
        let kindAt = r.position
        let kindCode = try r.u8("metadata.kind")
        guard let kind = ModelKind(rawValue: kindCode) else {
            throw FormatError.unknownCode(field: "metadata.kind", offset: kindAt, code: Int(kindCode))
        }
        m.kind = kind
        m.producer = try r.string("metadata.producer")
        m.packingFamily = try r.string("metadata.packing_family")
        if try flag(&r, "metadata.has_preprocessing") {
            m.preprocessing = try parsePreprocessing(&r)
        }
        let labelCount = try r.count("metadata.label_count", minimumElementSize: 4)
        m.labels.reserveCapacity(labelCount)
        for i in 0..<labelCount { m.labels.append(try r.string("metadata.labels[\(i)]")) }
        if try flag(&r, "metadata.has_tokenizer") {
            m.tokenizer = try parseTokenizer(&r)
        }
        let extraCount = try r.count("metadata.extra_count", minimumElementSize: 8)
        for i in 0..<extraCount {
            let keyAt = r.position
            let key = try r.string("metadata.extra[\(i)].key")
            let value = try r.string("metadata.extra[\(i)].value")
            guard m.extra.updateValue(value, forKey: key) == nil else {
                throw FormatError.invalidValue(field: "metadata.extra[\(i)].key", offset: keyAt, reason: "key \"\(key)\" appears twice")
            }
        }
        guard r.isAtEnd else {
            throw FormatError.invalidValue(field: "metadata", offset: r.position, reason: "\(r.remaining) unexpected bytes after the last field")
        }
        return m
    }

    private static func parsePreprocessing(_ r: inout ByteReader) throws -> Preprocessing {
        let field = "metadata.preprocessing"
        let colorAt = r.position
        let colorCode = try r.u8("\(field).color_order")
        guard let color = ColorOrder(rawValue: colorCode) else {
            throw FormatError.unknownCode(field: "\(field).color_order", offset: colorAt, code: Int(colorCode))
        }
        let resize = try size(&r, "\(field).resize_shorter_side")
        let cropHeight = try size(&r, "\(field).crop_height", atMost: resize)
        let cropWidth = try size(&r, "\(field).crop_width", atMost: resize)
        let scale = try float(&r, "\(field).scale", nonZero: true)
        var mean: [Float] = [], std: [Float] = []
        for c in 0..<3 { mean.append(try float(&r, "\(field).mean[\(c)]", nonZero: false)) }
        for c in 0..<3 { std.append(try float(&r, "\(field).std[\(c)]", nonZero: true)) }
        return Preprocessing(colorOrder: color, resizeShorterSide: resize, cropHeight: cropHeight, cropWidth: cropWidth,
                             scale: scale, mean: mean, std: std)
    }

    private static func parseTokenizer(_ r: inout ByteReader) throws -> TokenizerSettings {
        let field = "metadata.tokenizer"
        let lowercase = try flag(&r, "\(field).lowercase")
        let stripAccents = try flag(&r, "\(field).strip_accents")
        let maxLengthAt = r.position
        let maxLength = Int(try r.u32("\(field).max_length"))
        guard (2...65_536).contains(maxLength) else {
            throw FormatError.invalidValue(field: "\(field).max_length", offset: maxLengthAt, reason: "\(maxLength) is outside 2...65536")
        }
        let count = try r.count("\(field).vocabulary_count", minimumElementSize: 4)
        var vocabulary: [String] = []
        vocabulary.reserveCapacity(count)
        for i in 0..<count { vocabulary.append(try r.string("\(field).vocabulary[\(i)]")) }
        return TokenizerSettings(vocabulary: vocabulary, lowercase: lowercase, stripAccents: stripAccents, maxLength: maxLength)
    }

    private static func flag(_ r: inout ByteReader, _ field: String) throws -> Bool {
        let at = r.position
        switch try r.u8(field) {
        case 0: return false
        case 1: return true
        case let v: throw FormatError.invalidValue(field: field, offset: at, reason: "\(v) is not a boolean (0 or 1)")
        }
    }

    private static func size(_ r: inout ByteReader, _ field: String, atMost limit: Int = 65_535) throws -> Int {
        let at = r.position
        let v = Int(try r.u32(field))
        guard (1...limit).contains(v) else {
            throw FormatError.invalidValue(field: field, offset: at, reason: "\(v) is outside 1...\(limit)")
        }
        return v
    }

    private static func float(_ r: inout ByteReader, _ field: String, nonZero: Bool) throws -> Float {
        let at = r.position
        let v = try r.f32(field)
        guard v.isFinite, !(nonZero && v == 0) else {
            throw FormatError.invalidValue(field: field, offset: at, reason: "\(v) must be finite\(nonZero ? " and non-zero" : "")")
        }
        return v
    }
}
