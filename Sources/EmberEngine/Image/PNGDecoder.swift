import CPNG

/// PNG through libpng (see Sources/CPNG/CPNG.h for the conversions to RGB8).
enum PNGDecoder {
    static func decode(_ bytes: [UInt8], source: String, maxPixels: Int) throws(ImageError) -> RGBImage {
        var width: UInt32 = 0
        var height: UInt32 = 0
        var message = [CChar](repeating: 0, count: 160)
        let limit = UInt64(maxPixels)
        var status = bytes.withUnsafeBytes { raw in
            cpng_decode_rgb8(raw.baseAddress, raw.count, limit, &width, &height, nil, 0, &message, message.count)
        }
        guard status == CPNG_NEED_BUFFER.rawValue else {
            throw error(status, source: source, message: message)
        }
        var pixels = [UInt8](repeating: 0, count: Int(width) * Int(height) * 3)
        status = bytes.withUnsafeBytes { raw in
            pixels.withUnsafeMutableBufferPointer { out in
                cpng_decode_rgb8(raw.baseAddress, raw.count, limit, &width, &height,
                                 out.baseAddress, out.count, &message, message.count)
            }
        }
        guard status == CPNG_OK.rawValue else {
            throw error(status, source: source, message: message)
        }
        return try RGBImage(width: Int(width), height: Int(height), pixels: pixels)
    }

    private static func error(_ status: Int32, source: String, message: [CChar]) -> ImageError {
        let detail = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        switch status {
        case CPNG_NOT_PNG.rawValue: return .notAnImage(source: source)
        case CPNG_TRUNCATED.rawValue: return .truncated(format: "PNG", source: source, detail: detail)
        case CPNG_UNSUPPORTED.rawValue: return .unsupported(format: "PNG", source: source, detail: detail)
        default: return .corrupt(format: "PNG", source: source, detail: detail.isEmpty ? "libpng error" : detail)
        }
    }
}
