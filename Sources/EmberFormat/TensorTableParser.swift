/// The tensor table: per tensor its name, dtype, shape, quantization and data location.
enum TensorTableParser {
    struct Table {
        var descriptions: [TensorDescription]
        var dataRanges: [Range<Int>?]
    }

    private static let flagQuantized: UInt8 = 1
    private static let flagHasData: UInt8 = 2

    static func parse(_ file: UnsafeRawBufferPointer, section: Range<Int>, data: Range<Int>) throws -> Table {
        var r = ByteReader(file: file, start: section.lowerBound, end: section.upperBound)
        // Smallest record: name length (4) + dtype, rank, flags, reserved (4).
        let count = try r.count("tensors.count", minimumElementSize: 8)
        var table = Table(descriptions: [], dataRanges: [])
        table.descriptions.reserveCapacity(count)
        table.dataRanges.reserveCapacity(count)
        for i in 0..<count {
            let (description, range) = try parseTensor(&r, index: i, data: data)
            table.descriptions.append(description)
            table.dataRanges.append(range)
        }
        guard r.isAtEnd else {
            throw FormatError.invalidValue(field: "tensors", offset: r.position, reason: "\(r.remaining) unexpected bytes after the last tensor")
        }
        return table
    }

    private static func parseTensor(_ r: inout ByteReader, index i: Int, data: Range<Int>) throws -> (TensorDescription, Range<Int>?) {
        let field = "tensor[\(i)]"
        let name = try r.string("\(field).name")
        let dtypeAt = r.position
        let dtypeCode = try r.u8("\(field).dtype")
        guard let dtype = DType(rawValue: dtypeCode) else {
            throw FormatError.unknownCode(field: "\(field).dtype", offset: dtypeAt, code: Int(dtypeCode))
        }
        let rankAt = r.position
        let rank = Int(try r.u8("\(field).rank"))
        guard rank <= FileLayout.maxRank else {
            throw FormatError.invalidValue(field: "\(field).rank", offset: rankAt, reason: "\(rank) exceeds the maximum rank \(FileLayout.maxRank)")
        }
        let flagsAt = r.position
        let flags = try r.u8("\(field).flags")
        guard flags & ~(flagQuantized | flagHasData) == 0 else {
            throw FormatError.invalidValue(field: "\(field).flags", offset: flagsAt, reason: "unknown flag bits 0x\(String(flags, radix: 16))")
        }
        let reservedAt = r.position
        guard try r.u8("\(field).reserved") == 0 else {
            throw FormatError.invalidValue(field: "\(field).reserved", offset: reservedAt, reason: "reserved byte must be zero")
        }

        let shapeAt = r.position
        var shape: [Int] = []
        var elements = 1
        for d in 0..<rank {
            let at = r.position
            let dim = try r.i64("\(field).shape[\(d)]")
            guard dim >= 1, dim <= FileLayout.maxDimension else {
                throw FormatError.invalidValue(field: "\(field).shape[\(d)]", offset: at,
                                               reason: "dimension \(dim) is outside 1...\(FileLayout.maxDimension)")
            }
            let (product, overflow) = elements.multipliedReportingOverflow(by: Int(dim))
            guard !overflow else { throw FormatError.overflow(field: "\(field).shape", offset: shapeAt) }
            elements = product
            shape.append(Int(dim))
        }
        let (byteCount, byteOverflow) = elements.multipliedReportingOverflow(by: dtype.elementSize)
        guard !byteOverflow else { throw FormatError.overflow(field: "\(field).shape", offset: shapeAt) }

        var quantization: Quantization?
        if flags & flagQuantized != 0 {
            quantization = try parseQuantization(&r, field: field, dtype: dtype, shape: shape)
        }

        var range: Range<Int>?
        if flags & flagHasData != 0 {
            let offsetAt = r.position
            let rawOffset = try r.u64("\(field).data_offset")
            let lengthAt = r.position
            let rawLength = try r.u64("\(field).data_length")
            guard let offset = Int(exactly: rawOffset), offset <= data.count else {
                throw FormatError.invalidValue(field: "\(field).data_offset", offset: offsetAt,
                                               reason: "\(rawOffset) is past the end of the data section (\(data.count) bytes)")
            }
            guard offset % FileLayout.dataAlignment == 0 else {
                throw FormatError.misaligned(field: "\(field).data_offset", offset: offsetAt, value: offset, alignment: FileLayout.dataAlignment)
            }
            guard let length = Int(exactly: rawLength), length <= data.count - offset else {
                throw FormatError.invalidValue(field: "\(field).data_length", offset: lengthAt,
                                               reason: "\(rawLength) bytes at data offset \(offset) run past the end of the data section (\(data.count) bytes)")
            }
            if dtype == .packed {
                guard length > 0 else {
                    throw FormatError.invalidValue(field: "\(field).data_length", offset: lengthAt, reason: "a packed tensor cannot be empty")
                }
            } else {
                guard length == byteCount else {
                    throw FormatError.invalidValue(field: "\(field).data_length", offset: lengthAt,
                                                   reason: "is \(length) bytes but \(dtype) \(shape) needs \(byteCount)")
                }
            }
            range = (data.lowerBound + offset)..<(data.lowerBound + offset + length)
        }
        return (TensorDescription(name: name, dtype: dtype, shape: shape, quantization: quantization), range)
    }

    private static func parseQuantization(_ r: inout ByteReader, field: String, dtype: DType, shape: [Int]) throws -> Quantization {
        let dimAt = r.position
        let dimension = Int(try r.u32("\(field).quantization.dimension"))
        let countAt = r.position
        // Each channel has a scale (4 bytes) and a zero point (4 bytes).
        let channels = try r.count("\(field).quantization.count", minimumElementSize: 8)
        if channels == 1 {
            guard dimension == 0 || dimension < shape.count else {
                throw FormatError.invalidValue(field: "\(field).quantization.dimension", offset: dimAt,
                                               reason: "\(dimension) is not a dimension of a rank-\(shape.count) tensor")
            }
        } else {
            guard dimension < shape.count else {
                throw FormatError.invalidValue(field: "\(field).quantization.dimension", offset: dimAt,
                                               reason: "\(dimension) is not a dimension of a rank-\(shape.count) tensor")
            }
            guard channels == shape[dimension] else {
                throw FormatError.invalidValue(field: "\(field).quantization.count", offset: countAt,
                                               reason: "\(channels) channels but dimension \(dimension) of \(shape) has \(shape[dimension])")
            }
        }
        var scales: [Float] = []
        scales.reserveCapacity(channels)
        for c in 0..<channels {
            let at = r.position
            let s = try r.f32("\(field).quantization.scale[\(c)]")
            guard s.isFinite, s >= 0 else {
                throw FormatError.invalidValue(field: "\(field).quantization.scale[\(c)]", offset: at, reason: "\(s) must be finite and non-negative")
            }
            scales.append(s)
        }
        let zeroRange: ClosedRange<Int32>? = switch dtype {
        case .int8, .packed: -128...127
        case .uint8: 0...255
        case .int16: -32768...32767
        default: nil
        }
        var zeroPoints: [Int32] = []
        zeroPoints.reserveCapacity(channels)
        for c in 0..<channels {
            let at = r.position
            let z = try r.i32("\(field).quantization.zero_point[\(c)]")
            if let zeroRange, !zeroRange.contains(z) {
                throw FormatError.invalidValue(field: "\(field).quantization.zero_point[\(c)]", offset: at,
                                               reason: "\(z) is outside \(zeroRange.lowerBound)...\(zeroRange.upperBound) for \(dtype)")
            }
            zeroPoints.append(z)
        }
        return Quantization(scales: scales, zeroPoints: zeroPoints, quantizedDimension: dimension)
    }
}
