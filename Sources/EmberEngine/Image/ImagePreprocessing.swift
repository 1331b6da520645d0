import EmberFormat

/// How a classifier wants its image: resize, centre crop, normalisation, quantization. By default
/// this reproduces tools/models/preprocess.py (the goldens' preprocessing) byte for byte:
/// 1. resize so the shorter side is `resizeShorterSide`, the longer side
///    `round_half_up(long * side / short)` (or straight to the input size when it is nil);
/// 2. centre crop to the model's input size at `floor((size - crop) / 2)`;
///    with `.halfPixelBilinear` (default) only the crop window is computed;
/// 3. per channel, in Float64 from the Float32 constants: `f = (pixel * scale - mean[c]) / std[c]`;
/// 4. int8 / uint8 inputs: `round_half_away_from_zero(f / inputScale) + zeroPoint`, clamped
///    (one 256-entry table per channel); float32 inputs: `Float(f)`.
public struct ImagePreprocessing: Sendable, Equatable {
    public enum ChannelOrder: Sendable, Equatable { case rgb, bgr }
    public enum ResizeMethod: Sendable, Equatable {
        /// Integer bilinear, half-pixel centres, no antialiasing (Ember's models and goldens).
        case halfPixelBilinear
        /// Pillow's `resize(size, BILINEAR)` (antialiased; for pipelines trained with PIL).
        case pillowAntialiased
    }

    public var channelOrder: ChannelOrder
    public var resizeShorterSide: Int?
    public var resizeMethod: ResizeMethod
    public var scale: Float
    public var mean: [Float]
    public var std: [Float]

    public init(channelOrder: ChannelOrder = .rgb, resizeShorterSide: Int? = nil,
                resizeMethod: ResizeMethod = .halfPixelBilinear, scale: Float = 1.0 / 255,
                mean: [Float] = [0, 0, 0], std: [Float] = [1, 1, 1]) {
        self.channelOrder = channelOrder
        self.resizeShorterSide = resizeShorterSide
        self.resizeMethod = resizeMethod
        self.scale = scale
        self.mean = mean
        self.std = std
    }

    /// From a model's metadata.
    public init(_ p: Preprocessing) {
        self.init(channelOrder: p.colorOrder == .bgr ? .bgr : .rgb, resizeShorterSide: p.resizeShorterSide,
                  scale: p.scale, mean: p.mean, std: p.std)
    }

    /// ImageNet classifiers trained with torchvision: shorter side 256 (for 224 inputs), ImageNet mean / std.
    public static func imageNet(resizeShorterSide: Int = 256) -> ImagePreprocessing {
        ImagePreprocessing(resizeShorterSide: resizeShorterSide, scale: 1.0 / 255,
                           mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])
    }

    /// Steps 1 and 2: the RGB8 pixels the model sees.
    public func resizeAndCrop(_ image: RGBImage, width: Int, height: Int) throws(ImageError) -> RGBImage {
        guard width > 0, height > 0 else { throw .invalidSize("model input of \(width)x\(height)") }
        var (w, h) = (width, height)
        if let side = resizeShorterSide {
            guard side >= min(width, height), side <= 1 << 16 else {
                throw .invalidSize("shorter side \(side) does not cover the \(width)x\(height) crop")
            }
            (w, h) = Self.shorterSideSize(width: image.width, height: image.height, side: side)
            guard w >= width, h >= height else {
                throw .invalidSize("resized image \(w)x\(h) is smaller than the \(width)x\(height) crop")
            }
        }
        let left = (w - width) / 2, top = (h - height) / 2
        switch resizeMethod {
        case .halfPixelBilinear:
            return try HalfPixelBilinear.resizeWindow(image, outWidth: w, outHeight: h, left: left, top: top,
                                                      width: width, height: height)
        case .pillowAntialiased:
            return try PillowResize.resize(image, width: w, height: h).cropped(left: left, top: top, width: width, height: height)
        }
    }

    /// Step 3 (and the channel order) on an already cropped image: NHWC Float64 values.
    public func normalize(_ image: RGBImage) throws(ImageError) -> [Double] {
        let tables = try channelTables { $0 }
        let order = channelOrder == .rgb ? [0, 1, 2] : [2, 1, 0]
        var out = [Double](repeating: 0, count: image.pixels.count)
        for p in 0..<(image.width * image.height) {
            for c in 0..<3 { out[p * 3 + c] = tables[c][Int(image.pixels[p * 3 + order[c]])] }
        }
        return out
    }

    /// Steps 3 and 4 straight to the bytes of an int8, uint8 or float32 input tensor.
    public func inputBytes(_ image: RGBImage, type: DType, scale inputScale: Float = 1, zeroPoint: Int32 = 0) throws(ImageError) -> [UInt8] {
        let order = channelOrder == .rgb ? [0, 1, 2] : [2, 1, 0]
        switch type {
        case .int8, .uint8:
            guard inputScale > 0, inputScale.isFinite else { throw .invalidSize("input scale \(inputScale)") }
            let range: ClosedRange<Int64> = type == .int8 ? -128...127 : 0...255
            let tables = try channelTables { f in
                let q = InputQuantizer.roundHalfAwayFromZero(f / Double(inputScale))
                return UInt8(truncatingIfNeeded: min(max(q &+ Int64(zeroPoint), range.lowerBound), range.upperBound))
            }
            var out = [UInt8](repeating: 0, count: image.pixels.count)
            for p in 0..<(image.width * image.height) {
                for c in 0..<3 { out[p * 3 + c] = tables[c][Int(image.pixels[p * 3 + order[c]])] }
            }
            return out
        case .float32:
            let values = try normalize(image)
            return values.map { Float($0) }.withUnsafeBytes { [UInt8]($0) }
        default:
            throw .invalidSize("images feed int8, uint8 or float32 inputs, not \(type)")
        }
    }

    /// One 256-entry table per channel: `transform((v * scale - mean[c]) / std[c])` in Float64.
    private func channelTables<T>(_ transform: (Double) -> T) throws(ImageError) -> [[T]] {
        guard mean.count == 3, std.count == 3, std.allSatisfy({ $0 != 0 && $0.isFinite }),
              mean.allSatisfy(\.isFinite), scale.isFinite else {
            throw .invalidSize("preprocessing needs a finite scale, 3 means and 3 non-zero stds, got \(scale), \(mean), \(std)")
        }
        return (0..<3).map { c in
            (0..<256).map { v in transform((Double(v) * Double(scale) - Double(mean[c])) / Double(std[c])) }
        }
    }

    static func shorterSideSize(width: Int, height: Int, side: Int) -> (Int, Int) {
        if height <= width {
            return ((2 * width * side + height) / (2 * height), side)
        }
        return (side, (2 * height * side + width) / (2 * width))
    }
}

extension RGBImage {
    func cropped(left: Int, top: Int, width: Int, height: Int) throws(ImageError) -> RGBImage {
        guard left >= 0, top >= 0, width > 0, height > 0, left + width <= self.width, top + height <= self.height else {
            throw .invalidSize("crop \(width)x\(height) at (\(left), \(top)) of \(self.width)x\(self.height)")
        }
        if left == 0, top == 0, width == self.width, height == self.height { return self }
        var out = [UInt8]()
        out.reserveCapacity(width * height * 3)
        for y in top..<(top + height) {
            let start = (y * self.width + left) * 3
            out.append(contentsOf: pixels[start..<(start + width * 3)])
        }
        return try RGBImage(width: width, height: height, pixels: out)
    }
}

/// Float values to the bytes of an int8 / uint8 tensor (TFLite QUANTIZE rounding).
public enum InputQuantizer {
    public static func quantizeInt8(_ values: [Double], scale: Float, zeroPoint: Int32) -> [Int8] {
        values.map { Int8(clamping: roundHalfAwayFromZero($0 / Double(scale)) &+ Int64(zeroPoint)) }
    }

    public static func quantizeUInt8(_ values: [Double], scale: Float, zeroPoint: Int32) -> [UInt8] {
        values.map { UInt8(clamping: roundHalfAwayFromZero($0 / Double(scale)) &+ Int64(zeroPoint)) }
    }

    /// Rounded, and saturated far outside any quantized range (NaN counts as 0).
    static func roundHalfAwayFromZero(_ v: Double) -> Int64 {
        guard !v.isNaN else { return 0 }
        return Int64(max(min(v.rounded(.toNearestOrAwayFromZero), 1e15), -1e15))
    }
}
