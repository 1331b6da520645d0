import Foundation
import EmberTestSupport

/// Paths of the files the tests read: the repository's testdata/ and this target's Fixtures/.
enum TestFiles {
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let repositoryRoot = testsDirectory.deletingLastPathComponent().deletingLastPathComponent()

    static func fixture(_ name: String) -> String { testsDirectory.appendingPathComponent("Fixtures/\(name)").path }
    static func testdata(_ name: String) -> String { repositoryRoot.appendingPathComponent("testdata/\(name)").path }
    static func bytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }
}


/// A short description of how two images differ (sizes, or count and first differing byte), nil if equal.
func imageDifference(_ a: RGBImageLike, _ b: RGBImageLike) -> String? {
    if a.size != b.size { return "sizes differ: \(a.size) vs \(b.size)" }
    var count = 0, first = -1
    for i in 0..<a.bytes.count where a.bytes[i] != b.bytes[i] {
        count += 1
        if first < 0 { first = i }
    }
    if count == 0 { return nil }
    let pixel = first / 3
    return "\(count) bytes differ; first at pixel (\(pixel % a.size.0), \(pixel / a.size.0)) channel \(first % 3): \(a.bytes[first]) vs \(b.bytes[first])"
}

protocol RGBImageLike { var size: (Int, Int) { get }; var bytes: [UInt8] { get } }
