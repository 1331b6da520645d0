import CEmberKernels
import EmberFormat

/// Everything decided once per model: operator order, arena layout, validated kernel calls.
/// Immutable and shareable across threads; each concurrent runner owns an `ExecutionState`.
public struct ExecutionPlan: @unchecked Sendable {
    // Unchecked: `steps` hold raw pointers into constant, read-only model bytes that `graph`
    // keeps alive (ConstantBytes.owner); nothing in the plan is ever mutated.

    public struct Step {
        public let operatorIndex: Int
        public let kind: OpKind
        /// The C kernel that runs it ("ember_qs8_gemm_8x8c8__neondot", ...), as chosen at plan time.
        public let kernelName: String
        let kernel: Kernel
    }

    /// A graph input or output: its tensor and where its bytes live.
    public struct Binding: Sendable {
        public let tensorIndex: Int
        public let tensor: GraphTensor
        let location: Location
    }

    public let graph: Graph
    public let steps: [Step]
    public let inputs: [Binding]
    public let outputs: [Binding]
    /// Bytes of the activation arena (all intermediate tensors, reused across lifetimes).
    public let arenaSize: Int
    /// Scratch bytes one task needs (im2col columns); a state holds one region per task.
    public let scratchPerTask: Int
    /// Operators that are views (reshape) and run no kernel.
    public let viewCount: Int
    /// Encoders: the most tokens one run takes (the rows every activation is planned for); each
    /// run processes its own count up to this. 0 for models without an embedding op.
    public let maxTokens: Int

    /// Extra bytes after the arena and each scratch region: kernels may read (never use) a few
    /// bytes past the end of a row, as they may past the end of packed weights.
    static let tailPadding = 64

    public init(graph: Graph) throws(EngineError) {
        // No ember_kernels_init here: it re-chooses every time and would undo a cap a caller set
        // (tests, `EMBER_ISA`); the kernels choose lazily on first use.
        if graph.tensors.contains(where: { $0.type == .packed }) {
            let ours = String(cString: ember_qs8_gemm_packing())
            guard graph.packingFamily == ours else { throw .packingMismatch(file: graph.packingFamily, cpu: ours) }
        }
        let schedule = try Schedule(graph)

        // Slot sizes and the arena.
        var buffers: [ArenaPlanner.Buffer] = []
        for (s, owner) in schedule.slotOwner.enumerated() {
            let t = graph.tensors[owner]
            guard t.type != .packed else { throw .invalidGraph("activation tensor \(owner) '\(t.name)' cannot be of type packed") }
            guard let bytes = t.byteCount else { throw .sizeOverflow("tensor \(owner) '\(t.name)' of shape \(t.shape)") }
            buffers.append(.init(size: bytes, first: schedule.first[s], last: schedule.last[s]))
        }
        let layout = try ArenaPlanner.plan(buffers)

        var locations = [Location?](repeating: nil, count: graph.tensors.count)
        for (t, tensor) in graph.tensors.enumerated() {
            if let s = schedule.slot[t] {
                locations[t] = .arena(layout.offsets[s])
            } else if let c = tensor.constant {
                locations[t] = .constant(c.base)
            } else if let source = schedule.constantAlias[t], let c = graph.tensors[source].constant {
                locations[t] = .constant(c.base)
            }
        }

        // An encoder's token count: the rows of its embedding's token-id input.
        var maxTokens = 0
        if let embedding = graph.operators.first(where: { $0.kind == .embedding }), let ids = embedding.inputs.first,
           ids < graph.tensors.count, graph.tensors[ids].shape.count == 1 {
            maxTokens = graph.tensors[ids].shape[0]
        }
        var steps: [Step] = []
        var scratch = 0
        var views = 0
        for i in schedule.order {
            let op = graph.operators[i]
            let reader = OperatorReader(graph: graph, index: i, op: op, locations: locations)
            let kernel: Kernel
            switch op.kind {
            case .conv2d: kernel = try reader.conv2d()
            case .depthwiseConv2d: kernel = try reader.depthwiseConv2d()
            case .fullyConnected: kernel = try reader.fullyConnected()
            case .add: kernel = try reader.add()
            case .pad: kernel = try reader.pad()
            case .mean: kernel = try reader.mean()
            case .averagePool2d: kernel = try reader.averagePool2d()
            case .softmax: kernel = try reader.softmax()
            case .quantize: kernel = try reader.quantize()
            case .dequantize: kernel = try reader.dequantize()
            case .reshape:
                try reader.reshape()
                views += 1
                continue
            case .embedding, .layerNorm, .dynamicLinear, .attention, .gelu, .residualAdd, .meanPooling, .l2Normalize:
                guard maxTokens > 0 else { throw reader.fail("encoder operator without an embedding op that sets the token count") }
                switch op.kind {
                case .embedding: kernel = try reader.embedding(tokens: maxTokens)
                case .layerNorm: kernel = try reader.layerNorm(tokens: maxTokens)
                case .dynamicLinear: kernel = try reader.dynamicLinear(tokens: maxTokens)
                case .attention: kernel = try reader.attention(tokens: maxTokens)
                case .gelu: kernel = try reader.gelu(tokens: maxTokens)
                case .residualAdd: kernel = try reader.residualAdd(tokens: maxTokens)
                case .meanPooling: kernel = try reader.meanPooling(tokens: maxTokens)
                default: kernel = try reader.l2Normalize()
                }
            }
            scratch = max(scratch, kernel.scratchBytesPerTask)
            steps.append(Step(operatorIndex: i, kind: op.kind, kernelName: kernel.kernelName, kernel: kernel))
        }

        func binding(_ t: Int, _ role: String) throws(EngineError) -> Binding {
            guard let location = locations[t] else { throw .invalidGraph("graph \(role) tensor \(t) has no storage") }
            let tensor = graph.tensors[t]
            guard tensor.type != .packed, let bytes = tensor.byteCount,
                  location.constant == nil || bytes <= (tensor.constant?.count ?? bytes) else {
                throw .invalidGraph("graph \(role) tensor \(t) '\(tensor.name)' of \(tensor.type) \(tensor.shape) cannot be read or written")
            }
            return Binding(tensorIndex: t, tensor: graph.tensors[t], location: location)
        }
        self.graph = graph
        self.steps = steps
        self.inputs = try graph.inputs.map { t throws(EngineError) in try binding(t, "input") }
        self.outputs = try graph.outputs.map { t throws(EngineError) in try binding(t, "output") }
        self.arenaSize = layout.size
        self.scratchPerTask = scratch
        self.viewCount = views
        self.maxTokens = maxTokens
    }
}
