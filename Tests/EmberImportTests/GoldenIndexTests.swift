import Foundation
import Testing
@testable import EmberImport

/// The goldens in testdata/goldens/ belong to the committed models: shapes, types and
/// quantization in the index agree with the .tflite files, and every .bin has exactly the bytes
/// its tensor needs. (The engine's tests run the models on these inputs and compare outputs.)
@Suite struct GoldenIndexTests {
    @Test func goldensMatchTheirModels() throws {
        let index = try JSONSerialization.jsonObject(with: Data(try Repository.bytes("testdata/goldens/index.json"))) as? [String: Any]
        let models = try #require(index?["models"] as? [[String: Any]])
        #expect(models.count == 3)
        for entry in models {
            let path = try #require(entry["model"] as? String)
            let model = try TFLiteReader.read(try Repository.bytes(path))
            for (key, tensorIndex) in [("input", model.inputs[0]), ("output", model.outputs[0])] {
                let described = try #require(entry[key] as? [String: Any])
                let tensor = model.tensors[Int(tensorIndex)]
                #expect(described["shape"] as? [Int] == tensor.shape.map(Int.init), "\(path) \(key)")
                let dtype = described["dtype"] as? String
                #expect(dtype == (tensor.type == .int8 ? "int8" : "float32"), "\(path) \(key)")
                if tensor.type == .int8 {
                    #expect((described["scale"] as? Double).map(Float.init) == tensor.quantization?.scale.first, "\(path) \(key)")
                    #expect((described["zero_point"] as? Int).map(Int64.init) == tensor.quantization?.zeroPoint.first, "\(path) \(key)")
                }
            }
            let cases = try #require(entry["cases"] as? [[String: Any]])
            #expect(cases.map { $0["name"] as? String } == ["random-0", "random-1", "random-2", "chelsea", "coffee"])
            for c in cases {
                for (key, tensorIndex) in [("input", model.inputs[0]), ("output", model.outputs[0])] {
                    let tensor = model.tensors[Int(tensorIndex)]
                    let bytes = try Repository.bytes(try #require(c[key] as? String))
                    let expected = tensor.shape.reduce(1) { $0 * Int($1) } * (tensor.type.elementSize ?? 0)
                    #expect(bytes.count == expected, "\(path) \(c["name"] ?? "") \(key)")
                }
            }
            if path == Repository.bundledModelPath {
                let top1 = Dictionary(uniqueKeysWithValues: cases.compactMap { c in
                    (c["name"] as? String).map { ($0, c["top1"] as? Int) }
                })
                #expect(top1["coffee"] == 967)  // espresso
                #expect([281, 282, 283, 284, 285].contains(top1["chelsea"] ?? -1))  // a cat class
            }
        }
    }
}
