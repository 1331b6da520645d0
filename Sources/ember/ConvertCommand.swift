import ArgumentParser
import EmberFormat
import EmberImport
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `ember convert MODEL.tflite -o MODEL.ember [--labels FILE] [--preprocess FILE|PRESET]`, or
/// `ember convert BERT_FOLDER -o MODEL.ember [--max-length N]` for a Hugging Face encoder.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a full-integer TFLite model or a Hugging Face BERT folder to an .ember file.",
        discussion: """
            Reads the .tflite flatbuffer (checked as untrusted input), lowers its operators to \
            Ember's (CONV_2D, DEPTHWISE_CONV_2D, ADD, PAD, MEAN, AVERAGE_POOL_2D, FULLY_CONNECTED, \
            RESHAPE, SOFTMAX, QUANTIZE, DEQUANTIZE), packs the weights for Ember's kernels and \
            computes every requantization parameter, then writes and validates the .ember file. \
            An unsupported op or option is reported with the op's index and what is missing. \
            A folder (config.json, model.safetensors, vocab.txt) is converted to an int8 encoder: \
            Linear weights quantized per output channel, activations quantized per row at run time, \
            the vocabulary and tokenizer settings stored in the file. See docs/converting.md.
            """
    )

    @Argument(help: "The .tflite model, or a Hugging Face BERT-family folder.")
    var model: String

    @Option(name: [.short, .customLong("output")], help: "The .ember file to write.")
    var output: String

    @Option(help: "Class labels: a JSON array of strings or a text file with one label per line.")
    var labels: String?

    @Option(help: ArgumentHelp(
        "Image preprocessing: a JSON file, or a preset: imagenet (pixels/255, ImageNet mean/std) or mobilenet ([-1, 1]).",
        valueName: "file|preset"))
    var preprocess: String?

    @Option(help: "Model name stored in the file (default: the model file's name without extension).")
    var name: String?

    @Option(help: "Encoders: longest token sequence, special tokens included (default: the folder's max_seq_length).")
    var maxLength: Int?

    @Option(help: ArgumentHelp(
        "Encoders: calibration text for smoothing, one sentence per line (default: 32 built-in English sentences).",
        valueName: "file"))
    var calibration: String?

    @Flag(help: "Encoders: no smoothing (quantize the Linear weights as they are).")
    var noSmoothing = false

    @Flag(help: "Encoders: no Hadamard rotation of the Linear layers' inputs and weights.")
    var noRotation = false

    func run() throws {
        do {
            if BertFolder.looksLikeFolder(model) {
                let base = String(model.split(separator: "/").last ?? Substring(model))
                var options = BertConverter.Options(name: name ?? base, producer: "ember convert from \(base)/model.safetensors",
                                                    maxLength: maxLength)
                if noRotation { options.rotationBlock = nil }
                if noSmoothing {
                    guard calibration == nil else { throw ValidationError("--calibration and --no-smoothing exclude each other") }
                    options.calibration = []
                } else if let calibration {
                    let lines = String(decoding: try readFile(calibration), as: UTF8.self).split(whereSeparator: \.isNewline)
                        .map(String.init).filter { $0.contains { !$0.isWhitespace } }
                    guard !lines.isEmpty else { throw ValidationError("--calibration \(calibration): no sentences (one per line)") }
                    options.calibration = lines
                }
                let writer = try BertConverter.convert(BertFolder(path: model), options: options)
                try writer.write(to: output)
                print("\(output): \(writer.ops.count) ops, \(writer.tensors.count) tensors (int8 encoder)")
                return
            }
            let encoderOnly = [(maxLength != nil, "--max-length"), (calibration != nil, "--calibration"), (noSmoothing, "--no-smoothing"),
                               (noRotation, "--no-rotation")]
            if let (_, flag) = encoderOnly.first(where: { $0.0 }) {
                throw ValidationError("\(flag) applies to encoder folders (config.json, model.safetensors, vocab.txt); \(model) is not one")
            }
            let tflite = try readFile(model)
            let fileName = String(model.split(separator: "/").last ?? Substring(model))
            var options = ConversionOptions(
                name: name ?? String(fileName.split(separator: ".").first ?? Substring(fileName)),
                producer: "ember convert from \(fileName)")
            if let labels {
                options.labels = try ConversionOptions.parseLabels(try readFile(labels), source: labels)
            }
            if let preprocess {
                options.preprocessing = try PreprocessingSpec.parse(preprocess) { try readFile(preprocess) }
            }
            let writer = try TFLiteConverter.convert(tflite, options: options)
            try writer.write(to: output)
            print("\(output): \(writer.ops.count) ops, \(writer.tensors.count) tensors")
        } catch let error as ConversionError {
            printError("ember convert: \(model): \(error)")
            throw ExitCode(1)
        } catch let error as FlatBufferError {
            printError("ember convert: \(model): not a valid TFLite file: \(error)")
            throw ExitCode(1)
        } catch let error as FormatError {
            printError("ember convert: \(error)")
            throw ExitCode(1)
        }
    }

    private func readFile(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConversionError.model("cannot read \(path)")
        }
        return [UInt8](data)
    }
}
