import ArgumentParser
import EmberEngine
import EmberFormat
import EmberTransport

/// `ember embed MODEL.ember "text" ...` runs an encoder file in-process;
/// `ember embed --model NAME "text" ...` asks a running emberd.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed texts with an encoder: a local .ember file, or a model served by emberd (--model).",
        discussion: """
            Prints one line per text: the embedding's float32 values separated by spaces, or with \
            --json a JSON array. With two or more texts, --similarity prints the cosine similarity \
            of every pair instead ("i j cosine"). --token-ids gives token ids ("101,7592,102") \
            instead of texts (a local model only).
            """
    )

    @Option(help: "The encoder's name in emberd (as in emberd's configuration); without it the first argument is a .ember file.")
    var model: String?

    @Flag(help: "Print the cosine similarity of every pair of texts instead of the vectors.")
    var similarity = false

    @Flag(help: "Print each vector as a JSON array.")
    var json = false

    @Flag(name: .customLong("token-ids"), help: "The arguments are comma-separated token ids, not texts (local model only).")
    var tokenIds = false

    @Option(help: "Threads for a local model's operators.")
    var threads = 1

    @Option(name: .customLong("pack-tokens"),
            help: "A local model runs consecutive texts together, up to this many tokens per run (default 128; 1: one at a time; same results).")
    var packTokens: Int?

    @OptionGroup var daemon: DaemonOptions

    @Argument(help: "[MODEL.ember] then the texts to embed (UTF-8).")
    var arguments: [String]

    private var texts: [String] { model == nil ? Array(arguments.dropFirst()) : arguments }

    func validate() throws {
        if model == nil && arguments.count < 2 { throw ValidationError("give a .ember file and at least one text (or --model NAME)") }
        guard !texts.isEmpty else { throw ValidationError("give at least one text") }
        if similarity && texts.count < 2 { throw ValidationError("--similarity needs two or more texts") }
        if tokenIds && model != nil { throw ValidationError("--token-ids needs a local model file") }
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be 1...256") }
        if let packTokens {
            guard packTokens >= 1 else { throw ValidationError("--pack-tokens must be at least 1") }
            if model != nil { throw ValidationError("--pack-tokens needs a local model file (emberd packs the texts of a request itself)") }
        }
    }

    func run() throws {
        let vectors = try model.map { try remote($0) } ?? local(arguments[0])
        if !similarity {
            for v in vectors {
                print(json ? JSONValue.array(v.map { .double(Double($0)) }).serializedString : v.map { "\($0)" }.joined(separator: " "))
            }
            return
        }
        for i in vectors.indices {
            for j in vectors.indices where j > i {
                print("\(i) \(j) \(cosine(vectors[i], vectors[j]))")
            }
        }
    }

    private func local(_ path: String) throws -> [[Float]] {
        do {
            let engine = try Engine(model: EmberModel(path: path), threads: threads)
            guard engine.isEncoder else { throw EngineError.unsupportedModel("\(path) is not an encoder") }
            let batch: [[Int32]]
            if tokenIds {
                batch = try texts.map { text in
                    try text.split(separator: ",").map { piece in
                        guard let id = Int32(piece.trimmingPrefix(while: { $0 == " " })) else {
                            throw ValidationError("'\(piece)' in --token-ids is not an integer")
                        }
                        return id
                    }
                }
            } else {
                let tokenizer = try EncoderTokenizer(metadata: engine.metadata)
                batch = texts.map { tokenizer.encode($0) }
            }
            return try engine.embed(batch: batch, packTokens: packTokens ?? Engine.defaultPackTokens)
        } catch let error as EngineError {
            printError("ember embed: \(path): \(error)")
            throw ExitCode(1)
        } catch let error as FormatError {
            printError("ember embed: \(error)")
            throw ExitCode(1)
        }
    }

    private func remote(_ name: String) throws -> [[Float]] {
        let client = try daemon.connect("embed")
        var vectors: [[Float]] = []
        // Several texts go as `texts` requests (up to WireProtocol.maxTexts each), which emberd runs together.
        for start in stride(from: 0, to: texts.count, by: WireProtocol.maxTexts) {
            let chunk = Array(texts[start..<min(start + WireProtocol.maxTexts, texts.count)])
            let input: RequestInput = chunk.count == 1 ? .text(chunk[0]) : .texts(chunk)
            let request = InferRequest(model: name, input: input, deadlineMilliseconds: daemon.deadlineMilliseconds)
            let reply = try daemon.call(client, .infer(request), "embed")
            guard let rows = reply.embeddings(), rows.count == chunk.count else {
                printError("ember embed: model \"\(name)\" returned no embedding for \(chunk.count) text(s) (is it an encoder?)")
                throw ExitCode(1)
            }
            vectors += rows
        }
        return vectors
    }

    private func cosine(_ a: [Float], _ b: [Float]) -> Float {
        guard a.count == b.count else { return .nan }
        var dot: Float = 0, na: Float = 0, nb: Float = 0
        for k in a.indices {
            dot += a[k] * b[k]
            na += a[k] * a[k]
            nb += b[k] * b[k]
        }
        return dot / (na.squareRoot() * nb.squareRoot())
    }
}
