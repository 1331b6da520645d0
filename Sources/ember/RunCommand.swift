#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ArgumentParser
import EmberEngine
import EmberFormat

/// `ember run MODEL IMAGE [--top K] [--threads N]`: classifies a PNG or JPEG, or runs raw tensor bytes.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a model on a PNG/JPEG photo (top-k classes) or on raw input tensor bytes.",
        discussion: """
            With an image: decodes it, resizes and crops it as the model's preprocessing metadata \
            says, quantizes it to the input tensor and prints the top-k classes, one per line: \
            rank, probability, label, class index. Logit outputs get a softmax; models ending in \
            a softmax are reported as they are.
            With --raw-input: the file's bytes are the input tensor (its exact size); the output \
            tensor's bytes go to --raw-output, or its top-k is printed.
            """
    )

    @Argument(help: "The .ember model file.")
    var model: String

    @Argument(help: "A PNG or JPEG image (omit with --raw-input).")
    var image: String?

    @Option(help: "How many classes to print.")
    var top = 5

    @Option(help: "Threads for the operators (1 = the calling thread only).")
    var threads = 1

    @Option(name: .customLong("raw-input"), help: "Use this file's bytes as the input tensor instead of an image.")
    var rawInput: String?

    @Option(name: .customLong("raw-output"), help: "Write the output tensor's bytes to this file.")
    var rawOutput: String?

    /// For `ember bench`'s cold-start measurement: a zero-filled input, nothing printed but one line.
    @Flag(name: .customLong("zero-input"), help: .hidden)
    var zeroInput = false

    func validate() throws {
        let sources = [image != nil, rawInput != nil, zeroInput].filter { $0 }.count
        guard sources == 1 else { throw ValidationError("give exactly one of an image or --raw-input") }
        guard top >= 1 else { throw ValidationError("--top must be at least 1") }
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be 1...256") }
    }

    func run() throws {
        do {
            let engine = try Engine(model: EmberModel(path: model), threads: threads)
            let input: [UInt8]
            if let image {
                input = try engine.inputBytes(for: ImageDecoder.decode(fileAtPath: image))
            } else if let rawInput {
                input = try readFile(rawInput)
            } else {
                input = [UInt8](repeating: 0, count: engine.state.input(0).count)
            }
            let output = try engine.run(input: input)
            if let rawOutput {
                try Data(output).write(to: URL(fileURLWithPath: rawOutput))
                return
            }
            for (rank, c) in try engine.topClasses(output: output, topK: top).enumerated() {
                print("\(rank + 1)\t\(formatScore(c.score))\t\(c.label)\t\(c.index)")
            }
        } catch let error as ExitCode {
            throw error
        } catch {
            printError("ember run: \(error)")
            throw ExitCode(1)
        }
    }

    private func readFile(_ path: String) throws -> [UInt8] {
        do {
            return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw EngineError.invalidInput("\(path): cannot read: \(error)")
        }
    }
}

/// Four decimals without Foundation's formatters.
func formatScore(_ score: Float) -> String {
    let scaled = Int((Double(score) * 10_000).rounded())
    let fraction = String(scaled % 10_000)
    return "\(scaled / 10_000)." + String(repeating: "0", count: 4 - fraction.count) + fraction
}
