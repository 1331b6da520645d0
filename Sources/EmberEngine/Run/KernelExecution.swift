import CEmberKernels
import EmberFormat

/// How each planned kernel splits into tasks and runs one of them. All pointer arithmetic of the
/// engine's run loop is here and in ExecutionState.swift.
extension Kernel {
    var kernelName: String {
        func name(_ op: String) -> String { ember_kernel_name(op).map { String(cString: $0) } ?? "ember_\(op)" }
        switch self {
        case .gemm(let g): return name(g.narrow ? "qs8_gemm_narrow" : "qs8_gemm")
        case .convolution(let c): return name("qs8_im2col") + " + " + name(c.narrow ? "qs8_gemm_narrow" : "qs8_gemm")
        case .depthwise: return name("qs8_dwconv3x3")
        case .add: return name("qs8_add")
        case .pad: return "pad (memset + memcpy)"
        case .mean: return name("qs8_mean_hw")
        case .averagePool: return name("qs8_avgpool")
        case .softmax: return name("qs8_softmax")
        case .quantize: return name("qs8_quantize")
        case .requantize: return name("qs8_requantize")
        case .dequantize: return name("qs8_dequantize")
        case .embedding(let e): return e.wordIsHalf ? "embedding lookup (ember_f32_encoder_add_half)" : "embedding lookup (Swift)"
        case .layerNorm: return "ember_f32_encoder_layernorm"
        case .dynamicLinear(let l):
            let rowTransform = l.hadamardBlock != 0 ? name("f32_encoder_hadamard") + " + " : l.inputScale != nil ? "ember_f32_encoder_scale_columns + " : ""
            return rowTransform + name("qd8_quantize_rows") + " + "
                + name(l.narrow ? "qd8_gemm_narrow" : "qd8_gemm")
        case .attention: return name("f32_attention") + " (ember_f32_encoder_softmax)"
        case .gelu: return "ember_f32_encoder_gelu"
        case .residualAdd: return "ember_f32_encoder_add"
        case .meanPooling: return "ember_f32_mean_pool"
        case .l2Normalize: return "ember_f32_l2_normalize"
        }
    }

    /// Units of work that tasks split (rows of the output), and the fewest worth a task; encoder
    /// kernels count the run's `tokens`.
    func workItems(tokens: Int) -> (count: Int, minimumPerTask: Int) {
        switch self {
        case .embedding, .layerNorm, .gelu, .residualAdd: return (tokens, 16)
        case .dynamicLinear: return (tokens, 4)
        case .attention(let a): return (a.heads, 1)
        case .meanPooling, .l2Normalize: return (1, 1)
        case .gemm(let g): return g.splitsChannels ? ((g.n + Gemm.channelBlock - 1) / Gemm.channelBlock, 2) : (g.m, Gemm.minimumRows)
        case .convolution(let c): return (c.outHeight, 1)
        case .depthwise(let d): return (d.outHeight, 1)
        case .add(let a): return (a.count, 4096)
        case .softmax(let s): return (s.rows, 1)
        case .quantize(let q): return (q.count, 16384)
        case .requantize(let q): return (q.count, 16384)
        case .dequantize(let q): return (q.count, 16384)
        case .pad, .mean, .averagePool: return (1, 1)
        }
    }

    var scratchBytesPerTask: Int {
        switch self {
        case .convolution(let c): return c.blockRows * c.outWidth * c.k
        case .dynamicLinear(let l): return l.scratchBytes
        case .attention(let a): return a.scratchBytes
        default: return 0
        }
    }

    /// Runs work items `items` (a task's share) with the arena at `arena` and the task's scratch;
    /// encoder kernels process the rows of `segments`, one sentence or several packed.
    func run(_ items: Range<Int>, segments: Segments, arena: UnsafeMutableRawPointer, scratch: UnsafeMutableRawPointer) {
        switch self {
        case .embedding(let e): runEmbedding(e, items, segments: segments, arena: arena)
        case .layerNorm(let l):
            ember_f32_encoder_layernorm(items.count, l.dim, floats(l.input, arena) + items.lowerBound * l.dim, l.gamma, l.beta, l.epsilon,
                                mutableFloats(l.out, arena) + items.lowerBound * l.dim)
        case .dynamicLinear(let l):
            let q = scratch.assumingMemoryBound(to: Int8.self)
            let scales = (scratch + l.scalesOffset).assumingMemoryBound(to: Float.self)
            let zeroPoints = (scratch + l.zeroPointsOffset).assumingMemoryBound(to: Int32.self)
            let x = floats(l.input, arena) + items.lowerBound * l.k
            if l.inputScale != nil || l.hadamardBlock != 0 {
                // A few rows at a time through float scratch, quantized while still in cache.
                let scaled = (scratch + l.scaledOffset).assumingMemoryBound(to: Float.self)
                for r in stride(from: 0, to: items.count, by: Kernel.DynamicLinear.scaledRows) {
                    let rows = min(Kernel.DynamicLinear.scaledRows, items.count - r)
                    if l.hadamardBlock != 0 {
                        ember_f32_encoder_hadamard(rows, l.k, l.hadamardBlock, x + r * l.k, l.k, l.inputScale, scaled)
                    } else {
                        ember_f32_encoder_scale_columns(rows, l.k, x + r * l.k, l.k, l.inputScale, scaled)
                    }
                    ember_qd8_quantize_rows(rows, l.k, scaled, l.k, q + r * l.k, l.k, scales + r, zeroPoints + r)
                }
            } else {
                ember_qd8_quantize_rows(items.count, l.k, x, l.k, q, l.k, scales, zeroPoints)
            }
            let gemm = l.narrow ? ember_qd8_gemm_f32_narrow : ember_qd8_gemm_f32
            gemm(0, items.count, l.n, l.k, q, l.k, scales, zeroPoints, l.packed, l.weightScale, l.bias,
                 mutableFloats(l.out, arena) + items.lowerBound * l.n, l.n)
        case .attention(let a):
            let hidden = a.heads * a.headSize
            for s in 0..<segments.count {
                let rows = segments.rows(s)
                ember_f32_attention(rows.count, a.heads, a.headSize, floats(a.qkv, arena) + rows.lowerBound * 3 * hidden, 3 * hidden,
                                    nil, items.lowerBound, items.upperBound, scratch.assumingMemoryBound(to: Float.self),
                                    mutableFloats(a.out, arena) + rows.lowerBound * hidden, hidden)
            }
        case .gelu(let g):
            ember_f32_encoder_gelu(items.count * g.width, floats(g.input, arena) + items.lowerBound * g.width,
                           mutableFloats(g.out, arena) + items.lowerBound * g.width)
        case .residualAdd(let r):
            let first = items.lowerBound * r.width
            ember_f32_encoder_add(items.count * r.width, floats(r.input, arena) + first, floats(r.b!, arena) + first,
                                  mutableFloats(r.out, arena) + first)
        case .meanPooling(let p):
            if let pooled = segments.pooled {
                for s in 0..<segments.count {
                    let rows = segments.rows(s)
                    ember_f32_mean_pool(rows.count, p.width, floats(p.input, arena) + rows.lowerBound * p.width, nil, pooled + s * p.width)
                }
            } else {
                ember_f32_mean_pool(segments.rows(0).count, p.width, floats(p.input, arena), nil, mutableFloats(p.out, arena))
            }
        case .l2Normalize(let n):
            if let pooled = segments.pooled {
                ember_f32_l2_normalize(segments.count, n.width, pooled, n.epsilon, pooled)
            } else {
                ember_f32_l2_normalize(1, n.width, floats(n.input, arena), n.epsilon, mutableFloats(n.out, arena))
            }
        case .gemm(let g):
            let gemm = g.narrow ? ember_qs8_gemm_narrow : ember_qs8_gemm
            let a = g.a.pointer(arena: arena).assumingMemoryBound(to: Int8.self)
            let out = g.out.mutablePointer(arena: arena).assumingMemoryBound(to: Int8.self)
            if g.splitsChannels {
                // Channels [n0, n1): whole packed blocks of 8 (n0 is a multiple of 16), their
                // requantization constants and output columns; every row.
                let n0 = items.lowerBound * Gemm.channelBlock, n1 = min(items.upperBound * Gemm.channelBlock, g.n)
                var q = g.output
                q.multiplier = q.multiplier.advanced(by: n0)
                q.shift = q.shift.advanced(by: n0)
                withUnsafePointer(to: q) { q in
                    gemm(0, g.m, n1 - n0, g.k, a, g.k, g.packed + ember_qs8_gemm_packed_size(n0, g.k), out + n0, g.n, q)
                }
            } else {
                withUnsafePointer(to: g.output) { q in
                    gemm(items.lowerBound, items.upperBound, g.n, g.k, a, g.k, g.packed, out, g.n, q)
                }
            }
        case .convolution(let c):
            let input = c.input.pointer(arena: arena).assumingMemoryBound(to: Int8.self)
            let out = c.out.mutablePointer(arena: arena).assumingMemoryBound(to: Int8.self)
            let cols = scratch.assumingMemoryBound(to: Int8.self)
            let gemm = c.narrow ? ember_qs8_gemm_narrow : ember_qs8_gemm
            withUnsafePointer(to: c.output) { q in
                var oy = items.lowerBound
                while oy < items.upperBound {
                    let end = min(oy + c.blockRows, items.upperBound)
                    ember_qs8_im2col(input, c.height, c.width, c.channels, c.kernelH, c.kernelW, c.strideH, c.strideW,
                                     c.dilationH, c.dilationW, c.padTop, c.padLeft, oy, end, c.outWidth,
                                     c.inputZeroPoint, cols)
                    gemm(0, (end - oy) * c.outWidth, c.outChannels, c.k, cols, c.k, c.packed,
                         out + oy * c.outWidth * c.outChannels, c.outChannels, q)
                    oy = end
                }
            }
        case .depthwise(let d):
            withUnsafePointer(to: d.output) { q in
                ember_qs8_dwconv3x3(d.input.pointer(arena: arena).assumingMemoryBound(to: Int8.self),
                                    d.height, d.width, d.channels, d.stride, d.padTop, d.padLeft,
                                    d.outHeight, d.outWidth, items.lowerBound, items.upperBound, d.packed,
                                    d.inputZeroPoint, d.out.mutablePointer(arena: arena).assumingMemoryBound(to: Int8.self), q)
            }
        case .add(let a):
            withUnsafePointer(to: a.params) { p in
                ember_qs8_add(items.count,
                              a.a.pointer(arena: arena).assumingMemoryBound(to: Int8.self) + items.lowerBound,
                              a.b.pointer(arena: arena).assumingMemoryBound(to: Int8.self) + items.lowerBound,
                              a.out.mutablePointer(arena: arena).assumingMemoryBound(to: Int8.self) + items.lowerBound, p)
            }
        case .pad(let p):
            runPad(p, arena: arena)
        case .mean(let m):
            withUnsafePointer(to: m.params) { p in
                ember_qs8_mean_hw(m.input.pointer(arena: arena).assumingMemoryBound(to: Int8.self), m.height, m.width,
                                  m.channels, m.out.mutablePointer(arena: arena).assumingMemoryBound(to: Int8.self), p)
            }
        case .averagePool(let a):
            ember_qs8_avgpool(a.input.pointer(arena: arena).assumingMemoryBound(to: Int8.self), a.height, a.width, a.channels,
                              a.kernelH, a.kernelW, a.strideH, a.strideW, a.padTop, a.padLeft, a.outHeight, a.outWidth,
                              a.min, a.max, a.out.mutablePointer(arena: arena).assumingMemoryBound(to: Int8.self))
        case .softmax(let s):
            withUnsafePointer(to: s.params) { p in
                ember_qs8_softmax(items.count, s.depth,
                                  s.input.pointer(arena: arena).assumingMemoryBound(to: Int8.self) + items.lowerBound * s.depth,
                                  s.out.mutablePointer(arena: arena).assumingMemoryBound(to: Int8.self) + items.lowerBound * s.depth, p)
            }
        case .quantize(let q):
            ember_qs8_quantize(items.count, q.input.pointer(arena: arena).assumingMemoryBound(to: Float.self) + items.lowerBound,
                               q.scale, q.zeroPoint,
                               q.out.mutablePointer(arena: arena).assumingMemoryBound(to: Int8.self) + items.lowerBound)
        case .requantize(let q):
            ember_qs8_requantize(items.count, q.input.pointer(arena: arena).assumingMemoryBound(to: Int8.self) + items.lowerBound,
                                 q.inZeroPoint, q.multiplier, q.shift, q.outZeroPoint,
                                 q.out.mutablePointer(arena: arena).assumingMemoryBound(to: Int8.self) + items.lowerBound)
        case .dequantize(let q):
            ember_qs8_dequantize(items.count, q.input.pointer(arena: arena).assumingMemoryBound(to: Int8.self) + items.lowerBound,
                                 q.scale, q.zeroPoint,
                                 q.out.mutablePointer(arena: arena).assumingMemoryBound(to: Float.self) + items.lowerBound)
        }
    }

    /// Fill the output with the pad value, then copy each contiguous run of input into place.
    /// Without padding of the last axis a run is a whole row of pixels (the stem's 224x224x3 pad
    /// would otherwise copy 3 bytes at a time).
    private func runPad(_ p: Pad, arena: UnsafeMutableRawPointer) {
        let input = p.input.pointer(arena: arena)
        let out = p.out.mutablePointer(arena: arena)
        out.initializeMemory(as: UInt8.self, repeating: p.padByte, count: p.outBytes)
        let (i0, i1, i2, i3) = p.inShape
        let (o0, o1, o2, o3) = p.outShape
        let (b0, b1, b2, b3) = p.before
        let row = i3 * p.elementSize
        let wholeRows = i3 == o3  // then b3 == 0 and the i2 runs of a row are adjacent in both
        for a in 0..<i0 {
            for b in 0..<i1 {
                for c in stride(from: 0, to: i2, by: wholeRows ? max(i2, 1) : 1) {
                    let src = ((a * i1 + b) * i2 + c) * row
                    let dst = ((((a + b0) * o1 + (b + b1)) * o2 + (c + b2)) * o3 + b3) * p.elementSize
                    (out + dst).copyMemory(from: input + src, byteCount: wholeRows ? i2 * row : row)
                }
            }
        }
        _ = o0
    }

    @inline(__always)
    private func floats(_ l: Location, _ arena: UnsafeMutableRawPointer) -> UnsafePointer<Float> {
        l.pointer(arena: arena).assumingMemoryBound(to: Float.self)
    }

    @inline(__always)
    private func mutableFloats(_ l: Location, _ arena: UnsafeMutableRawPointer) -> UnsafeMutablePointer<Float> {
        l.mutablePointer(arena: arena).assumingMemoryBound(to: Float.self)
    }

    /// Token ids outside the vocabulary (the engine's callers check them) read row 0. Positions
    /// count from each sentence's first token.
    private func runEmbedding(_ e: Embedding, _ items: Range<Int>, segments: Segments, arena: UnsafeMutableRawPointer) {
        let ids = e.ids.pointer(arena: arena).assumingMemoryBound(to: Int32.self)
        let positions = e.positions.assumingMemoryBound(to: Float.self)
        let out = mutableFloats(e.out, arena)
        var s = 0
        for t in items {
            while t >= segments.starts[s + 1] { s += 1 }
            let id = Int(ids[t])
            let row = (0..<e.vocabulary).contains(id) ? id * e.hidden : 0
            let o = out + t * e.hidden, p = positions + (t - segments.starts[s]) * e.hidden
            if e.wordIsHalf {
                ember_f32_encoder_add_half(e.hidden, e.word.assumingMemoryBound(to: UInt16.self) + row, p, o)
            } else {
                let w = e.word.assumingMemoryBound(to: Float.self) + row
                for c in 0..<e.hidden { o[c] = w[c] + p[c] }
            }
        }
    }
}
