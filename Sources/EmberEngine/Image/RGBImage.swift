/// An 8-bit RGB image, rows top to bottom, pixels interleaved R, G, B with no row padding.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// `width * height * 3` bytes.
    public let pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) throws(ImageError) {
        guard width > 0, height > 0 else {
            throw .invalidSize("image of \(width)x\(height) pixels has no area")
        }
        let (area, o1) = width.multipliedReportingOverflow(by: height)
        let (count, o2) = area.multipliedReportingOverflow(by: 3)
        guard !o1, !o2, count == pixels.count else {
            throw .invalidSize("\(width)x\(height) RGB image needs \(o1 || o2 ? "too many" : String(count)) bytes, got \(pixels.count)")
        }
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}
