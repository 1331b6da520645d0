import Foundation
@testable import EmberImport
import EmberTestSupport

/// Paths inside the repository, found from this file's location (never from /work/shared).
enum Repository {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func bytes(_ relativePath: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: root.appendingPathComponent(relativePath)))
    }

    static let bundledModelPath = "models/mobilenetv2/mobilenetv2_imagenet_int8.tflite"
}

