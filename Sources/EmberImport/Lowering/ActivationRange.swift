/// A fused activation as a clamp in the quantized domain, as TFLite's
/// CalculateActivationRangeQuantized computes it: `zero_point + round(f / scale)` in float32,
/// rounding half away from zero, intersected with [-128, 127].
enum ActivationRange {
    static func int8(_ activation: TFLiteActivation, scale: Float, zeroPoint: Int32)
        -> (min: Int, max: Int)? {
        func quantize(_ f: Float) -> Int {
            let q = (f / scale).rounded(.toNearestOrAwayFromZero)
            // Clamp before converting: a tiny scale makes q huge, and only its side of the range matters.
            return Int(zeroPoint) + Int(max(-1e6, min(1e6, q)))
        }
        switch activation {
        case .none: return (-128, 127)
        case .relu: return (max(-128, quantize(0)), 127)
        case .relu6: return (max(-128, quantize(0)), min(127, quantize(6)))
        case .reluN1To1: return (max(-128, quantize(-1)), min(127, quantize(1)))
        default: return nil
        }
    }
}
