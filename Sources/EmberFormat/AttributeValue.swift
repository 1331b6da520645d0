/// A typed attribute value.
public enum AttributeValue: Sendable, Equatable {
    case int(Int)
    case float(Float)
    case ints([Int])
    case floats([Float])
    case string(String)

    public var type: AttributeType {
        switch self {
        case .int: .int
        case .float: .float
        case .ints: .ints
        case .floats: .floats
        case .string: .string
        }
    }
}
