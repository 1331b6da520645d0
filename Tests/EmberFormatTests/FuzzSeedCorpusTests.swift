import Foundation
import Testing
@testable import EmberFormat

/// Writes the fuzzer's seed corpus: valid files covering every section and attribute type.
/// tools/fuzz.sh sets EMBER_FUZZ_SEED_DIR; otherwise the files go to a temporary folder and are
/// only checked. Each seed is read back through the mmap reader.
@Suite struct FuzzSeedCorpusTests {
    static func seeds() throws -> [(String, [UInt8])] {
        var withStrings = SampleModels.encoder()
        let x = withStrings.outputs[0]
        let y = withStrings.addTensor(TensorDescription(name: "y", dtype: .float32, shape: [1, 4]))
        withStrings.addOp(.gelu, inputs: [x], outputs: [y])
        withStrings.outputs = [y]
        var minimal = ModelWriter()
        let a = minimal.addTensor(TensorDescription(name: "a", dtype: .int8, shape: [2], quantization: Quantization(scale: 0.5, zeroPoint: 0)))
        let b = minimal.addTensor(TensorDescription(name: "b", dtype: .int8, shape: [2], quantization: Quantization(scale: 0.5, zeroPoint: 0)))
        minimal.addOp(.reshape, inputs: [a], outputs: [b])
        minimal.inputs = [a]
        minimal.outputs = [b]
        return [
            ("classifier.ember", try SampleModels.classifier().serialize()),
            ("encoder.ember", try SampleModels.encoder().serialize()),
            ("encoder-gelu.ember", try withStrings.serialize()),
            ("minimal.ember", try minimal.serialize()),
        ]
    }

    @Test func writesSeedCorpus() throws {
        let environment = ProcessInfo.processInfo.environment["EMBER_FUZZ_SEED_DIR"]
        let directory = environment ?? NSTemporaryDirectory() + "ember-fuzz-seeds-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { if environment == nil { try? FileManager.default.removeItem(atPath: directory) } }
        for (name, bytes) in try Self.seeds() {
            let path = directory + "/" + name
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let model = try EmberModel(path: path)
            #expect(model.fileSize == bytes.count, "\(name)")
        }
    }
}
