import CEmberKernels
import EmberFormat
import Testing
@testable import EmberEngine

/// Whole graphs: views, arena reuse, multi-op chains, and the errors planning reports.
@Suite struct PlanTests {
    /// pad -> conv 3x3 s2 -> depthwise -> conv 1x1 -> add (residual) -> mean -> reshape -> fc -> softmax:
    /// a miniature MobileNet. Checked op by op against the reference (mean and softmax against
    /// their C kernels called directly), at 1 to 3 threads.
    @Test func miniatureMobileNet() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        var g = TestGraph(seed: seed)
        let x = g.activation("x", [1, 17, 15, 3])
        let xq = g.writer.tensors[x].quantization!
        let padded = g.activation("padded", [1, 18, 16, 3], scale: xq.scales[0], zeroPoint: xq.zeroPoints[0])
        g.writer.addOp(.pad, inputs: [x], outputs: [padded],
                       attributes: [.paddings: .ints([0, 0, 0, 1, 0, 1, 0, 0]), .padValue: .int(Int(xq.zeroPoints[0]))])
        let c1 = g.activation("c1", [1, 8, 7, 16])
        let w1 = g.gemmWeights("c1", n: 16, k: 27, logicalShape: [16, 3, 3, 3], inZeroPoint: g.zeroPoint(padded))
        g.writer.addOp(.conv2d, inputs: [padded, w1.packed, w1.multiplierTensor, w1.shiftTensor], outputs: [c1],
                       attributes: [.kernelH: .int(3), .kernelW: .int(3), .strideH: .int(2), .strideW: .int(2), .actMin: .int(-128), .actMax: .int(100)])
        let d1 = g.activation("d1", [1, 8, 7, 16])
        let wd = g.depthwiseWeights("d1", channels: 16, inZeroPoint: g.zeroPoint(c1))
        g.writer.addOp(.depthwiseConv2d, inputs: [c1, wd.packed, wd.multiplierTensor, wd.shiftTensor], outputs: [d1], attributes: [
            .strideH: .int(1), .strideW: .int(1), .padTop: .int(1), .padLeft: .int(1), .padBottom: .int(1), .padRight: .int(1)])
        let p1 = g.activation("p1", [1, 8, 7, 16])
        let wp = g.gemmWeights("p1", n: 16, k: 16, logicalShape: [16, 1, 1, 16], inZeroPoint: g.zeroPoint(d1))
        g.writer.addOp(.conv2d, inputs: [d1, wp.packed, wp.multiplierTensor, wp.shiftTensor], outputs: [p1],
                       attributes: [.kernelH: .int(1), .kernelW: .int(1)])
        let sum = g.activation("sum", [1, 8, 7, 16])
        var am: Int32 = 0, ash: Int32 = 0, bm: Int32 = 0, bsh: Int32 = 0, om: Int32 = 0, osh: Int32 = 0
        _ = ember_quantize_multiplier(0.45, &am, &ash)
        _ = ember_quantize_multiplier(0.55, &bm, &bsh)
        _ = ember_quantize_multiplier(1.3 / Double(1 << 20), &om, &osh)
        let addParams = TFLiteReference.AddParams(aZeroPoint: g.zeroPoint(c1), bZeroPoint: g.zeroPoint(p1), outZeroPoint: g.zeroPoint(sum),
                                                  leftShift: 20, aMultiplier: am, aShift: ash, bMultiplier: bm, bShift: bsh,
                                                  outMultiplier: om, outShift: osh)
        g.writer.addOp(.add, inputs: [c1, p1], outputs: [sum], attributes: [
            .leftShift: .int(20), .aMultiplier: .int(Int(am)), .aShift: .int(Int(ash)), .bMultiplier: .int(Int(bm)),
            .bShift: .int(Int(bsh)), .outMultiplier: .int(Int(om)), .outShift: .int(Int(osh))])
        let mean = g.activation("mean", [1, 1, 1, 16])
        var mm: Int32 = 0, msh: Int32 = 0
        _ = ember_quantize_multiplier(0.9, &mm, &msh)
        g.writer.addOp(.mean, inputs: [sum], outputs: [mean], attributes: [.axes: .ints([1, 2]), .keepDims: .int(1),
                                                                            .multiplier: .int(Int(mm)), .shift: .int(Int(msh))])
        let mq = g.writer.tensors[mean].quantization!
        let flat = g.activation("flat", [1, 16], scale: mq.scales[0], zeroPoint: mq.zeroPoints[0])
        g.writer.addOp(.reshape, inputs: [mean], outputs: [flat])
        let logits = g.activation("logits", [1, 10])
        let wf = g.gemmWeights("fc", n: 10, k: 16, logicalShape: [10, 16], inZeroPoint: g.zeroPoint(flat))
        g.writer.addOp(.fullyConnected, inputs: [flat, wf.packed, wf.multiplierTensor, wf.shiftTensor], outputs: [logits])
        let probabilities = g.activation("probabilities", [1, 10], scale: 1.0 / 256, zeroPoint: -128)
        let softmax = ember_qs8_softmax_params(input_multiplier: 1_717_986_918, input_left_shift: 23, diff_min: -3968, out_zero_point: -128)
        g.writer.addOp(.softmax, inputs: [logits], outputs: [probabilities], attributes: [
            .inputMultiplier: .int(Int(softmax.input_multiplier)), .inputLeftShift: .int(Int(softmax.input_left_shift)),
            .diffMin: .int(Int(softmax.diff_min))])
        g.writer.inputs = [x]
        g.writer.outputs = [probabilities]

        let input = g.randomInt8(17 * 15 * 3)
        let r = TFLiteReference.self
        let pv = r.pad(input, shape: [1, 17, 15, 3], paddings: [0, 0, 0, 1, 0, 1, 0, 0], value: Int8(xq.zeroPoints[0]))
        let c1v = r.conv(pv, h: 18, w: 16, cin: 3, inZeroPoint: g.zeroPoint(padded), weights: w1.w, bias: w1.bias, cout: 16,
                         window: .init(kernelH: 3, kernelW: 3, strideH: 2, strideW: 2),
                         requant: .init(multiplier: w1.multiplier, shift: w1.shift, outZeroPoint: g.zeroPoint(c1), max: 100))
        let d1v = r.depthwise(c1v, h: 8, w: 7, c: 16, inZeroPoint: g.zeroPoint(c1), weights: wd.w, bias: wd.bias,
                              window: .init(kernelH: 3, kernelW: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1),
                              requant: .init(multiplier: wd.multiplier, shift: wd.shift, outZeroPoint: g.zeroPoint(d1)))
        let p1v = r.conv(d1v, h: 8, w: 7, cin: 16, inZeroPoint: g.zeroPoint(d1), weights: wp.w, bias: wp.bias, cout: 16, window: .init(),
                         requant: .init(multiplier: wp.multiplier, shift: wp.shift, outZeroPoint: g.zeroPoint(p1)))
        let sumv = r.add(c1v, p1v, addParams)
        var meanv = [Int8](repeating: 0, count: 16)
        var meanParams = ember_qs8_mean_params(in_zero_point: g.zeroPoint(sum), out_zero_point: g.zeroPoint(mean),
                                               multiplier: mm, shift: msh, min: -128, max: 127)
        ember_qs8_mean_hw(sumv, 8, 7, 16, &meanv, &meanParams)
        let logitsv = r.fullyConnected(meanv, rows: 1, k: 16, inZeroPoint: g.zeroPoint(flat), weights: wf.w, bias: wf.bias, n: 10,
                                       requant: .init(multiplier: wf.multiplier, shift: wf.shift, outZeroPoint: g.zeroPoint(logits)))
        var expected = [Int8](repeating: 0, count: 10)
        var softmaxParams = softmax
        ember_qs8_softmax(1, 10, logitsv, &expected, &softmaxParams)

        for threads in [1, 2, 3] {
            let engine = try g.engine(threads: threads)
            let out = try engine.run(input: OperatorTests.int8Bytes(input))
            #expect(OperatorTests.int8s(out) == expected, "seed \(seed), \(threads) threads")
            #expect(engine.plan.steps.count == 8 && engine.plan.viewCount == 1)
            #expect(engine.outputIsProbabilities)
            // The two largest live tensors at once bound the arena from below; reuse keeps it
            // well under the sum of all activations.
            let activations = engine.plan.graph.tensors.filter { $0.constant == nil }.compactMap(\.byteCount).reduce(0, +)
            #expect(engine.arenaSize < activations, "arena \(engine.arenaSize) vs \(activations) bytes of activations")
            // Running again on the same state gives the same bytes (nothing stale is read).
            let again = try engine.run(input: OperatorTests.int8Bytes(input))
            #expect(OperatorTests.int8s(again) == expected)
        }
    }

    static func oneConv(family: String? = nil, attributes: [AttributeKey: AttributeValue] = [.kernelH: .int(1), .kernelW: .int(1)],
                        outputShape: [Int] = [1, 4, 4, 8]) throws -> Engine {
        var g = TestGraph(seed: 1)
        if let family { g.writer.metadata.packingFamily = family }
        let x = g.activation("x", [1, 4, 4, 8]), y = g.activation("y", outputShape)
        let w = g.gemmWeights("w", n: 8, k: 8, logicalShape: [8, 1, 1, 8], inZeroPoint: g.zeroPoint(x))
        g.writer.addOp(.conv2d, inputs: [x, w.packed, w.multiplierTensor, w.shiftTensor], outputs: [y], attributes: attributes)
        g.writer.inputs = [x]
        g.writer.outputs = [y]
        return try g.engine(threads: 1)
    }

    @Test func packingFamilyMismatchNamesBoth() throws {
        let ours = String(cString: ember_qs8_gemm_packing())
        #expect(throws: EngineError.packingMismatch(file: "qs8-gemm-other-v9", cpu: ours)) {
            try Self.oneConv(family: "qs8-gemm-other-v9")
        }
    }

    @Test func inconsistentOperatorsAreNamed() throws {
        #expect(throws: EngineError.invalidOperator(index: 0, kind: "conv2d", detail: "missing attribute 'kernel_h'")) {
            try Self.oneConv(attributes: [:])
        }
        #expect {
            try Self.oneConv(outputShape: [1, 3, 4, 8])
        } throws: { error in
            guard case EngineError.invalidOperator(0, "conv2d", let detail) = error else { return false }
            return detail.hasPrefix("output is 3x4 but kernel 1x1")
        }
        #expect {
            try Self.oneConv(attributes: [.kernelH: .int(3), .kernelW: .int(3), .padTop: .int(1), .padLeft: .int(1), .padBottom: .int(1), .padRight: .int(1)])
        } throws: { error in
            guard case EngineError.invalidOperator(0, "conv2d", let detail) = error else { return false }
            return detail.contains("logical shape") || detail.contains("bytes")
        }
    }

    @Test func wrongInputSizeIsRefused() throws {
        let engine = try Self.oneConv()
        #expect(throws: EngineError.self) { try engine.run(input: [1, 2, 3]) }
        let input = [UInt8](repeating: 0, count: 128)
        var output = [UInt8](repeating: 0, count: 5)
        #expect(throws: EngineError.self) {
            try input.withUnsafeBytes { i in try output.withUnsafeMutableBytes { o in try engine.run(input: i, output: o) } }
        }
    }
}
