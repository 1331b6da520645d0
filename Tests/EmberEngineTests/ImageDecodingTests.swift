import Testing
@testable import EmberEngine
import EmberTestSupport

/// Decoding must equal PIL's `Image.open(f).convert("RGB")` (fixtures made by Fixtures/make_image_fixtures.py).
@Suite struct ImageDecodingTests {
    @Test func photosDecodeToTheirKnownSizes() throws {
        let chelsea = try ImageDecoder.decode(fileAtPath: TestFiles.testdata("chelsea.png"))
        #expect(chelsea.width == 451 && chelsea.height == 300)
        let coffee = try ImageDecoder.decode(fileAtPath: TestFiles.testdata("coffee.png"))
        #expect(coffee.width == 600 && coffee.height == 400)
    }

    @Test(arguments: ["palette", "grey", "greyalpha", "rgba"])
    func pngVariantsMatchPIL(variant: String) throws {
        let decoded = try ImageDecoder.decode(fileAtPath: TestFiles.fixture("variant_\(variant).png"))
        let expected = try ImageDecoder.decode(fileAtPath: TestFiles.fixture("variant_\(variant)_expected.png"))
        #expect(imageDifference(decoded, expected) == nil, "\(imageDifference(decoded, expected) ?? "")")
    }

    @Test(arguments: ["interlaced", "rgb16"])
    func interlacedAnd16BitPNGsMatchTheirRGB8Source(variant: String) throws {
        let decoded = try ImageDecoder.decode(fileAtPath: TestFiles.fixture("variant_\(variant).png"))
        let expected = try ImageDecoder.decode(fileAtPath: TestFiles.fixture("variant_rgb_expected.png"))
        #expect(imageDifference(decoded, expected) == nil, "\(imageDifference(decoded, expected) ?? "")")
    }

    @Test(arguments: ["420", "444", "grey", "progressive"])
    func jpegsMatchPIL(kind: String) throws {
        let decoded = try ImageDecoder.decode(fileAtPath: TestFiles.fixture("coffee_\(kind).jpg"))
        let expected = try ImageDecoder.decode(fileAtPath: TestFiles.fixture("coffee_\(kind)_expected.png"))
        #expect(decoded.width == expected.width && decoded.height == expected.height)
        let differing = zip(decoded.pixels, expected.pixels).filter { $0 != $1 }.count
        #expect(differing == 0, "\(differing) bytes differ from PIL's decode")
    }

    @Test func notAnImage() throws {
        #expect(throws: ImageError.notAnImage(source: "x")) { try ImageDecoder.decode(Array("hello world".utf8), source: "x") }
        #expect(throws: ImageError.notAnImage(source: "x")) { try ImageDecoder.decode([], source: "x") }
        #expect(throws: ImageError.notAnImage(source: "x")) { try ImageDecoder.decode([0x89, 0x50, 0x4E, 0x48], source: "x") }
    }

    @Test func missingFileIsUnreadable() {
        #expect {
            try ImageDecoder.decode(fileAtPath: "/nonexistent/photo.png")
        } throws: { error in
            guard case ImageError.unreadable(let source, _) = error else { return false }
            return source == "/nonexistent/photo.png"
        }
    }

    /// Every prefix of a PNG and a JPEG fails with "truncated" (never a crash, never a half image).
    @Test(arguments: ["variant_palette.png", "variant_interlaced.png", "coffee_420.jpg", "coffee_progressive.jpg"])
    func truncatedFilesAreNamedTruncated(name: String) throws {
        let bytes = try TestFiles.bytes(TestFiles.fixture(name))
        var cuts = Array(stride(from: 1, to: bytes.count - 12, by: max(1, bytes.count / 97)))
        cuts += [bytes.count - 13, bytes.count / 2]
        for cut in cuts {
            #expect {
                try ImageDecoder.decode(Array(bytes.prefix(cut)), source: name)
            } throws: { error in
                guard case ImageError.truncated = error else {
                    Issue.record("\(name) cut at \(cut) of \(bytes.count): \(error)")
                    return false
                }
                return true
            }
        }
    }

    /// Flipped bytes in a PNG's data must give a named error (CRC) rather than garbage.
    @Test func corruptPNGIsNamed() throws {
        var bytes = try TestFiles.bytes(TestFiles.fixture("variant_palette.png"))
        let idat = try #require((0..<bytes.count - 4).first { bytes[$0..<$0 + 4].elementsEqual("IDAT".utf8) })
        bytes[idat + 4 + 200] ^= 0xFF  // inside the compressed pixels
        #expect {
            try ImageDecoder.decode(bytes, source: "flipped.png")
        } throws: { error in
            if case ImageError.corrupt(let format, let source, _) = error { return format == "PNG" && source == "flipped.png" }
            return false
        }
    }

    @Test func oversizedImagesAreRefusedBeforeDecoding() throws {
        let png = try TestFiles.bytes(TestFiles.testdata("chelsea.png"))
        let jpeg = try TestFiles.bytes(TestFiles.fixture("coffee_420.jpg"))
        for (bytes, format) in [(png, "PNG"), (jpeg, "JPEG")] {
            #expect {
                try ImageDecoder.decode(bytes, source: "big", maxPixels: 1000)
            } throws: { error in
                if case ImageError.unsupported(let f, _, let detail) = error { return f == format && detail.contains("limit") }
                return false
            }
        }
    }

    /// Random bytes after a valid signature: any named error is fine, a crash is not.
    @Test func randomDataAfterSignaturesGivesNamedErrors() {
        let seed = UInt64.random(in: 0...UInt64.max)
        var rng = SeededGenerator(seed: seed)
        for i in 0..<200 {
            let signature: [UInt8] = i % 2 == 0 ? [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] : [0xFF, 0xD8, 0xFF]
            let body = (0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            do {
                _ = try ImageDecoder.decode(signature + body, source: "random")
                Issue.record("random data decoded as an image (seed \(seed), case \(i))")
            } catch {
                #expect(!error.description.isEmpty, "seed \(seed)")
            }
        }
    }
}
