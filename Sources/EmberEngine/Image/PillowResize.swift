/// Antialiased bilinear resampling that reproduces Pillow's `Image.resize(size, Image.BILINEAR)`
/// on 8-bit RGB byte for byte, so that preprocessed model inputs equal those of Python pipelines.
///
/// The method (Pillow's "convolution" resampling): a separable triangle filter whose support
/// grows with the downscale factor (so downscaling averages every source pixel, no aliasing).
/// Per output coordinate the float weights are normalised to sum 1, then turned into fixed point
/// with 22 fractional bits; each pass accumulates integers with a rounding half, shifts and
/// clamps to 0...255. The first pass's 8-bit result feeds the second (see `horizontalFirst`).
enum PillowResize {
    static let precisionBits = 22

    /// One pass's taps: for output i, `count[i]` source pixels from `first[i]` with
    /// `weights[i * taps ..< i * taps + count[i]]`.
    struct Taps {
        var first: [Int]
        var count: [Int]
        var weights: [Int32]
        var taps: Int
    }

    /// Taps for mapping source span [start, end) (Pillow's float box) of a `inSize` axis to
    /// `outSize` pixels.
    static func taps(inSize: Int, start: Float, end: Float, outSize: Int) -> Taps {
        let scale = Double(end - start) / Double(outSize)
        let filterScale = max(scale, 1.0)
        let support = 1.0 * filterScale  // the triangle's support is 1 at scale 1
        let taps = Int(support.rounded(.up)) * 2 + 1
        var result = Taps(first: [Int](repeating: 0, count: outSize), count: [Int](repeating: 0, count: outSize),
                          weights: [Int32](repeating: 0, count: outSize * taps), taps: taps)
        var real = [Double](repeating: 0, count: taps)
        let inverseScale = 1.0 / filterScale
        for i in 0..<outSize {
            let center = Double(start) + (Double(i) + 0.5) * scale
            // Int(_:) truncates toward zero, as C's (int) cast does.
            let lo = max(Int(center - support + 0.5), 0)
            let hi = min(Int(center + support + 0.5), inSize)
            let n = max(hi - lo, 0)
            var sum = 0.0
            for t in 0..<n {
                let w = triangle((Double(t + lo) - center + 0.5) * inverseScale)
                real[t] = w
                sum += w
            }
            for t in 0..<n {
                let w = sum != 0 ? real[t] / sum : real[t]
                let fixed = w * Double(1 << precisionBits)
                result.weights[i * taps + t] = Int32(w < 0 ? fixed - 0.5 : fixed + 0.5)
            }
            result.first[i] = lo
            result.count[i] = n
        }
        return result
    }

    @inline(__always)
    static func triangle(_ x: Double) -> Double {
        let a = abs(x)
        return a < 1 ? 1 - a : 0
    }

    @inline(__always)
    static func clip8(_ acc: Int) -> UInt8 {
        let v = acc >> precisionBits
        return v < 0 ? 0 : v > 255 ? 255 : UInt8(v)
    }

    /// Resizes the whole image to `width` x `height`.
    static func resize(_ image: RGBImage, width: Int, height: Int) throws(ImageError) -> RGBImage {
        guard width > 0, height > 0 else { throw .invalidSize("resize to \(width)x\(height)") }
        let needHorizontal = width != image.width
        let needVertical = height != image.height
        if !needHorizontal && !needVertical { return image }
        let vertical = taps(inSize: image.height, start: 0, end: Float(image.height), outSize: height)
        let horizontal = taps(inSize: image.width, start: 0, end: Float(image.width), outSize: width)

        if horizontalFirst(from: image, width: width, height: height) {
            // The horizontal pass only produces the source rows the vertical pass reads.
            var rows = image.pixels
            var rowOffset = 0
            if needHorizontal {
                let firstRow = vertical.first[0]
                let lastRow = vertical.first[height - 1] + vertical.count[height - 1]
                rows = horizontalPass(image.pixels, width: image.width, rows: firstRow..<lastRow, taps: horizontal, outWidth: width)
                rowOffset = firstRow
            }
            if needVertical {
                rows = verticalPass(rows, width: width, rowOffset: rowOffset, taps: vertical, height: height)
            }
            return try RGBImage(width: width, height: height, pixels: rows)
        }
        var rows = verticalPass(image.pixels, width: image.width, rowOffset: 0, taps: vertical, height: height)
        if needHorizontal {
            rows = horizontalPass(rows, width: image.width, rows: 0..<height, taps: horizontal, outWidth: width)
        }
        return try RGBImage(width: width, height: height, pixels: rows)
    }

    /// Pillow 13 runs the vertical pass first when the height shrinks by more than twice as many
    /// pixels as the width does (older Pillow always went horizontal first; the two agree
    /// whenever that condition is false, as for the usual resize-shorter-side pipelines). The
    /// order matters for the bytes because the intermediate image is rounded to 8 bits.
    static func horizontalFirst(from image: RGBImage, width: Int, height: Int) -> Bool {
        let heightLoss = image.height - height
        return !(heightLoss > 0 && heightLoss > (image.width - width) * 2)
    }

    /// Rows `rows` of a `width`-wide image resampled to `outWidth`.
    private static func horizontalPass(_ pixels: [UInt8], width inWidth: Int, rows: Range<Int>, taps t: Taps,
                                       outWidth width: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: rows.count * width * 3)
        let half = 1 << (precisionBits - 1)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for (outRow, y) in rows.enumerated() {
                    let srcRow = y * inWidth * 3
                    let dstRow = outRow * width * 3
                    for x in 0..<width {
                        var r = half, g = half, b = half
                        let base = srcRow + t.first[x] * 3
                        for k in 0..<t.count[x] {
                            let w = Int(t.weights[x * t.taps + k])
                            r += Int(src[base + k * 3]) * w
                            g += Int(src[base + k * 3 + 1]) * w
                            b += Int(src[base + k * 3 + 2]) * w
                        }
                        dst[dstRow + x * 3] = clip8(r)
                        dst[dstRow + x * 3 + 1] = clip8(g)
                        dst[dstRow + x * 3 + 2] = clip8(b)
                    }
                }
            }
        }
        return out
    }

    /// A `width`-wide image whose first row is source row `rowOffset`, resampled to `height` rows.
    private static func verticalPass(_ pixels: [UInt8], width: Int, rowOffset: Int, taps t: Taps, height: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: height * width * 3)
        let half = 1 << (precisionBits - 1)
        let stride = width * 3
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    let first = t.first[y] - rowOffset
                    for i in 0..<stride {
                        var acc = half
                        for k in 0..<t.count[y] {
                            acc += Int(src[(first + k) * stride + i]) * Int(t.weights[y * t.taps + k])
                        }
                        dst[y * stride + i] = clip8(acc)
                    }
                }
            }
        }
        return out
    }
}
