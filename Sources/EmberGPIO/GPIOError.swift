/// A GPIO failure, always naming the chip and, where one is involved, the line.
public struct GPIOError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case chipNotFound
        case lineNotFound
        case lineBusy(consumer: String)
        case permissionDenied
        case invalidLine
        case io(errno: Int32)
        case backend(String)
    }

    public let kind: Kind
    public let chip: String
    public let line: LineSelector?
    public let detail: String

    public init(_ kind: Kind, chip: String, line: LineSelector? = nil, detail: String = "") {
        self.kind = kind; self.chip = chip; self.line = line; self.detail = detail
    }

    public var description: String {
        let where_ = line.map { "GPIO chip \"\(chip)\" line \($0)" } ?? "GPIO chip \"\(chip)\""
        let what: String
        switch kind {
        case .chipNotFound: what = "no such chip (not a path, /dev name or label of any gpiochip)"
        case .lineNotFound: what = "no line with that name on this chip"
        case .lineBusy(let consumer):
            what = consumer.isEmpty ? "line is busy (requested by another process)"
                                    : "line is busy (used by \"\(consumer)\")"
        case .permissionDenied: what = "permission denied (add the user to the gpio group, or check the device's mode)"
        case .invalidLine: what = "offset is out of range for this chip"
        case .io(let e): what = "I/O error: \(describeErrno(e))"
        case .backend(let m): what = m
        }
        return detail.isEmpty ? "\(where_): \(what)" : "\(where_): \(what) (\(detail))"
    }
}


func describeErrno(_ code: Int32) -> String {
    guard let s = strerror(code) else { return "errno \(code)" }
    return "\(String(cString: s)) (errno \(code))"
}
