/// One node of the graph: reads `inputs`, writes `outputs` (tensor indices), with typed attributes.
public struct Op: Sendable, Equatable {
    /// Position in the graph (ops are stored in a topological order).
    public let index: Int
    public let kind: OpKind
    public let inputs: [Int]
    public let outputs: [Int]
    public let attributes: [AttributeKey: AttributeValue]

    public init(index: Int, kind: OpKind, inputs: [Int], outputs: [Int],
                attributes: [AttributeKey: AttributeValue] = [:]) {
        self.index = index
        self.kind = kind
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
    }

    /// The value of an int attribute; throws `FormatError.missingAttribute` or
    /// `FormatError.attributeType` naming the op and key.
    public func int(_ key: AttributeKey) throws -> Int {
        guard case .int(let v) = try value(key, expecting: .int) else { throw typeError(key, .int) }
        return v
    }

    public func float(_ key: AttributeKey) throws -> Float {
        guard case .float(let v) = try value(key, expecting: .float) else { throw typeError(key, .float) }
        return v
    }

    public func ints(_ key: AttributeKey) throws -> [Int] {
        guard case .ints(let v) = try value(key, expecting: .ints) else { throw typeError(key, .ints) }
        return v
    }

    public func floats(_ key: AttributeKey) throws -> [Float] {
        guard case .floats(let v) = try value(key, expecting: .floats) else { throw typeError(key, .floats) }
        return v
    }

    public func string(_ key: AttributeKey) throws -> String {
        guard case .string(let v) = try value(key, expecting: .string) else { throw typeError(key, .string) }
        return v
    }

    /// An int attribute that may be absent (e.g. padding that defaults to 0).
    public func int(_ key: AttributeKey, default fallback: Int) throws -> Int {
        attributes[key] == nil ? fallback : try int(key)
    }

    private func value(_ key: AttributeKey, expecting type: AttributeType) throws -> AttributeValue {
        guard let v = attributes[key] else {
            throw FormatError.missingAttribute(op: index, kind: kind, key: key)
        }
        guard v.type == type else { throw typeError(key, type) }
        return v
    }

    private func typeError(_ key: AttributeKey, _ expected: AttributeType) -> FormatError {
        .attributeType(op: index, kind: kind, key: key, expected: expected,
                       actual: attributes[key]?.type ?? expected)
    }
}
