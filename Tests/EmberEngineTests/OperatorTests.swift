import CEmberKernels
import EmberFormat
import Testing
@testable import EmberEngine

/// Each operator built into a one-op graph through the writer and run by the engine with 1, 2
/// and 3 threads, against a Swift transcription of TFLite's reference kernel.
@Suite struct OperatorTests {
    static let threadCounts = [1, 2, 3]

    static func int8Bytes(_ v: [Int8]) -> [UInt8] { v.map { UInt8(bitPattern: $0) } }
    static func int8s(_ v: [UInt8]) -> [Int8] { v.map { Int8(bitPattern: $0) } }

    struct ConvCase: CustomTestStringConvertible, Sendable {
        var h: Int, w: Int, cin: Int, cout: Int
        var window: TFLiteReference.Window
        var testDescription: String {
            "\(h)x\(w)x\(cin)->\(cout) k\(window.kernelH)x\(window.kernelW) s\(window.strideH) d\(window.dilationH) p\(window.padTop)\(window.padLeft)\(window.padBottom)\(window.padRight)"
        }
    }

    static let convCases: [ConvCase] = [
        ConvCase(h: 7, w: 5, cin: 13, cout: 7, window: .init()),                                        // 1x1: plain GEMM
        ConvCase(h: 13, w: 13, cin: 3, cout: 16, window: .init(kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padBottom: 1, padRight: 1)),
        ConvCase(h: 9, w: 11, cin: 8, cout: 1, window: .init(kernelH: 3, kernelW: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)),
        ConvCase(h: 12, w: 10, cin: 5, cout: 9, window: .init(kernelH: 3, kernelW: 2, dilationH: 2, dilationW: 3, padTop: 2, padLeft: 1)),
        ConvCase(h: 6, w: 6, cin: 4, cout: 8, window: .init(strideH: 2, strideW: 2)),                      // strided 1x1: im2col
    ]

    @Test(arguments: convCases)
    func conv2d(c: ConvCase) throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        var g = TestGraph(seed: seed)
        let (oh, ow) = c.window.outSize(c.h, c.w)
        let x = g.activation("x", [1, c.h, c.w, c.cin])
        let y = g.activation("y", [1, oh, ow, c.cout])
        let k = c.window.kernelH * c.window.kernelW * c.cin
        let wt = g.gemmWeights("conv", n: c.cout, k: k, logicalShape: [c.cout, c.window.kernelH, c.window.kernelW, c.cin],
                               inZeroPoint: g.zeroPoint(x))
        let wnd = c.window
        g.writer.addOp(.conv2d, inputs: [x, wt.packed, wt.multiplierTensor, wt.shiftTensor], outputs: [y], attributes: [
            .kernelH: .int(wnd.kernelH), .kernelW: .int(wnd.kernelW), .strideH: .int(wnd.strideH), .strideW: .int(wnd.strideW),
            .dilationH: .int(wnd.dilationH), .dilationW: .int(wnd.dilationW), .padTop: .int(wnd.padTop), .padLeft: .int(wnd.padLeft),
            .padBottom: .int(wnd.padBottom), .padRight: .int(wnd.padRight), .actMin: .int(-100), .actMax: .int(120),
        ])
        g.writer.inputs = [x]
        g.writer.outputs = [y]
        let input = g.randomInt8(c.h * c.w * c.cin)
        let expected = TFLiteReference.conv(input, h: c.h, w: c.w, cin: c.cin, inZeroPoint: g.zeroPoint(x), weights: wt.w,
                                            bias: wt.bias, cout: c.cout, window: wnd,
                                            requant: .init(multiplier: wt.multiplier, shift: wt.shift, outZeroPoint: g.zeroPoint(y), min: -100, max: 120))
        for threads in Self.threadCounts {
            let out = try g.engine(threads: threads).run(input: Self.int8Bytes(input))
            #expect(Self.int8s(out) == expected, "seed \(seed), \(threads) threads")
        }
        // One 3-thread engine told to use fewer (what the governor does under pressure), in
        // both directions so a lowered split never sticks.
        let shared = try g.engine(threads: 3)
        for threads in [1, 3, 2, 3] {
            let out = try shared.run(input: Self.int8Bytes(input), threads: threads)
            #expect(Self.int8s(out) == expected, "seed \(seed), 3-thread engine run on \(threads)")
        }
    }

    @Test(arguments: [(13, 11, 8, 1, 1), (14, 14, 16, 2, 0), (7, 9, 5, 2, 1), (1, 1, 3, 1, 1)])
    func depthwiseConv2d(h: Int, w: Int, c: Int, stride: Int, pad: Int) throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        var g = TestGraph(seed: seed)
        // TFLite-style SAME padding for stride 2 puts the extra row and column at the end.
        let window = TFLiteReference.Window(kernelH: 3, kernelW: 3, strideH: stride, strideW: stride,
                                            padTop: pad, padLeft: pad, padBottom: stride == 2 ? 1 : pad, padRight: stride == 2 ? 1 : pad)
        let (oh, ow) = window.outSize(h, w)
        let x = g.activation("x", [1, h, w, c]), y = g.activation("y", [1, oh, ow, c])
        let wt = g.depthwiseWeights("dw", channels: c, inZeroPoint: g.zeroPoint(x))
        g.writer.addOp(.depthwiseConv2d, inputs: [x, wt.packed, wt.multiplierTensor, wt.shiftTensor], outputs: [y], attributes: [
            .kernelH: .int(3), .kernelW: .int(3), .strideH: .int(stride), .strideW: .int(stride),
            .padTop: .int(window.padTop), .padLeft: .int(window.padLeft), .padBottom: .int(window.padBottom), .padRight: .int(window.padRight),
        ])
        g.writer.inputs = [x]
        g.writer.outputs = [y]
        let input = g.randomInt8(h * w * c)
        let expected = TFLiteReference.depthwise(input, h: h, w: w, c: c, inZeroPoint: g.zeroPoint(x), weights: wt.w, bias: wt.bias,
                                                 window: window, requant: .init(multiplier: wt.multiplier, shift: wt.shift, outZeroPoint: g.zeroPoint(y)))
        for threads in Self.threadCounts {
            let out = try g.engine(threads: threads).run(input: Self.int8Bytes(input))
            #expect(Self.int8s(out) == expected, "seed \(seed), \(threads) threads")
        }
    }

    /// Fewer than 8 rows and n >= 32 split output channels across threads (16-channel blocks,
    /// a partial last block): (5, 40, 33), (7, 27, 77), MobileNetV2's head (1, 1280, 1000).
    @Test(arguments: [(1, 64, 10), (3, 13, 1), (5, 40, 33), (7, 27, 77), (1, 1280, 1000), (8, 40, 40)])
    func fullyConnected(rows: Int, k: Int, n: Int) throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        var g = TestGraph(seed: seed)
        let x = g.activation("x", [rows, k]), y = g.activation("y", [rows, n])
        let wt = g.gemmWeights("fc", n: n, k: k, logicalShape: [n, k], inZeroPoint: g.zeroPoint(x))
        g.writer.addOp(.fullyConnected, inputs: [x, wt.packed, wt.multiplierTensor, wt.shiftTensor], outputs: [y])
        g.writer.inputs = [x]
        g.writer.outputs = [y]
        let input = g.randomInt8(rows * k)
        let expected = TFLiteReference.fullyConnected(input, rows: rows, k: k, inZeroPoint: g.zeroPoint(x), weights: wt.w, bias: wt.bias,
                                                      n: n, requant: .init(multiplier: wt.multiplier, shift: wt.shift, outZeroPoint: g.zeroPoint(y)))
        for threads in Self.threadCounts {
            let out = try g.engine(threads: threads).run(input: Self.int8Bytes(input))
            #expect(Self.int8s(out) == expected, "seed \(seed), \(threads) threads")
        }
    }

    /// Weights without -128 (TFLite's int8 weight range) plan the narrow-range GEMM, once; a single
    /// -128 (here the last weight) keeps the general one. Both give TFLite's bytes.
    @Test(arguments: [false, true])
    func narrowWeightsChooseTheNarrowGemm(withMinimum: Bool) throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        var g = TestGraph(seed: seed)
        let (rows, k, n) = (7, 40, 19)
        let x = g.activation("x", [rows, k]), y = g.activation("y", [rows, n])
        var w = (0..<n * k).map { _ in Int8.random(in: -127...127, using: &g.rng) }
        w[0] = -127
        if withMinimum { w[n * k - 1] = -128 }
        let wt = g.gemmWeights("fc", n: n, k: k, logicalShape: [n, k], inZeroPoint: g.zeroPoint(x), weights: w)
        g.writer.addOp(.fullyConnected, inputs: [x, wt.packed, wt.multiplierTensor, wt.shiftTensor], outputs: [y])
        g.writer.inputs = [x]
        g.writer.outputs = [y]
        let input = (0..<rows * k).map { i in i % 3 == 0 ? Int8.min : Int8.random(in: -128...127, using: &g.rng) }
        let expected = TFLiteReference.fullyConnected(input, rows: rows, k: k, inZeroPoint: g.zeroPoint(x), weights: wt.w, bias: wt.bias,
                                                      n: n, requant: .init(multiplier: wt.multiplier, shift: wt.shift, outZeroPoint: g.zeroPoint(y)))
        for threads in Self.threadCounts {
            let engine = try g.engine(threads: threads)
            guard case .gemm(let gemm) = engine.plan.steps[0].kernel else { Issue.record("not a GEMM"); return }
            #expect(gemm.narrow == !withMinimum)
            let op = withMinimum ? "qs8_gemm" : "qs8_gemm_narrow"
            #expect(engine.plan.steps[0].kernelName == String(cString: ember_kernel_name(op)))
            let out = try engine.run(input: Self.int8Bytes(input))
            #expect(Self.int8s(out) == expected, "seed \(seed), \(threads) threads")
        }
    }

    /// add of a tensor and a pad of another: two inputs through one graph, plus the pad op.
    @Test func padThenAdd() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        var g = TestGraph(seed: seed)
        let shape = [1, 40, 30, 24], padded = [1, 41, 33, 24], paddings = [0, 0, 0, 1, 2, 1, 0, 0]
        let a = g.activation("a", shape)
        let qa = g.writer.tensors[a].quantization!
        // A pad keeps its input's quantization.
        let pq = g.activation("p", padded, scale: qa.scales[0], zeroPoint: qa.zeroPoints[0])
        g.writer.addOp(.pad, inputs: [a], outputs: [pq], attributes: [.paddings: .ints(paddings), .padValue: .int(Int(g.zeroPoint(a)))])
        let c = g.activation("c", padded)
        var am: Int32 = 0, ash: Int32 = 0, bm: Int32 = 0, bsh: Int32 = 0, om: Int32 = 0, osh: Int32 = 0
        _ = ember_quantize_multiplier(0.4, &am, &ash)
        _ = ember_quantize_multiplier(0.6, &bm, &bsh)
        _ = ember_quantize_multiplier(1.7 / Double(1 << 20), &om, &osh)
        let y = g.activation("y", padded)
        g.writer.addOp(.add, inputs: [pq, c], outputs: [y], attributes: [
            .leftShift: .int(20), .aMultiplier: .int(Int(am)), .aShift: .int(Int(ash)), .bMultiplier: .int(Int(bm)),
            .bShift: .int(Int(bsh)), .outMultiplier: .int(Int(om)), .outShift: .int(Int(osh)), .actMin: .int(-120), .actMax: .int(127),
        ])
        g.writer.inputs = [a, c]
        g.writer.outputs = [y]
        let av = g.randomInt8(shape.reduce(1, *)), cv = g.randomInt8(padded.reduce(1, *))
        let pv = TFLiteReference.pad(av, shape: shape, paddings: paddings, value: Int8(g.zeroPoint(a)))
        let expected = TFLiteReference.add(pv, cv, .init(aZeroPoint: g.zeroPoint(a), bZeroPoint: g.zeroPoint(c), outZeroPoint: g.zeroPoint(y),
                                                          leftShift: 20, aMultiplier: am, aShift: ash, bMultiplier: bm, bShift: bsh,
                                                          outMultiplier: om, outShift: osh, min: -120))
        for threads in Self.threadCounts {
            let engine = try g.engine(threads: threads)
            Self.int8Bytes(av).withUnsafeBytes { engine.state.input(0).copyMemory(from: $0) }
            Self.int8Bytes(cv).withUnsafeBytes { engine.state.input(1).copyMemory(from: $0) }
            engine.state.run()
            #expect(Self.int8s([UInt8](engine.state.output(0))) == expected, "seed \(seed), \(threads) threads")
        }
    }

    /// float -> quantize -> requantize (int8 -> int8) -> dequantize -> float.
    @Test func quantizeRequantizeDequantize() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        var g = TestGraph(seed: seed)
        let n = 50_000
        let x = g.activation("x", [1, n], dtype: .float32)
        let q = g.activation("q", [1, n], scale: 0.05, zeroPoint: 3)
        let r = g.activation("r", [1, n], scale: 0.07, zeroPoint: -9)
        let y = g.activation("y", [1, n], dtype: .float32)
        var m: Int32 = 0, s: Int32 = 0
        _ = ember_quantize_multiplier(0.05 / 0.07, &m, &s)
        g.writer.addOp(.quantize, inputs: [x], outputs: [q])
        g.writer.addOp(.quantize, inputs: [q], outputs: [r], attributes: [.multiplier: .int(Int(m)), .shift: .int(Int(s))])
        g.writer.addOp(.dequantize, inputs: [r], outputs: [y])
        g.writer.inputs = [x]
        g.writer.outputs = [y]
        var values = (0..<n).map { _ in Float.random(in: -8...8, using: &g.rng) }
        values[0] = 0.025  // a tie: away from zero
        values[1] = -0.075
        let expected = TFLiteReference.dequantize(
            TFLiteReference.requantize(TFLiteReference.quantize(values, scale: 0.05, zeroPoint: 3), inZeroPoint: 3, multiplier: m, shift: s, outZeroPoint: -9),
            scale: 0.07, zeroPoint: -9)
        for threads in Self.threadCounts {
            let out = try g.engine(threads: threads).run(input: values.withUnsafeBytes { [UInt8]($0) })
            let floats = out.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            #expect(floats == expected, "seed \(seed), \(threads) threads")
        }
    }

    /// averagePool2d and a many-row softmax: the engine's plumbing (shapes, pointers, row splits)
    /// against the same C kernels called directly on the whole tensor.
    @Test func averagePoolThenSoftmaxRows() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        var g = TestGraph(seed: seed)
        let x = g.activation("x", [1, 9, 7, 40])
        let xq = g.writer.tensors[x].quantization!
        let pooled = g.activation("pooled", [1, 4, 3, 40], scale: xq.scales[0], zeroPoint: xq.zeroPoints[0])
        g.writer.addOp(.averagePool2d, inputs: [x], outputs: [pooled], attributes: [
            .kernelH: .int(3), .kernelW: .int(3), .strideH: .int(2), .strideW: .int(2), .padBottom: .int(1), .padRight: .int(1),
            .actMin: .int(-100), .actMax: .int(127)])
        let rows = g.activation("rows", [12, 40], scale: xq.scales[0], zeroPoint: xq.zeroPoints[0])
        g.writer.addOp(.reshape, inputs: [pooled], outputs: [rows])
        let y = g.activation("y", [12, 40], scale: 1.0 / 256, zeroPoint: -128)
        var params = ember_qs8_softmax_params(input_multiplier: 1_300_000_000, input_left_shift: 21, diff_min: -2000, out_zero_point: -128)
        g.writer.addOp(.softmax, inputs: [rows], outputs: [y], attributes: [
            .inputMultiplier: .int(Int(params.input_multiplier)), .inputLeftShift: .int(Int(params.input_left_shift)),
            .diffMin: .int(Int(params.diff_min))])
        g.writer.inputs = [x]
        g.writer.outputs = [y]
        let input = g.randomInt8(9 * 7 * 40)
        var pooledExpected = [Int8](repeating: 0, count: 4 * 3 * 40)
        ember_qs8_avgpool(input, 9, 7, 40, 3, 3, 2, 2, 0, 0, 4, 3, -100, 127, &pooledExpected)
        var expected = [Int8](repeating: 0, count: 12 * 40)
        ember_qs8_softmax(12, 40, pooledExpected, &expected, &params)
        for threads in Self.threadCounts {
            let engine = try g.engine(threads: threads)
            let out = try engine.run(input: Self.int8Bytes(input))
            #expect(Self.int8s(out) == expected, "seed \(seed), \(threads) threads")
        }
    }
}
