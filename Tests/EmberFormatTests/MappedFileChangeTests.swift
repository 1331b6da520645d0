// A served model's file changed by another process: truncated under the mapping (which would
// raise SIGBUS) or written in place. The model must keep the process alive and say so.
import Foundation
import Testing
@testable import EmberFormat

@Suite struct MappedFileChangeTests {
    /// The sample classifier plus 64 KiB of constant data, so the file spans many pages.
    func writeModel() throws -> (path: String, bulk: Int) {
        var writer = SampleModels.classifier()
        let bulk = writer.addConstant(TensorDescription(name: "bulk", dtype: .int32, shape: [16384]),
                                      values: [Int32](repeating: 0x0101_0101, count: 16384))
        let path = NSTemporaryDirectory() + "ember-mapped-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).ember"
        try writer.write(to: path)
        return (path, bulk)
    }

    func byteSum(_ data: UnsafeRawBufferPointer) -> Int {
        data.reduce(0) { $0 + Int($1) }
    }

    @Test func aTruncatedFileReadsAsZerosAndIsReported() throws {
        let (path, bulk) = try writeModel()
        defer { unlink(path) }
        // Mappings come and go (reloads): their guard slots are reused.
        for _ in 0..<300 { _ = try EmberModel(path: path) }
        let model = try EmberModel(path: path)
        let data = try #require(model.constantData(bulk))
        #expect(byteSum(data) == 65536)
        #expect(model.fileChange() == nil)

        #expect(truncate(path, 4096) == 0)  // what `cp new.ember model.ember` does first
        // Without the guard this read raises SIGBUS and the test process dies.
        #expect(byteSum(data) < 4096)
        let change = try #require(model.fileChange())
        #expect(change.contains("truncated while mapped"), "\(change)")
    }

    @Test func aFileWrittenInPlaceIsReported() throws {
        let (path, bulk) = try writeModel()
        defer { unlink(path) }
        let model = try EmberModel(path: path)
        let data = try #require(model.constantData(bulk))
        #expect(model.fileChange() == nil)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let position = try #require(bytes.indices.first { i in i + 64 <= bytes.count && bytes[i..<i + 64].allSatisfy { $0 == 1 } })

        // Same size, new bytes: the shared mapping shows them at once.
        let fd = open(path, O_WRONLY)
        #expect(fd >= 0)
        var byte: UInt8 = 9
        #expect(pwrite(fd, &byte, 1, off_t(position)) == 1)
        // The write's timestamp could fall in the load's clock tick; make the change explicit.
        var times = [timespec(tv_sec: 1_000_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000_000, tv_nsec: 0)]
        #expect(futimens(fd, &times) == 0)
        close(fd)
        #expect(byteSum(data) == 65536 - 1 + 9)
        let change = try #require(model.fileChange())
        #expect(change.contains("written in place"), "\(change)")
    }

    @Test func aFileThatGrewIsReported() throws {
        let (path, _) = try writeModel()
        defer { unlink(path) }
        let model = try EmberModel(path: path)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data([1, 2, 3]))
        handle.closeFile()
        let change = try #require(model.fileChange())
        #expect(change.hasPrefix("it is now \(model.fileSize + 3) bytes, \(model.fileSize) when loaded"), "\(change)")
    }

    @Test func aModelMadeFromBytesHasNoFile() throws {
        let model = try EmberModel(bytes: try SampleModels.classifier().serialize())
        #expect(model.fileChange() == nil)
    }
}
