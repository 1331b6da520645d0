import CEmberKernels

/// Where a tensor's bytes are at run time: a constant in the mapped model, or an arena offset.
/// Unchecked Sendable: `constant` points into read-only model bytes kept alive by the plan.
struct Location: Equatable, @unchecked Sendable {
    var constant: UnsafeRawPointer?
    var offset: Int

    static func arena(_ offset: Int) -> Location { Location(constant: nil, offset: offset) }
    static func constant(_ base: UnsafeRawPointer) -> Location { Location(constant: base, offset: 0) }

    @inline(__always)
    func pointer(arena: UnsafeMutableRawPointer) -> UnsafeRawPointer {
        constant ?? UnsafeRawPointer(arena + offset)
    }

    /// Only arena locations are written (the planner never assigns an output to a constant).
    @inline(__always)
    func mutablePointer(arena: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer {
        arena + offset
    }
}

/// One planned kernel call with everything resolved except the arena and scratch addresses.
/// Plain data only (no references), so the run loop touches no reference counts.
enum Kernel {
    /// conv2d 1x1 stride 1 without padding, and fullyConnected: out[m] = gemm(a[m]).
    case gemm(Gemm)
    /// conv2d through im2col into per-task scratch, `blockRows` output image rows at a time.
    case convolution(Convolution)
    case depthwise(Depthwise)
    case add(Add)
    case pad(Pad)
    case mean(Mean)
    case averagePool(AveragePool)
    case softmax(Softmax)
    case quantize(Quantize)
    case requantize(Requantize)
    case dequantize(Dequantize)
    // Encoder (float activations with a dynamic token count; docs/ops.md, "Encoder ops").
    case embedding(Embedding)
    case layerNorm(LayerNorm)
    case dynamicLinear(DynamicLinear)
    case attention(Attention)
    case gelu(Rows)
    case residualAdd(Rows)
    case meanPooling(Rows)
    case l2Normalize(Rows)

    struct Gemm {
        var a: Location, out: Location, packed: UnsafeRawPointer
        var m: Int, n: Int, k: Int
        var output: ember_qs8_output
        /// No weight is -128 (ember_qs8_gemm_packed_narrow, checked once at plan time): the
        /// GEMM runs through ember_qs8_gemm_narrow.
        var narrow: Bool

        /// Fewest rows worth a task when tasks split rows.
        static let minimumRows = 4
        /// Output channels per work item when tasks split channels (two packed 8-channel blocks,
        /// the AVX-512 kernels' tile width).
        static let channelBlock = 16
        /// Too few rows for two row tasks (a fully connected layer has one): tasks take blocks of
        /// output channels instead, each with every row and its share of the weights. Larger
        /// GEMMs keep the row split: a channel task repeats the kernels' per-row work (the row
        /// copies of the x86 kernels), which measured slower at M = 49 (docs/benchmarks.md).
        var splitsChannels: Bool { m < 2 * Self.minimumRows && n >= 2 * Self.channelBlock }
    }

    struct Convolution {
        var input: Location, out: Location, packed: UnsafeRawPointer
        var height: Int, width: Int, channels: Int
        var kernelH: Int, kernelW: Int, strideH: Int, strideW: Int, dilationH: Int, dilationW: Int
        var padTop: Int, padLeft: Int
        var outHeight: Int, outWidth: Int, outChannels: Int
        var inputZeroPoint: Int8
        /// Output image rows per im2col + GEMM block; the block's columns fit a task's scratch.
        var blockRows: Int
        var output: ember_qs8_output
        /// As Gemm.narrow.
        var narrow: Bool
        var k: Int { kernelH * kernelW * channels }
    }

    struct Depthwise {
        var input: Location, out: Location, packed: UnsafeRawPointer
        var height: Int, width: Int, channels: Int, stride: Int, padTop: Int, padLeft: Int
        var outHeight: Int, outWidth: Int
        var inputZeroPoint: Int8
        var output: ember_qs8_output
    }

    struct Add {
        var a: Location, b: Location, out: Location, count: Int
        var params: ember_qs8_add_params
    }

    /// Copies `rows` input rows of `rowBytes` into an output prefilled with the pad value.
    /// Dimensions are merged so that a row is the longest contiguous run; up to 4 outer dims.
    struct Pad {
        var input: Location, out: Location
        var inShape: (Int, Int, Int, Int), outShape: (Int, Int, Int, Int), before: (Int, Int, Int, Int)
        var elementSize: Int, padByte: UInt8, outBytes: Int
    }

    struct Mean {
        var input: Location, out: Location, height: Int, width: Int, channels: Int
        var params: ember_qs8_mean_params
    }

    struct AveragePool {
        var input: Location, out: Location
        var height: Int, width: Int, channels: Int, kernelH: Int, kernelW: Int, strideH: Int, strideW: Int
        var padTop: Int, padLeft: Int, outHeight: Int, outWidth: Int, min: Int32, max: Int32
    }

    struct Softmax {
        var input: Location, out: Location, rows: Int, depth: Int
        var params: ember_qs8_softmax_params
    }

    struct Quantize {
        var input: Location, out: Location, count: Int, scale: Float, zeroPoint: Int32
    }

    struct Requantize {
        var input: Location, out: Location, count: Int
        var inZeroPoint: Int32, multiplier: Int32, shift: Int32, outZeroPoint: Int32
    }

    struct Dequantize {
        var input: Location, out: Location, count: Int, scale: Float, zeroPoint: Int32
    }

    /// out[t] = word[ids[t]] (float16 or float32 table) + positions[t], for the run's tokens.
    struct Embedding {
        var ids: Location, out: Location, word: UnsafeRawPointer, wordIsHalf: Bool, positions: UnsafeRawPointer
        var vocabulary: Int, hidden: Int
    }

    struct LayerNorm {
        var input: Location, out: Location, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>
        var dim: Int, epsilon: Float
    }

    /// Rows quantized into the task's scratch (int8 [rows][k], then float scales and int32 zero
    /// points at the offsets below), then ember_qd8_gemm_f32.
    struct DynamicLinear {
        var input: Location, out: Location, packed: UnsafeRawPointer
        var weightScale: UnsafePointer<Float>, bias: UnsafePointer<Float>
        var n: Int, k: Int
        /// No weight is -128: ember_qd8_gemm_f32_narrow (as Gemm.narrow).
        var narrow: Bool
        /// Optional per-column input scale [k]: rows are multiplied by it, `scaledRows` at a time
        /// into float scratch at `scaledOffset`, before they are quantized.
        var inputScale: UnsafePointer<Float>?
        /// Optional block Hadamard rotation of those rows (after the scale; 0: none).
        var hadamardBlock: Int
        var scalesOffset: Int, zeroPointsOffset: Int, scaledOffset: Int, scratchBytes: Int

        /// Rows scaled per chunk: a small float copy that stays in cache until it is quantized.
        static let scaledRows = 8
    }

    struct Attention {
        var qkv: Location, out: Location, heads: Int, headSize: Int, scratchBytes: Int
    }

    /// Row-wise float ops: `b` is the second operand of residualAdd; `epsilon` of l2Normalize.
    struct Rows {
        var input: Location, b: Location?, out: Location, width: Int, epsilon: Float
    }
}
