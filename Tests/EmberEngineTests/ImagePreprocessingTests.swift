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

    /// The torchvision pipeline through Pillow: 384x256 (torchvision truncates the long side), crop (80, 16).
    @Test(arguments: ["chelsea", "coffee"])
    func pillowResizeAndCropMatchesPillow(photo: String) throws {
        let image = try ImageDecoder.decode(fileAtPath: TestFiles.testdata("\(photo).png"))
        let cropped = try PillowResize.resize(image, width: 384, height: 256).cropped(left: 80, top: 16, width: 224, height: 224)
        let expected = try ImageDecoder.decode(fileAtPath: TestFiles.fixture("\(photo)_256_crop224.png"))
        #expect(imageDifference(cropped, expected) == nil, "\(imageDifference(cropped, expected) ?? "")")
    }

    @Test func sameSizeIsIdentity() throws {
        let image = try ImageDecoder.decode(fileAtPath: TestFiles.fixture("chelsea_61x41.png"))
        let same = try PillowResize.resize(image, width: 61, height: 41)
        #expect(same == image)
    }

    @Test func shorterSideRule() {
        // round_half_up(long * side / short), as tools/models/preprocess.py
        #expect(ImagePreprocessing.shorterSideSize(width: 451, height: 300, side: 256) == (385, 256))
        #expect(ImagePreprocessing.shorterSideSize(width: 300, height: 451, side: 256) == (256, 385))
        #expect(ImagePreprocessing.shorterSideSize(width: 600, height: 400, side: 256) == (384, 256))
        #expect(ImagePreprocessing.shorterSideSize(width: 10, height: 10, side: 256) == (256, 256))
        #expect(ImagePreprocessing.shorterSideSize(width: 3, height: 2, side: 3) == (5, 3))  // 4.5 rounds up
    }

    /// Half-pixel taps, worked by hand: 4 -> 2 samples 0.5 and 2.5; 2 -> 4 samples 0 (clamped), 0.25, 0.75, 1 (edge).
    @Test func halfPixelTaps() {
        let down = HalfPixelBilinear.taps(from: 4, to: 2, indices: 0..<2)
        #expect(down.map { [$0.i0, $0.i1, $0.w0, $0.w1] } == [[0, 1, 1024, 1024], [2, 3, 1024, 1024]])
        let up = HalfPixelBilinear.taps(from: 2, to: 4, indices: 0..<4)
        #expect(up.map { [$0.i0, $0.i1, $0.w0, $0.w1] } == [[0, 1, 2048, 0], [0, 1, 1536, 512], [0, 1, 512, 1536], [1, 1, 2048, 0]])
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
        #expect(abs(v[0] + 1) < 1e-6 && abs(v[2] - 1) < 1e-6)
        p.channelOrder = .bgr
        let bgr = try p.normalize(image)
        #expect(abs(bgr[0] - 1) < 1e-6 && abs(bgr[2] + 1) < 1e-6)
        let q = InputQuantizer.quantizeInt8([-1, 0, 1, 0.0051, -0.0051, 1000, -1000, .nan], scale: 0.01, zeroPoint: -14)
        #expect(q == [-114, -14, 86, -13, -15, 127, -128, -14])
        #expect(InputQuantizer.quantizeInt8([0.5, -0.5], scale: 1, zeroPoint: 0) == [1, -1])  // ties away from zero
        #expect(InputQuantizer.quantizeUInt8([-1, 2], scale: 0.01, zeroPoint: 128) == [28, 255])
        // The table path gives the same bytes as quantizing the normalized values.
        let bytes = try p.inputBytes(image, type: .int8, scale: 0.02, zeroPoint: 3)
        #expect(bytes == InputQuantizer.quantizeInt8(bgr, scale: 0.02, zeroPoint: 3).map { UInt8(bitPattern: $0) })
    }
}

/// The photos' input bytes must equal the goldens' (tools/models/preprocess.py) for every model.
@Suite struct GoldenInputTests {

    @Test(arguments: ["chelsea", "coffee"])
    func photoInputsMatchGoldens(photo: String) throws {
        let index = try GoldenIndex.load()
        let image = try ImageDecoder.decode(fileAtPath: TestFiles.testdata("\(photo).png"))
        for model in index.models {
            let crop = model.input.shape[1]
            var p = ImagePreprocessing.imageNet(resizeShorterSide: (2 * crop * 256 + 224) / (2 * 224))
            p.resizeMethod = .halfPixelBilinear
            let cropped = try p.resizeAndCrop(image, width: crop, height: crop)
            let bytes = try p.inputBytes(cropped, type: model.input.dtype == "int8" ? .int8 : .float32,
                                         scale: model.input.scale, zeroPoint: model.input.zeroPoint)
            let golden = try TestFiles.bytes(TestFiles.repositoryRoot.appendingPathComponent(model.case(photo).input).path)
            let differing = zip(bytes, golden).filter { $0 != $1 }.count
            #expect(bytes.count == golden.count && differing == 0, "\(model.name)/\(photo): \(differing) of \(golden.count) bytes differ")
        }
    }
}
