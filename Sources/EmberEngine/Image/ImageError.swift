/// Why an image could not be read or prepared. Every case names the source and the reason.
public enum ImageError: Error, Equatable, CustomStringConvertible {
    /// The bytes are neither PNG nor JPEG.
    case notAnImage(source: String)
    /// The data ends before the image does.
    case truncated(format: String, source: String, detail: String)
    /// A well-formed image this decoder refuses (CMYK JPEG, too many pixels, ...).
    case unsupported(format: String, source: String, detail: String)
    /// The decoder rejected the data (bad checksum, bad Huffman table, ...).
    case corrupt(format: String, source: String, detail: String)
    /// The file could not be read at all.
    case unreadable(source: String, detail: String)
    /// Sizes that make no sense (zero area, crop larger than the image, ...).
    case invalidSize(String)

    public var description: String {
        switch self {
        case .notAnImage(let source):
            return "\(source): not an image (neither PNG nor JPEG signature)"
        case .truncated(let format, let source, let detail):
            return "\(source): truncated \(format)\(detail.isEmpty ? "" : " (\(detail))")"
        case .unsupported(let format, let source, let detail):
            return "\(source): unsupported \(format): \(detail)"
        case .corrupt(let format, let source, let detail):
            return "\(source): corrupt \(format): \(detail)"
        case .unreadable(let source, let detail):
            return "\(source): cannot read: \(detail)"
        case .invalidSize(let detail):
            return "invalid image size: \(detail)"
        }
    }
}
