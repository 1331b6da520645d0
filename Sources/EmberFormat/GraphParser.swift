/// The graph section: op records with typed attributes, then the graph inputs and outputs.
/// Checks codes, types, ranges and that every tensor reference exists; the graph's shape
/// (single producers, no cycles, order) is `GraphValidator`'s job.
enum GraphParser {
    struct Graph {
        var ops: [Op]
        var opOffsets: [Int]
        /// Byte offset of each op's input and output references, for precise graph errors.
        var inputOffsets: [[Int]]
        var outputOffsets: [[Int]]
        var inputs: [Int]
        var inputListOffset: Int
        var outputs: [Int]
        var outputListOffset: Int
        var tensorCount: Int
    }

    static func parse(_ file: UnsafeRawBufferPointer, section: Range<Int>, tensorCount: Int) throws -> Graph {
        var r = ByteReader(file: file, start: section.lowerBound, end: section.upperBound)
        // Smallest op record: kind, counts, attribute count, reserved (8 bytes).
        let count = try r.count("graph.op_count", minimumElementSize: 8)
        var g = Graph(ops: [], opOffsets: [], inputOffsets: [], outputOffsets: [], inputs: [], inputListOffset: 0,
                      outputs: [], outputListOffset: 0, tensorCount: tensorCount)
        g.ops.reserveCapacity(count)
        for j in 0..<count {
            g.opOffsets.append(r.position)
            let (op, inputOffsets, outputOffsets) = try parseOp(&r, index: j, tensorCount: tensorCount)
            g.ops.append(op)
            g.inputOffsets.append(inputOffsets)
            g.outputOffsets.append(outputOffsets)
        }
        g.inputListOffset = r.position
        g.inputs = try parseTensorList(&r, field: "graph.input", tensorCount: tensorCount)
        g.outputListOffset = r.position
        g.outputs = try parseTensorList(&r, field: "graph.output", tensorCount: tensorCount)
        guard r.isAtEnd else {
            throw FormatError.invalidValue(field: "graph", offset: r.position, reason: "\(r.remaining) unexpected bytes after the graph outputs")
        }
        return g
    }

    private static func parseOp(_ r: inout ByteReader, index j: Int, tensorCount: Int) throws -> (Op, [Int], [Int]) {
        let field = "op[\(j)]"
        let kindAt = r.position
        let kindCode = try r.u16("\(field).kind")
        guard let kind = OpKind(rawValue: kindCode) else {
            throw FormatError.unknownCode(field: "\(field).kind", offset: kindAt, code: Int(kindCode))
        }
        let inputCount = Int(try r.u8("\(field).input_count"))
        let outputCountAt = r.position
        let outputCount = Int(try r.u8("\(field).output_count"))
        guard outputCount >= 1 else {
            throw FormatError.invalidGraph(field: "\(field).output_count", offset: outputCountAt, reason: "an op needs at least one output")
        }
        let attributeCount = Int(try r.u16("\(field).attribute_count"))
        let reservedAt = r.position
        guard try r.u16("\(field).reserved") == 0 else {
            throw FormatError.invalidValue(field: "\(field).reserved", offset: reservedAt, reason: "reserved bytes must be zero")
        }
        var inputs: [Int] = [], inputOffsets: [Int] = []
        for k in 0..<inputCount {
            inputOffsets.append(r.position)
            inputs.append(try tensorReference(&r, field: "\(field).input[\(k)]", tensorCount: tensorCount))
        }
        var outputs: [Int] = [], outputOffsets: [Int] = []
        for k in 0..<outputCount {
            outputOffsets.append(r.position)
            outputs.append(try tensorReference(&r, field: "\(field).output[\(k)]", tensorCount: tensorCount))
        }
        var attributes: [AttributeKey: AttributeValue] = [:]
        for a in 0..<attributeCount {
            let keyAt = r.position
            let (key, value) = try parseAttribute(&r, field: "\(field).attribute[\(a)]", opField: field)
            guard attributes.updateValue(value, forKey: key) == nil else {
                throw FormatError.invalidValue(field: "\(field).\(key)", offset: keyAt, reason: "attribute appears twice")
            }
        }
        return (Op(index: j, kind: kind, inputs: inputs, outputs: outputs, attributes: attributes), inputOffsets, outputOffsets)
    }

    private static func parseAttribute(_ r: inout ByteReader, field: String, opField: String) throws -> (AttributeKey, AttributeValue) {
        let keyAt = r.position
        let keyCode = try r.u16("\(field).key")
        guard let key = AttributeKey(rawValue: keyCode) else {
            throw FormatError.unknownCode(field: "\(field).key", offset: keyAt, code: Int(keyCode))
        }
        let named = "\(opField).\(key)"
        let typeAt = r.position
        let typeCode = try r.u8("\(named).type")
        guard let type = AttributeType(rawValue: typeCode) else {
            throw FormatError.unknownCode(field: "\(named).type", offset: typeAt, code: Int(typeCode))
        }
        guard type == key.valueType else {
            throw FormatError.invalidValue(field: "\(named).type", offset: typeAt, reason: "is \(type), \(key) must be \(key.valueType)")
        }
        let reservedAt = r.position
        guard try r.u8("\(named).reserved") == 0 else {
            throw FormatError.invalidValue(field: "\(named).reserved", offset: reservedAt, reason: "reserved byte must be zero")
        }
        let valueAt = r.position
        let value: AttributeValue
        switch type {
        case .int:
            value = .int(try int(&r, named))
        case .float:
            value = .float(try r.f32(named))
        case .ints:
            let n = try r.count("\(named).count", minimumElementSize: 8)
            var v: [Int] = []
            v.reserveCapacity(n)
            for i in 0..<n { v.append(try int(&r, "\(named)[\(i)]")) }
            value = .ints(v)
        case .floats:
            let n = try r.count("\(named).count", minimumElementSize: 4)
            var v: [Float] = []
            v.reserveCapacity(n)
            for i in 0..<n { v.append(try r.f32("\(named)[\(i)]")) }
            value = .floats(v)
        case .string:
            value = .string(try r.string(named))
        }
        if let problem = key.problem(with: value) {
            throw FormatError.invalidValue(field: named, offset: valueAt, reason: problem)
        }
        return (key, value)
    }

    private static func int(_ r: inout ByteReader, _ field: String) throws -> Int {
        let at = r.position
        let v = try r.i64(field)
        guard let i = Int(exactly: v) else { throw FormatError.overflow(field: field, offset: at) }
        return i
    }

    private static func tensorReference(_ r: inout ByteReader, field: String, tensorCount: Int) throws -> Int {
        let at = r.position
        let t = Int(try r.u32(field))
        guard t < tensorCount else {
            throw FormatError.invalidGraph(field: field, offset: at, reason: "tensor \(t) does not exist (the model has \(tensorCount) tensors)")
        }
        return t
    }

    private static func parseTensorList(_ r: inout ByteReader, field: String, tensorCount: Int) throws -> [Int] {
        let countAt = r.position
        let n = try r.count("\(field)_count", minimumElementSize: 4)
        guard n >= 1 else {
            throw FormatError.invalidGraph(field: "\(field)_count", offset: countAt, reason: "a graph needs at least one \(field == "graph.input" ? "input" : "output")")
        }
        var list: [Int] = []
        list.reserveCapacity(n)
        for k in 0..<n { list.append(try tensorReference(&r, field: "\(field)[\(k)]", tensorCount: tensorCount)) }
        return list
    }
}
