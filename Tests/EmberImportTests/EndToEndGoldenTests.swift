import Foundation
import Testing
@testable import EmberEngine
import EmberFormat
@testable import EmberImport

/// The acceptance test on this machine: every model in testdata/goldens/index.json is
/// converted with the real kernels' pack functions, run by the engine on the stored inputs, and
/// its output bytes must equal LiteRT's reference kernels' (BUILTIN_REF) byte for byte, at 1 and
/// 2 threads. For the photos, the engine's own preprocessing must also give the stored input.
@Suite struct EndToEndGoldenTests {
    struct GoldenCase {
        var name: String
        var input: [UInt8]
        var output: [UInt8]
        var photo: String?
    }

    static func goldens() throws -> [(model: String, cases: [GoldenCase])] {
        let index = try JSONSerialization.jsonObject(with: Data(try Repository.bytes("testdata/goldens/index.json"))) as? [String: Any]
        let models = try #require(index?["models"] as? [[String: Any]])
        return try models.map { entry in
            let cases = try #require(entry["cases"] as? [[String: Any]]).map { c in
                GoldenCase(name: c["name"] as? String ?? "?",
                           input: try Repository.bytes(c["input"] as? String ?? ""),
                           output: try Repository.bytes(c["output"] as? String ?? ""),
                           photo: c["photo"] as? String)
            }
            return (try #require(entry["model"] as? String), cases)
        }
    }

    static func convert(_ path: String) throws -> EmberModel {
        let options = ConversionOptions(name: "golden", producer: "test", preprocessing: .imagenet)
        let writer = try TFLiteConverter.convert(try Repository.bytes(path), options: options)
        return try EmberModel(bytes: try writer.serialize())
    }

    static func describeDifference(_ a: [UInt8], _ b: [UInt8]) -> String {
        guard a.count == b.count else { return "\(a.count) bytes instead of \(b.count)" }
        let differing = zip(a, b).enumerated().filter { $0.element.0 != $0.element.1 }
        guard let first = differing.first else { return "equal" }
        return "\(differing.count) of \(a.count) bytes differ, first at \(first.offset): \(first.element.0) vs \(first.element.1)"
    }

    @Test(arguments: [1, 2])
    func outputsEqualLiteRTReferenceKernels(threads: Int) throws {
        for (path, cases) in try Self.goldens() {
            let engine = try Engine(model: try Self.convert(path), threads: threads)
            for golden in cases {
                let output = try engine.run(input: golden.input)
                let equal = output == golden.output
                #expect(equal,
                        "\(path) \(golden.name) at \(threads) threads: \(Self.describeDifference(output, golden.output))")
            }
        }
    }

    /// TFLite's converter writes int8 weights in [-127, 127] (its quantization spec), so every GEMM
    /// of these models plans the narrow-range kernel (SMULL + SMLAL pairs on ARMv8.0 NEON).
    @Test func everyGemmOfTheGoldenModelsPlansNarrow() throws {
        for (path, _) in try Self.goldens() {
            let engine = try Engine(model: try Self.convert(path))
            var gemms = 0
            for step in engine.plan.steps {
                switch step.kernel {
                case .gemm(let g): #expect(g.narrow, "\(path) op \(step.operatorIndex)"); gemms += 1
                case .convolution(let c): #expect(c.narrow, "\(path) op \(step.operatorIndex)"); gemms += 1
                default: continue
                }
            }
            #expect(gemms > 0, "\(path) has no GEMM")
        }
    }

    @Test func photoPreprocessingEqualsTheGoldenInputs() throws {
        for (path, cases) in try Self.goldens() {
            let engine = try Engine(model: try Self.convert(path))
            for golden in cases {
                guard let photo = golden.photo else { continue }
                let image = try ImageDecoder.decode(fileAtPath: Repository.root.appendingPathComponent(photo).path)
                let input = try engine.inputBytes(for: image)
                let equal = input == golden.input
                #expect(equal, "\(path) \(golden.name): \(Self.describeDifference(input, golden.input))")
            }
        }
    }
}
