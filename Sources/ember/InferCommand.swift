import ArgumentParser
import EmberTransport

/// `ember infer --model NAME photo.jpg ...`: classifies images with a running emberd.
struct InferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Classify images (PNG or JPEG) with a model served by a running emberd.",
        discussion: """
            Sends each image to emberd (see docs/protocol.md) and prints its top-k labels with \
            their scores, best first. --json prints emberd's reply headers instead, one per line.
            """
    )

    @Option(help: "The model's name in emberd (as in emberd's configuration).")
    var model: String

    @Option(name: .customLong("top-k"), help: "How many labels to print per image.")
    var topK = 5

    @Flag(help: "Print emberd's JSON reply headers, one per line.")
    var json = false

    @OptionGroup var daemon: DaemonOptions

    @Argument(help: "Image files.")
    var images: [String]

    func validate() throws {
        guard (1...WireProtocol.maxTopK).contains(topK) else { throw ValidationError("--top-k must be 1...\(WireProtocol.maxTopK)") }
        guard !images.isEmpty else { throw ValidationError("name at least one image file") }
    }

    func run() throws {
        let client = try daemon.connect("infer")
        for path in images {
            guard let bytes = readFileBytes(path) else {
                printError("ember infer: cannot read \(path)")
                throw ExitCode(1)
            }
            let request = InferRequest(model: model, input: .image(bytes), topK: topK, deadlineMilliseconds: daemon.deadlineMilliseconds)
            let reply = try daemon.call(client, .infer(request), "infer")
            if json {
                print(reply.header.serializedString)
                continue
            }
            print("\(path):")
            guard case .array(let entries)? = reply.header["outputs"]?["top_k"] else {
                printError("ember infer: model \"\(model)\" is not a classifier (its reply has no top_k); try --json")
                throw ExitCode(1)
            }
            for entry in entries {
                let score = entry["score"]?.asNumber ?? .nan
                let name: String
                if case .string(let label)? = entry["label"] { name = label } else { name = "class \(entry["index"]?.asNumber.map { Int($0) } ?? -1)" }
                print("  \(formatScore(score))  \(name)")
            }
        }
    }
}

/// A score with four decimals, without Foundation.
func formatScore(_ value: Double) -> String {
    guard value.isFinite else { return "   nan" }
    let scaled = Int((value * 10_000).rounded())
    let fraction = String(scaled % 10_000)
    return "\(scaled / 10_000).\(String(repeating: "0", count: 4 - fraction.count))\(fraction)"
}
