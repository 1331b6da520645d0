import EmberFormat
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A Hugging Face `.safetensors` file, checked as untrusted input: an 8-byte little-endian header
/// length, a JSON header `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}`,
/// then the tensor bytes (offsets relative to the end of the header). Every tensor's byte range
/// must lie inside the data, match its dtype and shape, and not overlap another's.
public struct SafeTensorsFile: Sendable {
    public enum DType: String, Sendable {
        case f32 = "F32", f16 = "F16", bf16 = "BF16", f64 = "F64"
        case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", bool = "BOOL"

        var size: Int {
            switch self {
            case .f64, .i64: 8
            case .f32, .i32: 4
            case .f16, .bf16, .i16: 2
            case .i8, .u8, .bool: 1
            }
        }
    }

    public struct Tensor: Sendable, Equatable {
        public let dtype: DType
        public let shape: [Int]
        /// Byte range in the file (absolute).
        public let range: Range<Int>
    }

    /// Headers larger than this are refused (real ones are tens of kilobytes).
    public static let maxHeaderBytes = 100 << 20

    public let bytes: [UInt8]
    public let tensors: [String: Tensor]
    public let metadata: [String: String]

    public init(bytes: [UInt8]) throws(ConversionError) {
        guard bytes.count >= 8 else { throw Self.fail("file has \(bytes.count) bytes, shorter than the 8-byte header length") }
        var length: UInt64 = 0
        for i in (0..<8).reversed() { length = length << 8 | UInt64(bytes[i]) }
        guard length >= 2, length <= UInt64(Self.maxHeaderBytes), length <= UInt64(bytes.count - 8) else {
            throw Self.fail("header length \(length) at offset 0 does not fit the file of \(bytes.count) bytes (or exceeds \(Self.maxHeaderBytes))")
        }
        let dataStart = 8 + Int(length)
        let header: [String: HeaderEntry]
        do {
            header = try JSONDecoder().decode([String: HeaderEntry].self, from: Data(bytes[8..<dataStart]))
        } catch {
            throw Self.fail("header (bytes 8..<\(dataStart)) is not the expected JSON: \(error)")
        }
        let dataCount = bytes.count - dataStart
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        for (name, entry) in header {
            switch entry {
            case .metadata(let m):
                guard name == "__metadata__" else { throw Self.fail("tensor '\(name)': not a tensor description") }
                metadata = m
            case .tensor(let dtypeName, let shape, let offsets):
                guard name != "__metadata__" else { throw Self.fail("__metadata__ must map strings to strings") }
                guard let dtype = DType(rawValue: dtypeName) else { throw Self.fail("tensor '\(name)': unknown dtype '\(dtypeName)'") }
                guard offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= dataCount else {
                    throw Self.fail("tensor '\(name)': data_offsets \(offsets) outside the \(dataCount) data bytes")
                }
                var elements = 1
                for d in shape {
                    guard d >= 0 else { throw Self.fail("tensor '\(name)': negative dimension in shape \(shape)") }
                    let (p, o) = elements.multipliedReportingOverflow(by: d)
                    guard !o else { throw Self.fail("tensor '\(name)': shape \(shape) overflows") }
                    elements = p
                }
                let (byteCount, o) = elements.multipliedReportingOverflow(by: dtype.size)
                guard !o, byteCount == offsets[1] - offsets[0] else {
                    throw Self.fail("tensor '\(name)': \(dtypeName) \(shape) needs \(elements) elements but data_offsets \(offsets) hold \(offsets[1] - offsets[0]) bytes")
                }
                tensors[name] = Tensor(dtype: dtype, shape: shape, range: (dataStart + offsets[0])..<(dataStart + offsets[1]))
            }
        }
        let sorted = tensors.sorted { $0.value.range.lowerBound < $1.value.range.lowerBound }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.value.range.overlaps(b.value.range) {
            throw Self.fail("tensors '\(a.key)' and '\(b.key)' overlap")
        }
        self.bytes = bytes
        self.tensors = tensors
        self.metadata = metadata
    }

    /// A tensor as float32 (F32, F16 and BF16 converted exactly), checked against `shape`.
    public func floats(_ name: String, shape expected: [Int]) throws(ConversionError) -> [Float] {
        guard let t = tensors[name] else { throw Self.fail("tensor '\(name)' is missing") }
        guard t.shape == expected else { throw Self.fail("tensor '\(name)' has shape \(t.shape), expected \(expected)") }
        let count = t.range.count / t.dtype.size
        var out = [Float](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            let base = t.range.lowerBound
            switch t.dtype {
            case .f32:
                for i in 0..<count { out[i] = Float(bitPattern: raw.loadUnaligned(fromByteOffset: base + 4 * i, as: UInt32.self).littleEndian) }
            case .f16:
                for i in 0..<count { out[i] = halfToFloat(raw.loadUnaligned(fromByteOffset: base + 2 * i, as: UInt16.self).littleEndian) }
            case .bf16:
                for i in 0..<count { out[i] = Float(bitPattern: UInt32(raw.loadUnaligned(fromByteOffset: base + 2 * i, as: UInt16.self).littleEndian) << 16) }
            default:
                break
            }
        }
        guard [.f32, .f16, .bf16].contains(t.dtype) else {
            throw Self.fail("tensor '\(name)' is \(t.dtype.rawValue), expected F32, F16 or BF16")
        }
        return out
    }

    static func fail(_ reason: String) -> ConversionError { .model("safetensors: \(reason)") }

    /// One value of the header object: a tensor description or the string map `__metadata__`.
    private enum HeaderEntry: Decodable {
        case tensor(dtype: String, shape: [Int], offsets: [Int])
        case metadata([String: String])

        private enum Keys: String, CodingKey { case dtype, shape, data_offsets }

        init(from decoder: Decoder) throws {
            if let c = try? decoder.container(keyedBy: Keys.self), c.contains(.dtype) {
                self = .tensor(dtype: try c.decode(String.self, forKey: .dtype), shape: try c.decode([Int].self, forKey: .shape),
                               offsets: try c.decode([Int].self, forKey: .data_offsets))
            } else {
                self = .metadata(try decoder.singleValueContainer().decode([String: String].self))
            }
        }
    }
}

