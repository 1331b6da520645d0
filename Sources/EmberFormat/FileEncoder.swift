/// Lays out a `ModelWriter`'s contents as a v1 file (docs/model-format.md): header, tensor
/// table, graph, metadata, 64-aligned data section, tail padding; then stamps the CRC-32C.
/// Only checks what it must to encode (values that do not fit their field); everything else is
/// left to the reader's validation, which `ModelWriter.serialize()` runs on the result.
struct FileEncoder {
    let writer: ModelWriter
    let data: [[UInt8]?]

    func encode() throws -> [UInt8] {
        // Data section layout first: tensor offsets go into the tensor table.
        var dataOffsets: [Int?] = []
        var dataLength = 0
        for blob in data {
            guard let blob else { dataOffsets.append(nil); continue }
            dataOffsets.append(dataLength)
            dataLength = roundUp(dataLength + blob.count)
        }

        var w = ByteWriter()
        w.zeros(FileLayout.headerSize)
        var sections: [(offset: Int, length: Int)] = []

        var start = w.count
        try encodeTensors(&w, dataOffsets: dataOffsets)
        sections.append((start, w.count - start))

        start = w.count
        try encodeGraph(&w)
        sections.append((start, w.count - start))

        start = w.count
        try encodeMetadata(&w)
        sections.append((start, w.count - start))

        w.pad(to: FileLayout.dataAlignment)
        start = w.count
        for (blob, offset) in zip(data, dataOffsets) {
            guard let blob, let offset else { continue }
            w.zeros(start + offset - w.count)
            w.raw(blob)
        }
        w.zeros(start + dataLength - w.count)
        sections.append((start, dataLength))
        w.zeros(FileLayout.tailPadding)

        // Header.
        for (i, b) in FileLayout.magic.enumerated() { w.patch(b, at: FileLayout.magicOffset + i) }
        w.patch(FileLayout.version, at: FileLayout.versionOffset)
        w.patch(UInt16(FileLayout.headerSize), at: FileLayout.headerSizeOffset)
        w.patch(UInt32(0), at: FileLayout.flagsOffset)
        w.patch(UInt64(w.count), at: FileLayout.fileSizeOffset)
        w.patch(UInt32(FileLayout.sectionCount), at: FileLayout.sectionCountOffset)
        for (i, s) in sections.enumerated() {
            let entry = FileLayout.sectionTableOffset + i * FileLayout.sectionEntrySize
            w.patch(UInt64(s.offset), at: entry)
            w.patch(UInt64(s.length), at: entry + 8)
        }
        var bytes = w.bytes
        let crc = bytes.withUnsafeBytes { CRC32C.ofFile($0) }
        withUnsafeBytes(of: crc.littleEndian) { src in
            for i in 0..<4 { bytes[FileLayout.checksumOffset + i] = src[i] }
        }
        return bytes
    }

    private func encodeTensors(_ w: inout ByteWriter, dataOffsets: [Int?]) throws {
        w.u32(try u32(writer.tensors.count, "tensor count"))
        for (i, t) in writer.tensors.enumerated() {
            try string(&w, t.name, "tensor[\(i)].name")
            w.u8(t.dtype.rawValue)
            guard t.shape.count <= FileLayout.maxRank else {
                throw FormatError.invalidModel(reason: "tensor[\(i)] has rank \(t.shape.count), at most \(FileLayout.maxRank)")
            }
            w.u8(UInt8(t.shape.count))
            w.u8((t.quantization == nil ? 0 : 1) | (dataOffsets[i] == nil ? 0 : 2))
            w.u8(0)
            for d in t.shape { w.i64(Int64(d)) }
            if let q = t.quantization {
                w.u32(try u32(q.quantizedDimension, "tensor[\(i)] quantized dimension"))
                guard q.scales.count == q.zeroPoints.count else {
                    throw FormatError.invalidModel(reason: "tensor[\(i)] has \(q.scales.count) scales but \(q.zeroPoints.count) zero points")
                }
                w.u32(try u32(q.scales.count, "tensor[\(i)] scale count"))
                for s in q.scales { w.f32(s) }
                for z in q.zeroPoints { w.i32(z) }
            }
            if let offset = dataOffsets[i], let blob = data[i] {
                w.u64(UInt64(offset))
                w.u64(UInt64(blob.count))
            }
        }
    }

    private func encodeGraph(_ w: inout ByteWriter) throws {
        w.u32(try u32(writer.ops.count, "op count"))
        for op in writer.ops {
            let name = "op[\(op.index)]"
            guard op.inputs.count <= FileLayout.maxOpArity, op.outputs.count <= FileLayout.maxOpArity else {
                throw FormatError.invalidModel(reason: "\(name) has more than \(FileLayout.maxOpArity) inputs or outputs")
            }
            w.u16(op.kind.rawValue)
            w.u8(UInt8(op.inputs.count))
            w.u8(UInt8(op.outputs.count))
            w.u16(try u16(op.attributes.count, "\(name) attribute count"))
            w.u16(0)
            for t in op.inputs { w.u32(try u32(t, "\(name) input")) }
            for t in op.outputs { w.u32(try u32(t, "\(name) output")) }
            for key in op.attributes.keys.sorted(by: { $0.rawValue < $1.rawValue }) {
                guard let value = op.attributes[key] else { continue }
                w.u16(key.rawValue)
                w.u8(value.type.rawValue)
                w.u8(0)
                switch value {
                case .int(let v): w.i64(Int64(v))
                case .float(let v): w.f32(v)
                case .ints(let v):
                    w.u32(try u32(v.count, "\(name).\(key) length"))
                    for x in v { w.i64(Int64(x)) }
                case .floats(let v):
                    w.u32(try u32(v.count, "\(name).\(key) length"))
                    for x in v { w.f32(x) }
                case .string(let v): try string(&w, v, "\(name).\(key)")
                }
            }
        }
        for (list, what) in [(writer.inputs, "graph input"), (writer.outputs, "graph output")] {
            w.u32(try u32(list.count, "\(what) count"))
            for t in list { w.u32(try u32(t, what)) }
        }
    }

    private func encodeMetadata(_ w: inout ByteWriter) throws {
        let m = writer.metadata
        try string(&w, m.name, "metadata.name")
        w.u8(m.kind.rawValue)
        try string(&w, m.producer, "metadata.producer")
        try string(&w, m.packingFamily, "metadata.packing_family")
        if let p = m.preprocessing {
            guard p.mean.count == 3, p.std.count == 3 else {
                throw FormatError.invalidModel(reason: "preprocessing mean and std need 3 values each")
            }
            w.u8(1)
            w.u8(p.colorOrder.rawValue)
            w.u32(try u32(p.resizeShorterSide, "preprocessing.resize_shorter_side"))
            w.u32(try u32(p.cropHeight, "preprocessing.crop_height"))
            w.u32(try u32(p.cropWidth, "preprocessing.crop_width"))
            w.f32(p.scale)
            for v in p.mean { w.f32(v) }
            for v in p.std { w.f32(v) }
        } else {
            w.u8(0)
        }
        w.u32(try u32(m.labels.count, "label count"))
        for (i, l) in m.labels.enumerated() { try string(&w, l, "metadata.labels[\(i)]") }
        if let t = m.tokenizer {
            w.u8(1)
            w.u8(t.lowercase ? 1 : 0)
            w.u8(t.stripAccents ? 1 : 0)
            w.u32(try u32(t.maxLength, "tokenizer.max_length"))
            w.u32(try u32(t.vocabulary.count, "vocabulary size"))
            for (i, s) in t.vocabulary.enumerated() { try string(&w, s, "metadata.vocabulary[\(i)]") }
        } else {
            w.u8(0)
        }
        w.u32(try u32(m.extra.count, "extra count"))
        for key in m.extra.keys.sorted() {
            try string(&w, key, "metadata.extra key")
            try string(&w, m.extra[key] ?? "", "metadata.extra[\(key)]")
        }
    }

    private func string(_ w: inout ByteWriter, _ s: String, _ what: String) throws {
        _ = try u32(s.utf8.count, what + " length")
        w.string(s)
    }

    private func u32(_ v: Int, _ what: String) throws -> UInt32 {
        guard let r = UInt32(exactly: v) else {
            throw FormatError.invalidModel(reason: "\(what) \(v) does not fit in 32 bits unsigned")
        }
        return r
    }

    private func u16(_ v: Int, _ what: String) throws -> UInt16 {
        guard let r = UInt16(exactly: v) else {
            throw FormatError.invalidModel(reason: "\(what) \(v) does not fit in 16 bits unsigned")
        }
        return r
    }

    private func roundUp(_ n: Int) -> Int {
        (n + FileLayout.dataAlignment - 1) / FileLayout.dataAlignment * FileLayout.dataAlignment
    }
}
