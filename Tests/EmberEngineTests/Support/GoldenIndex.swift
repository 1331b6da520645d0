import Foundation

/// testdata/goldens/index.json (written by tools/models/make_goldens.py).
struct GoldenIndex: Decodable {
    struct TensorInfo: Decodable {
        var dtype: String
        var shape: [Int]
        var scale: Float
        var zeroPoint: Int32
        enum CodingKeys: String, CodingKey { case dtype, shape, scale, zeroPoint = "zero_point" }
    }

    struct Case: Decodable {
        var name: String
        var input: String
        var output: String
        var top1: Int
    }

    struct Model: Decodable {
        var name: String
        var model: String
        var input: TensorInfo
        var output: TensorInfo
        var cases: [Case]

        func `case`(_ name: String) throws -> Case {
            guard let c = cases.first(where: { $0.name == name }) else { throw GoldenError("no case '\(name)' for \(self.name)") }
            return c
        }
    }

    struct GoldenError: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    var models: [Model]

    static func load() throws -> GoldenIndex {
        let path = TestFiles.repositoryRoot.appendingPathComponent("testdata/goldens/index.json")
        return try JSONDecoder().decode(GoldenIndex.self, from: Data(contentsOf: path))
    }
}
