import Foundation
import Testing
@testable import EmberFormat

/// Runs the real `ember info` binary (built next to the test bundle by `swift build --build-tests`).
@Suite struct InfoCommandTests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var emberBinary: URL {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        // .build/<triple>/<config>/EmberPackageTests.xctest (executable on Linux) -> .../<config>/ember
        return exe.deletingLastPathComponent().appendingPathComponent("ember")
    }

    static func run(_ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = emberBinary
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                   stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func temporaryFile(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "ember-info-\(getpid())-\(name).ember"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func describesAValidModel() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.emberBinary.path),
                     "build the ember binary first: swift build --build-tests")
        let path = try Self.temporaryFile(try SampleModels.classifier().serialize(), "valid")
        defer { try? FileManager.default.removeItem(atPath: path) }

        let text = try Self.run(["info", path])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stderr.isEmpty)
        #expect(text.stdout.contains("format version 1"))
        #expect(text.stdout.contains("[0] input int8 [1, 8, 8, 3] scale 0.0078125 zero_point -1"))
        #expect(text.stdout.contains("ops:       4 (conv2d 1, fullyConnected 1, mean 1, softmax 1)"))
        #expect(text.stdout.contains("labels:    10"))
        #expect(text.stdout.contains("packing:   qs8-test"))
        #expect(text.stdout.contains(" ok"))

        let json = try Self.run(["info", "--json", path])
        #expect(json.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["format_version"] as? Int == 1)
        #expect(object["kind"] as? String == "classifier")
        #expect(object["label_count"] as? Int == 10)
        #expect(object["weight_bytes"] as? Int == 412)
        #expect((object["op_histogram"] as? [String: Int])?["conv2d"] == 1)
        #expect((object["checksum"] as? [String: Any])?["verified"] as? Bool == true)
        let input = try #require((object["inputs"] as? [[String: Any]])?.first)
        #expect(input["shape"] as? [Int] == [1, 8, 8, 3])
    }

    @Test func badFileGivesOneLineAndStatusOne() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.emberBinary.path),
                     "build the ember binary first: swift build --build-tests")
        var f = FileBytes(try SampleModels.classifier().serialize())
        f.set(3, at: 8, width: 2)
        let path = try Self.temporaryFile(f.bytes, "bad-version")
        defer { try? FileManager.default.removeItem(atPath: path) }

        let run = try Self.run(["info", path])
        #expect(run.status == 1)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr == "ember info: \(path): header.version at byte 8: format version 3 is not supported (this reader reads version 1)\n")

        let missing = try Self.run(["info", "/nonexistent/model.ember"])
        #expect(missing.status == 1)
        #expect(missing.stderr == "ember info: /nonexistent/model.ember: open failed: No such file or directory (errno 2)\n")
    }
}
