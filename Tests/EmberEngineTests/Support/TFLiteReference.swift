/// Straightforward Swift versions of TFLite's reference int8 kernels (the engine's oracle in
/// unit tests). Tensors are flat NHWC arrays with batch 1.
enum TFLiteReference {
    static func saturatingRoundingDoublingHighMul(_ a: Int32, _ b: Int32) -> Int32 {
        if a == b && a == Int32.min { return Int32.max }
        let ab = Int64(a) * Int64(b)
        let nudge: Int64 = ab >= 0 ? 1 << 30 : 1 - (1 << 30)
        return Int32((ab + nudge) / (1 << 31))  // Swift's / truncates toward zero, as C's
    }

    static func roundingDivideByPOT(_ x: Int32, _ exponent: Int32) -> Int32 {
        let mask = Int32((Int64(1) << exponent) - 1)
        let remainder = x & mask
        let threshold = (mask >> 1) + (x < 0 ? 1 : 0)
        return (x >> exponent) + (remainder > threshold ? 1 : 0)
    }

    static func multiplyByQuantizedMultiplier(_ x: Int32, _ multiplier: Int32, _ shift: Int32) -> Int32 {
        let left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift
        return roundingDivideByPOT(saturatingRoundingDoublingHighMul(x &* (1 << left), multiplier), right)
    }

    struct Requant {
        var multiplier: [Int32], shift: [Int32], outZeroPoint: Int32, min: Int32 = -128, max: Int32 = 127
        func apply(_ acc: Int32, channel: Int) -> Int8 {
            let v = multiplyByQuantizedMultiplier(acc, multiplier[channel], shift[channel]) + outZeroPoint
            return Int8(Swift.min(Swift.max(v, min), max))
        }
    }

    struct Window {
        var kernelH = 1, kernelW = 1, strideH = 1, strideW = 1, dilationH = 1, dilationW = 1
        var padTop = 0, padLeft = 0, padBottom = 0, padRight = 0
        func outSize(_ h: Int, _ w: Int) -> (Int, Int) {
            ((h + padTop + padBottom - (kernelH - 1) * dilationH - 1) / strideH + 1,
             (w + padLeft + padRight - (kernelW - 1) * dilationW - 1) / strideW + 1)
        }
    }

    /// ConvPerChannel: weights [cout][kh][kw][cin]; taps outside the image contribute nothing.
    static func conv(_ x: [Int8], h: Int, w: Int, cin: Int, inZeroPoint: Int32, weights: [Int8], bias: [Int32],
                     cout: Int, window: Window, requant: Requant) -> [Int8] {
        let (oh, ow) = window.outSize(h, w)
        var out = [Int8](repeating: 0, count: oh * ow * cout)
        for oy in 0..<oh {
            for ox in 0..<ow {
                for co in 0..<cout {
                    var acc: Int32 = 0
                    for ky in 0..<window.kernelH {
                        for kx in 0..<window.kernelW {
                            let iy = oy * window.strideH - window.padTop + ky * window.dilationH
                            let ix = ox * window.strideW - window.padLeft + kx * window.dilationW
                            guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                            for ci in 0..<cin {
                                let xv = Int32(x[(iy * w + ix) * cin + ci]) - inZeroPoint
                                acc += xv * Int32(weights[((co * window.kernelH + ky) * window.kernelW + kx) * cin + ci])
                            }
                        }
                    }
                    out[(oy * ow + ox) * cout + co] = requant.apply(acc + bias[co], channel: co)
                }
            }
        }
        return out
    }

    /// DepthwiseConvPerChannel, multiplier 1: weights [3][3][c].
    static func depthwise(_ x: [Int8], h: Int, w: Int, c: Int, inZeroPoint: Int32, weights: [Int8], bias: [Int32],
                          window: Window, requant: Requant) -> [Int8] {
        let (oh, ow) = window.outSize(h, w)
        var out = [Int8](repeating: 0, count: oh * ow * c)
        for oy in 0..<oh {
            for ox in 0..<ow {
                for ch in 0..<c {
                    var acc: Int32 = 0
                    for ky in 0..<3 {
                        for kx in 0..<3 {
                            let iy = oy * window.strideH - window.padTop + ky, ix = ox * window.strideW - window.padLeft + kx
                            guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                            acc += (Int32(x[(iy * w + ix) * c + ch]) - inZeroPoint) * Int32(weights[(ky * 3 + kx) * c + ch])
                        }
                    }
                    out[(oy * ow + ox) * c + ch] = requant.apply(acc + bias[ch], channel: ch)
                }
            }
        }
        return out
    }

    /// FullyConnected: weights [n][k].
    static func fullyConnected(_ x: [Int8], rows: Int, k: Int, inZeroPoint: Int32, weights: [Int8], bias: [Int32],
                               n: Int, requant: Requant) -> [Int8] {
        var out = [Int8](repeating: 0, count: rows * n)
        for r in 0..<rows {
            for j in 0..<n {
                var acc: Int32 = 0
                for i in 0..<k { acc += (Int32(x[r * k + i]) - inZeroPoint) * Int32(weights[j * k + i]) }
                out[r * n + j] = requant.apply(acc + bias[j], channel: j)
            }
        }
        return out
    }

    struct AddParams {
        var aZeroPoint: Int32, bZeroPoint: Int32, outZeroPoint: Int32, leftShift: Int32
        var aMultiplier: Int32, aShift: Int32, bMultiplier: Int32, bShift: Int32, outMultiplier: Int32, outShift: Int32
        var min: Int32 = -128, max: Int32 = 127
    }

    static func add(_ a: [Int8], _ b: [Int8], _ p: AddParams) -> [Int8] {
        zip(a, b).map { x, y in
            let sa = multiplyByQuantizedMultiplier((Int32(x) - p.aZeroPoint) << p.leftShift, p.aMultiplier, p.aShift)
            let sb = multiplyByQuantizedMultiplier((Int32(y) - p.bZeroPoint) << p.leftShift, p.bMultiplier, p.bShift)
            let v = multiplyByQuantizedMultiplier(sa + sb, p.outMultiplier, p.outShift) + p.outZeroPoint
            return Int8(Swift.min(Swift.max(v, p.min), p.max))
        }
    }

    /// Pad of a 4-D [n][h][w][c] tensor; `paddings` before/after per dimension.
    static func pad(_ x: [Int8], shape: [Int], paddings: [Int], value: Int8) -> [Int8] {
        let os: [Int] = (0..<4).map { shape[$0] + paddings[2 * $0] + paddings[2 * $0 + 1] }
        var out = [Int8](repeating: value, count: os.reduce(1, *))
        var src = 0
        for n in 0..<shape[0] {
            for y in 0..<shape[1] {
                for xx in 0..<shape[2] {
                    let row: Int = ((n + paddings[0]) * os[1] + y + paddings[2]) * os[2] + xx + paddings[4]
                    for c in 0..<shape[3] {
                        out[row * os[3] + c + paddings[6]] = x[src]
                        src += 1
                    }
                }
            }
        }
        return out
    }

    /// QUANTIZE float -> int8: round half away from zero, add the zero point, clamp.
    static func quantize(_ x: [Float], scale: Float, zeroPoint: Int32) -> [Int8] {
        x.map { v in Int8(Swift.min(Swift.max(Int32((v / scale).rounded(.toNearestOrAwayFromZero)) + zeroPoint, -128), 127)) }
    }

    static func dequantize(_ x: [Int8], scale: Float, zeroPoint: Int32) -> [Float] {
        x.map { scale * Float(Int32($0) - zeroPoint) }
    }

    /// QUANTIZE int8 -> int8 (Requantize).
    static func requantize(_ x: [Int8], inZeroPoint: Int32, multiplier: Int32, shift: Int32, outZeroPoint: Int32) -> [Int8] {
        x.map { v in
            let r = multiplyByQuantizedMultiplier(Int32(v) - inZeroPoint, multiplier, shift) + outZeroPoint
            return Int8(Swift.min(Swift.max(r, -128), 127))
        }
    }
}
