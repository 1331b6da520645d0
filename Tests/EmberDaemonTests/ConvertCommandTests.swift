import EmberDaemon
import Testing

/// `ember convert`'s encoder options are refused where they cannot apply, with the reason.
@Suite struct ConvertCommandTests {
    @Test func encoderOptionsOnATFLiteModelAreRefused() throws {
        let scratch = try TemporaryDirectory()
        let tflite = testRepositoryRoot + "/models/mobilenetv2/mobilenetv2_imagenet_int8.tflite"
        for options in [["--no-smoothing"], ["--no-rotation"], ["--calibration", tflite], ["--max-length", "64"]] {
            let (status, printed) = try runEmber(["convert", tflite, "-o", scratch.path + "/m.ember"] + options, in: scratch.path)
            #expect(status == 64, "\(options): \(printed)")
            #expect(printed.contains("\(options[0]) applies to encoder folders"), "\(printed)")
        }
    }

    @Test func calibrationTextMustHaveSentencesAndExcludesNoSmoothing() throws {
        let scratch = try TemporaryDirectory()  // a BERT folder by its file names; never read that far
        let folder = scratch.path
        for name in ["config.json", "model.safetensors", "vocab.txt"] { try scratch.write(name, "") }
        try scratch.write("blank.txt", "\n  \n\t\n")
        let cases: [([String], String)] = [
            (["--calibration", scratch.path + "/blank.txt"], "blank.txt: no sentences (one per line)"),
            (["--calibration", scratch.path + "/missing.txt"], "cannot read " + scratch.path + "/missing.txt"),
            (["--calibration", scratch.path + "/blank.txt", "--no-smoothing"], "--calibration and --no-smoothing exclude each other"),
        ]
        for (options, message) in cases {
            let (status, printed) = try runEmber(["convert", folder, "-o", scratch.path + "/e.ember"] + options, in: scratch.path)
            #expect(status != 0 && printed.contains(message), "\(options): status \(status): \(printed)")
        }
    }
}
