import ArgumentParser
import EmberTransport

/// `ember embed --model NAME "text" ...`: embeddings from an encoder served by a running emberd.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed texts with an encoder model served by a running emberd.",
        discussion: """
            Prints one line per text: a JSON array of the embedding's float32 values. With two or \
            more texts, --similarity prints their pairwise cosine similarities instead.
            """
    )

    @Option(help: "The encoder's name in emberd (as in emberd's configuration).")
    var model: String

    @Flag(help: "Print the cosine similarity of every pair of texts instead of the vectors.")
    var similarity = false

    @OptionGroup var daemon: DaemonOptions

    @Argument(help: "Texts to embed (UTF-8).")
    var texts: [String]

    func validate() throws {
        guard !texts.isEmpty else { throw ValidationError("give at least one text") }
        if similarity && texts.count < 2 { throw ValidationError("--similarity needs two or more texts") }
    }

    func run() throws {
        let client = try daemon.connect("embed")
        var vectors: [[Float]] = []
        for text in texts {
            let request = InferRequest(model: model, input: .text(text), deadlineMilliseconds: daemon.deadlineMilliseconds)
            let reply = try daemon.call(client, .infer(request), "embed")
            guard let vector = reply.embedding() else {
                printError("ember embed: model \"\(model)\" returned no embedding (is it an encoder?)")
                throw ExitCode(1)
            }
            vectors.append(vector)
            if !similarity { print(JSONValue.array(vector.map { .double(Double($0)) }).serializedString) }
        }
        guard similarity else { return }
        for i in vectors.indices {
            for j in vectors.indices where j > i {
                print("\(i) \(j) \(cosine(vectors[i], vectors[j]))")
            }
        }
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
