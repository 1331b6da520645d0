#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Decodes PNG and JPEG files to RGB8, recognised by their signatures (not their names).
public enum ImageDecoder {
    /// Refuse images above this many pixels by default (about a 100-megapixel photo).
    public static let defaultMaxPixels = 100_000_000

    public static func decode(_ bytes: [UInt8], source: String = "image data",
                              maxPixels: Int = defaultMaxPixels) throws(ImageError) -> RGBImage {
        if let format = signatureFormat(bytes) {
            if bytes.count < format.signature.count + 4 {
                throw .truncated(format: format.name, source: source, detail: "only \(bytes.count) bytes")
            }
            return format.name == "PNG"
                ? try PNGDecoder.decode(bytes, source: source, maxPixels: maxPixels)
                : try JPEGDecoder.decode(bytes, source: source, maxPixels: maxPixels)
        }
        throw .notAnImage(source: source)
    }

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    static let jpegSignature: [UInt8] = [0xFF, 0xD8, 0xFF]

    /// The format whose signature starts the bytes, or which the (short) bytes are a start of.
    static func signatureFormat(_ bytes: [UInt8]) -> (name: String, signature: [UInt8])? {
        for (name, signature) in [("PNG", pngSignature), ("JPEG", jpegSignature)] {
            let n = min(bytes.count, signature.count)
            if n > 0, bytes.prefix(n).elementsEqual(signature.prefix(n)) { return (name, signature) }
        }
        return nil
    }

    public static func decode(fileAtPath path: String, maxPixels: Int = defaultMaxPixels) throws(ImageError) -> RGBImage {
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw .unreadable(source: path, detail: "\(error)")
        }
        return try decode(bytes, source: path, maxPixels: maxPixels)
    }
}
