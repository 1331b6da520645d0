import EmberFormat

/// How a classifier wants its image: resize, centre crop, normalisation, quantization.
///
/// The steps, matching the usual torchvision / PIL pipeline byte for byte on 8-bit images:
/// 1. resize (Pillow's antialiased bilinear, see `PillowResize`) so the shorter side is
///    `resizeShorterSide` (the longer side is `Int(side * long / short)`, truncated), or straight
///    to the crop size when `resizeShorterSide` is nil;
/// 2. centre crop to the model's input size (offset `round((size - crop) / 2)`, ties to even);
/// 3. per channel, in Float32: `(pixel * scale - mean[c]) / std[c]` (the `.ember` metadata's formula);
/// 4. quantize to the input tensor: `round(v / scale) + zeroPoint` (ties away from zero, as
///    TFLite's QUANTIZE), clamped to the type's range; or keep Float32.
public struct ImagePreprocessing: Sendable, Equatable {
    public enum ChannelOrder: Sendable, Equatable { case rgb, bgr }

    public var channelOrder: ChannelOrder
    public var resizeShorterSide: Int?
    public var scale: Float
    public var mean: [Float]
    public var std: [Float]

    public init(channelOrder: ChannelOrder = .rgb, resizeShorterSide: Int? = nil, scale: Float = 1.0 / 255,
                mean: [Float] = [0, 0, 0], std: [Float] = [1, 1, 1]) {
        self.channelOrder = channelOrder
        self.resizeShorterSide = resizeShorterSide
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
        var resized: RGBImage
        if let side = resizeShorterSide {
            guard side >= min(width, height) else {
                throw .invalidSize("shorter side \(side) is smaller than the \(width)x\(height) crop")
            }
            let (w, h) = Self.shorterSideSize(width: image.width, height: image.height, side: side)
            resized = try PillowResize.resize(image, width: w, height: h)
        } else {
            resized = try PillowResize.resize(image, width: width, height: height)
        }
        guard resized.width >= width, resized.height >= height else {
            throw .invalidSize("resized image \(resized.width)x\(resized.height) is smaller than the \(width)x\(height) crop")
        }
        let left = Self.centreOffset(resized.width - width)
        let top = Self.centreOffset(resized.height - height)
        if left == 0, top == 0, resized.width == width, resized.height == height { return resized }
        var pixels = [UInt8]()
        pixels.reserveCapacity(width * height * 3)
        for y in top..<(top + height) {
            let start = (y * resized.width + left) * 3
            pixels.append(contentsOf: resized.pixels[start..<(start + width * 3)])
        }
        return try RGBImage(width: width, height: height, pixels: pixels)
    }

    /// Steps 3 (and the channel order) on an already cropped image: NHWC Float32 values.
    public func normalize(_ image: RGBImage) throws(ImageError) -> [Float] {
        guard mean.count == 3, std.count == 3, std.allSatisfy({ $0 != 0 && $0.isFinite }) else {
            throw .invalidSize("preprocessing needs 3 means and 3 non-zero stds, got \(mean) and \(std)")
        }
        let order = channelOrder == .rgb ? [0, 1, 2] : [2, 1, 0]
        var out = [Float](repeating: 0, count: image.pixels.count)
        for p in 0..<(image.width * image.height) {
            for c in 0..<3 {
                let x = Float(image.pixels[p * 3 + order[c]]) * scale
                out[p * 3 + c] = (x - mean[c]) / std[c]
            }
        }
        return out
    }

    static func shorterSideSize(width: Int, height: Int, side: Int) -> (Int, Int) {
        if width <= height {
            return (side, Int(Double(side * height) / Double(width)))
        }
        return (Int(Double(side * width) / Double(height)), side)
    }

    static func centreOffset(_ excess: Int) -> Int {
        Int((Double(excess) / 2).rounded(.toNearestOrEven))
    }
}

/// Step 4: Float32 values to the bytes of an int8 / uint8 tensor.
public enum InputQuantizer {
    public static func quantizeInt8(_ values: [Float], scale: Float, zeroPoint: Int32) -> [Int8] {
        values.map { Int8(clamping: quantizedValue($0, scale: scale, zeroPoint: zeroPoint)) }
    }

    public static func quantizeUInt8(_ values: [Float], scale: Float, zeroPoint: Int32) -> [UInt8] {
        values.map { UInt8(clamping: quantizedValue($0, scale: scale, zeroPoint: zeroPoint)) }
    }

    @inline(__always)
    static func quantizedValue(_ v: Float, scale: Float, zeroPoint: Int32) -> Int32 {
        let r = (v / scale).rounded(.toNearestOrAwayFromZero)
        guard r.isFinite else { return r < 0 ? Int32.min : Int32.max }
        let clamped = max(min(r, 1e9), -1e9)
        return Int32(clamped) &+ zeroPoint
    }
}
