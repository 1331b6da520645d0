/// Reads a `.tflite` flatbuffer into a `TFLiteModel`, treating the file as hostile: every offset,
/// vtable, vector length and string is checked (see `FlatBufferTable`), and every cross
/// reference (opcode index, tensor index, buffer index) is range-checked here, so a bad file gives
/// a `FlatBufferError` naming the field and byte offset, never a crash.
///
/// Field ids follow tensorflow/compiler/mlir/lite/schema/schema.fbs (a union takes two ids: its
/// type, then its value).
public enum TFLiteReader {
    public static func read(_ bytes: [UInt8]) throws -> TFLiteModel {
        let buffer = FlatBufferBytes(bytes)
        let model = try FlatBufferTable.root(of: buffer, identifier: "TFL3")
        let version = try model.u32(0, "version")

        let opcodes = try readOperatorCodes(model)
        guard let subgraphs = try model.vector(2, "subgraphs", elementSize: 4), subgraphs.count > 0 else {
            throw FlatBufferError(field: "root.subgraphs", offset: model.position, reason: "the model has no subgraph")
        }
        let buffers = try readBuffers(model)
        let subgraph = try subgraphs.table(0)

        let tensorVector = try subgraph.vector(0, "tensors", elementSize: 4)
        var tensors: [TFLiteTensor] = []
        tensors.reserveCapacity(tensorVector?.count ?? 0)
        for i in 0..<(tensorVector?.count ?? 0) {
            let tensor = try readTensor(try tensorVector!.table(i))
            guard tensor.buffer < buffers.count else {
                throw FlatBufferError(field: "\(subgraph.path).tensors[\(i)].buffer", offset: tensorVector!.start,
                                      reason: "buffer index \(tensor.buffer) outside \(buffers.count) buffers")
            }
            tensors.append(tensor)
        }

        let inputs = try tensorIndices(subgraph, 1, "inputs", tensorCount: tensors.count, allowOmitted: false)
        let outputs = try tensorIndices(subgraph, 2, "outputs", tensorCount: tensors.count, allowOmitted: false)

        var operators: [TFLiteOperator] = []
        if let operatorVector = try subgraph.vector(3, "operators", elementSize: 4) {
            operators.reserveCapacity(operatorVector.count)
            for i in 0..<operatorVector.count {
                operators.append(try readOperator(try operatorVector.table(i), index: i,
                                                  opcodes: opcodes, tensorCount: tensors.count))
            }
        }

        return TFLiteModel(schemaVersion: version, description: try model.string(3, "description"),
                           subgraphCount: subgraphs.count, tensors: tensors, operators: operators,
                           inputs: inputs, outputs: outputs, buffers: buffers, bytes: bytes)
    }

    private struct OperatorCode {
        var builtin: TFLiteBuiltinOperator
        var customCode: String?
        var version: Int32
    }

    private static func readOperatorCodes(_ model: FlatBufferTable) throws -> [OperatorCode] {
        guard let vector = try model.vector(1, "operator_codes", elementSize: 4) else { return [] }
        return try (0..<vector.count).map { i in
            let code = try vector.table(i)
            // Codes past 127 live only in `builtin_code`; old files only set the deprecated byte.
            // TFLite takes the larger of the two, and so do we.
            let deprecated = Int32(try code.i8(0, "deprecated_builtin_code"))
            let builtin = try code.i32(3, "builtin_code")
            return OperatorCode(builtin: TFLiteBuiltinOperator(rawValue: max(deprecated, builtin)),
                                customCode: try code.string(1, "custom_code"),
                                version: try code.i32(2, "version", default: 1))
        }
    }

    private static func readBuffers(_ model: FlatBufferTable) throws -> [Range<Int>] {
        guard let vector = try model.vector(4, "buffers", elementSize: 4) else { return [] }
        return try (0..<vector.count).map { i in
            let buffer = try vector.table(i)
            let offset = try buffer.u64(1, "offset")
            let size = try buffer.u64(2, "size")
            // Models over 2 GB keep data outside the flatbuffer (offset > 1); not supported.
            guard offset <= 1, size == 0 else {
                throw FlatBufferError(field: "\(buffer.path)", offset: buffer.position,
                                      reason: "data stored outside the flatbuffer (offset \(offset), size \(size)), used by models over 2 GB, is not supported")
            }
            return try buffer.vector(0, "data", elementSize: 1)?.byteRange ?? 0..<0
        }
    }

    private static func readTensor(_ t: FlatBufferTable) throws -> TFLiteTensor {
        var quantization: TFLiteQuantization?
        if let q = try t.table(4, "quantization") {
            quantization = TFLiteQuantization(
                scale: try q.vector(2, "scale", elementSize: 4)?.floats() ?? [],
                zeroPoint: try q.vector(3, "zero_point", elementSize: 8)?.int64s() ?? [],
                quantizedDimension: try q.i32(6, "quantized_dimension"),
                hasCustomDetails: try q.u8(4, "details_type") != 0)
        }
        return TFLiteTensor(
            name: try t.string(3, "name") ?? "",
            type: TFLiteTensorType(rawValue: try t.i8(1, "type")),
            shape: try t.vector(0, "shape", elementSize: 4)?.int32s() ?? [],
            buffer: Int(try t.u32(2, "buffer")),
            quantization: quantization,
            isVariable: try t.bool(5, "is_variable"),
            isSparse: try t.table(6, "sparsity") != nil)
    }

    private static func readOperator(_ op: FlatBufferTable, index: Int, opcodes: [OperatorCode],
                                     tensorCount: Int) throws -> TFLiteOperator {
        let opcodeIndex = Int(try op.u32(0, "opcode_index"))
        guard opcodeIndex < opcodes.count else {
            throw FlatBufferError(field: "\(op.path).opcode_index", offset: op.position,
                                  reason: "opcode index \(opcodeIndex) outside \(opcodes.count) operator codes")
        }
        let code = opcodes[opcodeIndex]
        let optionsType = try op.u8(3, "builtin_options_type")
        let options = try TFLiteOptions.decode(type: optionsType, table: try op.table(4, "builtin_options"), operator: op)
        return TFLiteOperator(
            index: index, opcode: code.builtin, opcodeVersion: code.version, customCode: code.customCode,
            inputs: try tensorIndices(op, 1, "inputs", tensorCount: tensorCount, allowOmitted: true),
            outputs: try tensorIndices(op, 2, "outputs", tensorCount: tensorCount, allowOmitted: false),
            options: options)
    }

    /// An `[int]` of tensor indices, each checked to name a tensor (-1 = omitted, where allowed).
    private static func tensorIndices(_ table: FlatBufferTable, _ id: Int, _ name: String,
                                      tensorCount: Int, allowOmitted: Bool) throws -> [Int32] {
        guard let vector = try table.vector(id, name, elementSize: 4) else { return [] }
        let indices = vector.int32s()
        for (i, index) in indices.enumerated() where !(index == -1 && allowOmitted) {
            guard index >= 0, Int(index) < tensorCount else {
                throw FlatBufferError(field: "\(vector.path)[\(i)]", offset: vector.start + 4 * i,
                                      reason: "tensor index \(index) outside \(tensorCount) tensors")
            }
        }
        return indices
    }
}
