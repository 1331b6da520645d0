import ArgumentParser
import EmberFormat

/// `ember info FILE [--json]`: validates a model and describes it.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Validate an .ember model and describe it.",
        discussion: """
            Prints the format version, kind, inputs and outputs with shapes and quantization, an op \
            histogram, weight bytes, packing family, labels, tokenizer, metadata and checksum status. \
            A damaged file gets one line on stderr naming the field and byte offset, and exit status 1.
            """
    )

    @Argument(help: "The .ember model file.")
    var file: String

    @Flag(help: "Print JSON for scripts instead of text.")
    var json = false

    func run() throws {
        let model: EmberModel
        do {
            model = try EmberModel(path: file)
        } catch let error as FormatError {
            // I/O errors already start with the path.
            if case .io = error {
                printError("ember info: \(error)")
            } else {
                printError("ember info: \(file): \(error)")
            }
            throw ExitCode(1)
        }
        let summary = ModelSummary(model: model, path: file)
        print(json ? try summary.json() : summary.text())
    }
}
