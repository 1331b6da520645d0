import CEmberKernels

/// The kernels' own pack functions and QuantizeMultiplier (CEmberKernels).
public struct CKernelInterface: KernelInterface {
    public init() {}

    public var packingFamily: String { String(cString: ember_qs8_gemm_packing()) }

    public func packGEMM(n: Int, k: Int, weights: [Int8], bias: [Int32]?, inputZeroPoint: Int32) -> [UInt8] {
        precondition(weights.count == n * k && (bias?.count ?? n) == n, "packGEMM: inconsistent sizes")
        var packed = [UInt8](repeating: 0, count: ember_qs8_gemm_packed_size(n, k))
        weights.withUnsafeBufferPointer { w in
            packed.withUnsafeMutableBytes { out in
                if let bias {
                    bias.withUnsafeBufferPointer { b in
                        ember_qs8_gemm_pack(n, k, w.baseAddress, b.baseAddress, inputZeroPoint, out.baseAddress)
                    }
                } else {
                    ember_qs8_gemm_pack(n, k, w.baseAddress, nil, inputZeroPoint, out.baseAddress)
                }
            }
        }
        return packed
    }

    public func packDepthwise3x3(channels: Int, weights: [Int8], bias: [Int32]?, inputZeroPoint: Int32) -> [UInt8] {
        precondition(weights.count == 9 * channels && (bias?.count ?? channels) == channels,
                     "packDepthwise3x3: inconsistent sizes")
        var packed = [UInt8](repeating: 0, count: ember_qs8_dwconv3x3_packed_size(channels))
        weights.withUnsafeBufferPointer { w in
            packed.withUnsafeMutableBytes { out in
                if let bias {
                    bias.withUnsafeBufferPointer { b in
                        ember_qs8_dwconv3x3_pack(channels, w.baseAddress, b.baseAddress, inputZeroPoint, out.baseAddress)
                    }
                } else {
                    ember_qs8_dwconv3x3_pack(channels, w.baseAddress, nil, inputZeroPoint, out.baseAddress)
                }
            }
        }
        return packed
    }

    public func quantizeMultiplier(_ scale: Double) -> (multiplier: Int32, shift: Int32)? {
        var multiplier: Int32 = 0
        var shift: Int32 = 0
        guard ember_quantize_multiplier(scale, &multiplier, &shift) == 0 else { return nil }
        return (multiplier, shift)
    }
}
