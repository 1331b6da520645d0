import EmberFormat
import Testing
@testable import EmberEngine

/// Resizing and cropping must equal Pillow's `resize(size, BILINEAR)` byte for byte.
@Suite struct ImagePreprocessingTests {
    @Test func downscaleMatchesPillow() throws {
        let chelsea = try ImageDecoder.decode(fileAtPath: TestFiles.testdata("chelsea.png"))
        let resized = try PillowResize.resize(chelsea, width: 61, height: 41)
        let expected = try ImageDecoder.decode(fileAtPath: TestFiles.fixture("chelsea_61x41.png"))
        #expect(imageDifference(resized, expected) == nil, "\(imageDifference(resized, expected) ?? "")")
    }

    @Test(arguments: [(61, 97), (23, 41), (131, 30), (50, 30), (58, 20)])
    func singleAxisAndUpscaleMatchPillow(size: (Int, Int)) throws {
        let source = try ImageDecoder.decode(fileAtPath: TestFiles.fixture("chelsea_61x41.png"))
        let resized = try PillowResize.resize(source, width: size.0, height: size.1)
        let expected = try ImageDecoder.decode(fileAtPath: TestFiles.fixture("chelsea_61x41_to_\(size.0)x\(size.1).png"))
        #expect(imageDifference(resized, expected) == nil, "\(imageDifference(resized, expected) ?? "")")
    }

    /// The torchvision pipeline: 384x256 (the long side truncated), crop at (80, 16).
    @Test(arguments: ["chelsea", "coffee"])
    func imageNetResizeAndCropMatchesPillow(photo: String) throws {
        let image = try ImageDecoder.decode(fileAtPath: TestFiles.testdata("\(photo).png"))
        let cropped = try ImagePreprocessing.imageNet().resizeAndCrop(image, width: 224, height: 224)
        let expected = try ImageDecoder.decode(fileAtPath: TestFiles.fixture("\(photo)_256_crop224.png"))
        #expect(imageDifference(cropped, expected) == nil, "\(imageDifference(cropped, expected) ?? "")")
    }

    @Test func sameSizeIsIdentity() throws {
        let image = try ImageDecoder.decode(fileAtPath: TestFiles.fixture("chelsea_61x41.png"))
        let same = try PillowResize.resize(image, width: 61, height: 41)
        #expect(same == image)
    }

    @Test func shorterSideRule() {
        #expect(ImagePreprocessing.shorterSideSize(width: 451, height: 300, side: 256) == (384, 256))  // 384.85 truncated
        #expect(ImagePreprocessing.shorterSideSize(width: 300, height: 451, side: 256) == (256, 384))
        #expect(ImagePreprocessing.shorterSideSize(width: 10, height: 10, side: 256) == (256, 256))
        #expect(ImagePreprocessing.centreOffset(160) == 80)
        #expect(ImagePreprocessing.centreOffset(1) == 0)   // round(0.5) = 0, ties to even
        #expect(ImagePreprocessing.centreOffset(3) == 2)   // round(1.5) = 2
    }

    @Test func cropLargerThanImageIsAnError() throws {
        let image = try ImageDecoder.decode(fileAtPath: TestFiles.fixture("chelsea_61x41.png"))
        let p = ImagePreprocessing(resizeShorterSide: 100)
        #expect(throws: ImageError.self) { try p.resizeAndCrop(image, width: 224, height: 224) }
    }

    @Test func normalizeAndQuantize() throws {
        let image = try RGBImage(width: 2, height: 1, pixels: [0, 128, 255, 10, 20, 30])
        var p = ImagePreprocessing(scale: 1.0 / 255, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5])
        let v = try p.normalize(image)
        #expect(v[0] == -1 && v[2] == 1)
        p.channelOrder = .bgr
        let bgr = try p.normalize(image)
        #expect(bgr[0] == 1 && bgr[2] == -1)
        let q = InputQuantizer.quantizeInt8([-1, 0, 1, 0.0051, -0.0051, 1000, -1000, .nan], scale: 0.01, zeroPoint: -14)
        #expect(q == [-114, -14, 86, -13, -15, 127, -128, -14])
        #expect(InputQuantizer.quantizeInt8([0.5, -0.5], scale: 1, zeroPoint: 0) == [1, -1])  // ties away from zero
        #expect(InputQuantizer.quantizeUInt8([-1, 2], scale: 0.01, zeroPoint: 128) == [28, 255])
        // The table path gives the same bytes as quantizing the normalized values.
        let bytes = try p.inputBytes(image, type: .int8, scale: 0.02, zeroPoint: 3)
        #expect(bytes == InputQuantizer.quantizeInt8(bgr, scale: 0.02, zeroPoint: 3).map { UInt8(bitPattern: $0) })
    }
}
