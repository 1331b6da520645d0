/// Affine quantization: `real = scale * (q - zeroPoint)`.
/// Per tensor: one scale and one zero point. Per channel: one of each per index of
/// `quantizedDimension` (e.g. output channel 0 of OHWI conv weights).
public struct Quantization: Sendable, Equatable {
    public var scales: [Float]
    public var zeroPoints: [Int32]
    /// The dimension the per-channel arrays run along; 0 and ignored for per-tensor.
    public var quantizedDimension: Int

    public init(scales: [Float], zeroPoints: [Int32], quantizedDimension: Int) {
        self.scales = scales
        self.zeroPoints = zeroPoints
        self.quantizedDimension = quantizedDimension
    }

    /// Per-tensor quantization.
    public init(scale: Float, zeroPoint: Int32) {
        self.init(scales: [scale], zeroPoints: [zeroPoint], quantizedDimension: 0)
    }

    public var isPerChannel: Bool { scales.count != 1 }

    /// The first (for per-tensor: the only) scale. The reader guarantees at least one.
    public var scale: Float { scales.first ?? 0 }

    /// The first (for per-tensor: the only) zero point.
    public var zeroPoint: Int32 { zeroPoints.first ?? 0 }
}
