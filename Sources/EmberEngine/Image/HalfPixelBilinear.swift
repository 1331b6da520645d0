/// The resize of Ember's image models (tools/models/preprocess.py is its specification): bilinear
/// with half-pixel centres, no antialiasing, integer arithmetic only, so that the engine's input
/// bytes equal the goldens' exactly.
///
/// Per axis resized from `nIn` to `nOut`, output index x samples source coordinate
/// `s = ((2x + 1) * nIn - nOut) / (2 * nOut)` (exact rational, clamped at 0): taps
/// `floor(s)` and the next pixel (clamped to the edge), weights in 1/2048 with
/// `w1 = round_half_up(frac(s) * 2048)`. A pixel is `(sum of the 2x2 products + 2^21) >> 22`,
/// with no rounding between the two axes.
enum HalfPixelBilinear {
    static let weightBits = 11

    struct Tap {
        var i0: Int, i1: Int, w0: Int, w1: Int
    }

    static func taps(from nIn: Int, to nOut: Int, indices: Range<Int>) -> [Tap] {
        let one = 1 << weightBits
        let den = 2 * nOut
        return indices.map { x in
            let num = max((2 * x + 1) * nIn - nOut, 0)
            var i0 = num / den
            let rem = num % den
            var w1 = (rem * one * 2 + den) / (2 * den)
            var i1 = min(i0 + 1, nIn - 1)
            if i0 >= nIn - 1 {
                i0 = nIn - 1
                i1 = nIn - 1
                w1 = 0
            }
            return Tap(i0: i0, i1: i1, w0: one - w1, w1: w1)
        }
    }

    /// The window [left, left + width) x [top, top + height) of `image` resized to `outWidth` x
    /// `outHeight` (only the window's pixels are computed).
    static func resizeWindow(_ image: RGBImage, outWidth: Int, outHeight: Int,
                             left: Int, top: Int, width: Int, height: Int) throws(ImageError) -> RGBImage {
        guard outWidth > 0, outHeight > 0, left >= 0, top >= 0, width > 0, height > 0,
              left + width <= outWidth, top + height <= outHeight else {
            throw .invalidSize("window \(width)x\(height) at (\(left), \(top)) of a \(outWidth)x\(outHeight) resize")
        }
        let tx = taps(from: image.width, to: outWidth, indices: left..<(left + width))
        let ty = taps(from: image.height, to: outHeight, indices: top..<(top + height))
        let round = 1 << (2 * weightBits - 1)
        var out = [UInt8](repeating: 0, count: width * height * 3)
        let stride = image.width * 3
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                var o = 0
                for y in ty {
                    let r0 = y.i0 * stride, r1 = y.i1 * stride
                    for x in tx {
                        let c0 = x.i0 * 3, c1 = x.i1 * 3
                        for c in 0..<3 {
                            let top = x.w0 * Int(src[r0 + c0 + c]) + x.w1 * Int(src[r0 + c1 + c])
                            let bottom = x.w0 * Int(src[r1 + c0 + c]) + x.w1 * Int(src[r1 + c1 + c])
                            dst[o] = UInt8((y.w0 * top + y.w1 * bottom + round) >> (2 * weightBits))
                            o += 1
                        }
                    }
                }
            }
        }
        return try RGBImage(width: width, height: height, pixels: out)
    }
}
