/// What the converter needs from the kernels: the weight pack functions paired with the kernels
/// (so the packed layout is whatever the kernels read) and TFLite's QuantizeMultiplier (so the
/// converter and the kernels' tests share one implementation). `CKernelInterface` calls
/// CEmberKernels; tests may substitute a recording double.
public protocol KernelInterface: Sendable {
    /// Packing family written to the file's metadata (e.g. "qs8-gemm-n8k8-v1").
    var packingFamily: String { get }
    /// `ember_qs8_gemm_pack`: weights [n][k] (row = output channel), bias [n], input zero point folded.
    func packGEMM(n: Int, k: Int, weights: [Int8], bias: [Int32]?, inputZeroPoint: Int32) -> [UInt8]
    /// `ember_qs8_dwconv3x3_pack`: weights [3][3][c], bias [c], input zero point folded.
    func packDepthwise3x3(channels: Int, weights: [Int8], bias: [Int32]?, inputZeroPoint: Int32) -> [UInt8]
    /// `ember_quantize_multiplier`: a real scale to a Q31 multiplier and shift (positive = left),
    /// nil when the scale cannot be represented.
    func quantizeMultiplier(_ scale: Double) -> (multiplier: Int32, shift: Int32)?
}
