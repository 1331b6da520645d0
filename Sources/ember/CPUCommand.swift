import ArgumentParser
import CEmberKernels
import EmberEngine
import EmberFormat

/// `ember cpu [MODEL]`: what this CPU offers, which kernels were chosen, and per operator of a model.
struct CPUCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cpu",
        abstract: "Show CPU features, the kernel chosen for each operator, and (with a model) per graph op.",
        discussion: "The choice is made once from what the CPU reports and what was compiled in; EMBER_ISA=scalar|neon|neondot|i8mm|avx2|avxvnni|avx512vnni caps it."
    )

    @Argument(help: "Optional .ember model: also list its ops with their kernels.")
    var model: String?

    static let paths: [ember_isa] = [EMBER_ISA_SCALAR, EMBER_ISA_NEON, EMBER_ISA_NEONDOT, EMBER_ISA_I8MM,
                                     EMBER_ISA_AVX2, EMBER_ISA_AVXVNNI, EMBER_ISA_AVX512VNNI]
    static let operators = ["qs8_gemm", "qs8_gemm_narrow", "qs8_im2col", "qs8_dwconv3x3", "qs8_add", "qs8_mean_hw", "qs8_avgpool",
                            "qs8_softmax", "qs8_quantize", "qs8_dequantize", "qs8_requantize", "qd8_gemm", "qd8_gemm_narrow", "f32_attention", "f32_encoder_hadamard", "crc32c"]

    func run() throws {
        let chosen = ember_kernels_init(-1)
        let features = ember_cpu_features()
        let names = Self.paths.filter { features & (1 << $0.rawValue) != 0 }.map { String(cString: ember_isa_name($0)) }
        print("features: \(names.joined(separator: " "))")
        print("path:     \(String(cString: ember_isa_name(chosen)))")
        print("packing:  \(String(cString: ember_qs8_gemm_packing()))")
        print("kernels:")
        for op in Self.operators {
            if let name = ember_kernel_name(op) { print("  \(op.padding(22))\(String(cString: name))") }
        }
        guard let model else { return }
        do {
            let engine = try Engine(model: EmberModel(path: model), threads: 1)
            print("model ops (\(model)):")
            for step in engine.plan.steps {
                print("  #\(String(step.operatorIndex).padding(4))\(step.kind.description.padding(17))\(step.kernelName)")
            }
            if engine.plan.viewCount > 0 { print("  (+\(engine.plan.viewCount) reshape views, no kernel)") }
        } catch {
            printError("ember cpu: \(model): \(error)")
            throw ExitCode(1)
        }
    }
}

extension String {
    /// Left-aligned in a column of `width` characters (at least one space after).
    func padding(_ width: Int) -> String { self + String(repeating: " ", count: Swift.max(1, width - count)) }
}
