import CTurboJPEG

/// JPEG through libturbojpeg, to RGB with the accurate integer IDCT and fancy upsampling
/// (the libjpeg defaults PIL uses too). EXIF orientation is not applied (PIL does not either).
enum JPEGDecoder {
    static func decode(_ bytes: [UInt8], source: String, maxPixels: Int) throws(ImageError) -> RGBImage {
        guard let handle = tjInitDecompress() else {
            throw .unsupported(format: "JPEG", source: source, detail: "libturbojpeg failed to initialise")
        }
        defer { tjDestroy(handle) }
        guard bytes.count <= Int(UInt32.max) else {
            throw .unsupported(format: "JPEG", source: source, detail: "larger than 4 GiB")
        }
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        let headerStatus = bytes.withUnsafeBufferPointer { buf in
            tjDecompressHeader3(handle, buf.baseAddress, UInt(buf.count), &width, &height, &subsampling, &colorspace)
        }
        guard headerStatus == 0 else { throw error(handle, bytes, source: source) }
        guard width > 0, height > 0 else {
            if !hasEndMarker(bytes) { throw .truncated(format: "JPEG", source: source, detail: "no end of image marker") }
            throw .corrupt(format: "JPEG", source: source, detail: "\(width)x\(height) pixels")
        }
        guard Int(width) * Int(height) <= maxPixels else {
            throw .unsupported(format: "JPEG", source: source,
                               detail: "\(width)x\(height) pixels exceed the limit of \(maxPixels)")
        }
        guard colorspace != ctj_colorspace_cmyk(), colorspace != ctj_colorspace_ycck() else {
            throw .unsupported(format: "JPEG", source: source, detail: "CMYK colour space")
        }
        var pixels = [UInt8](repeating: 0, count: Int(width) * Int(height) * 3)
        let status = bytes.withUnsafeBufferPointer { buf in
            pixels.withUnsafeMutableBufferPointer { out in
                tjDecompress2(handle, buf.baseAddress, UInt(buf.count), out.baseAddress, width, 0, height,
                              ctj_pixel_format_rgb(), ctj_decode_flags())
            }
        }
        guard status == 0 else { throw error(handle, bytes, source: source) }
        return try RGBImage(width: Int(width), height: Int(height), pixels: pixels)
    }

    /// libjpeg's memory source pads missing data with an end marker, so a cut file surfaces as
    /// whatever error the padding causes ("Bogus Huffman table", "missing SOS marker", ...). A
    /// failed decode of data with no end-of-image marker after its first scan is called truncated.
    private static func error(_ handle: tjhandle, _ bytes: [UInt8], source: String) -> ImageError {
        let detail = tjGetErrorStr2(handle).map { String(cString: $0) } ?? "libturbojpeg error"
        let lower = detail.lowercased()
        if lower.contains("premature end") || !hasEndMarker(bytes) {
            return .truncated(format: "JPEG", source: source, detail: detail)
        }
        if lower.contains("unsupported") || lower.contains("not supported") {
            return .unsupported(format: "JPEG", source: source, detail: detail)
        }
        return .corrupt(format: "JPEG", source: source, detail: detail)
    }

    /// True if an end-of-image marker (FF D9) follows the first start-of-scan marker (FF DA).
    /// Inside entropy-coded data FF is always followed by 00 or a restart marker, so FF D9 there
    /// is the real end.
    static func hasEndMarker(_ bytes: [UInt8]) -> Bool {
        var firstScan: Int?
        var lastEnd: Int?
        var i = 0
        while i + 1 < bytes.count {
            if bytes[i] == 0xFF {
                if bytes[i + 1] == 0xDA, firstScan == nil { firstScan = i }
                if bytes[i + 1] == 0xD9 { lastEnd = i }
            }
            i += 1
        }
        guard let scan = firstScan, let end = lastEnd else { return false }
        return end > scan
    }
}
