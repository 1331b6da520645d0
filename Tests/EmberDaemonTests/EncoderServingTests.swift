// emberd serving the real all-MiniLM-L6-v2 .ember over real ZeroMQ: text in, the float32
// embedding out, equal to the engine's in-process. Needs $EMBER_ENCODER_MODEL
// (tools/models/fetch_minilm.sh; tools/test-steps/80-encoder.sh sets it).
import EmberDaemon
import EmberEngine
import EmberFormat
import EmberTokenizer
import EmberTransport
import Testing

#if canImport(Glibc)
import Glibc
#endif

private let encoderPath = getenv("EMBER_ENCODER_MODEL").map { String(cString: $0) } ?? ""

@Suite(.serialized) struct EncoderServingTests {
    @Test(.enabled(if: !encoderPath.isEmpty && fileExists(encoderPath), "set EMBER_ENCODER_MODEL to the converted all-MiniLM-L6-v2"))
    func servesTextEmbeddingsLikeTheEngineInProcess() throws {
        let daemon = try DaemonProcess(config: "workers = 2\nqueue_depth = 64\n[[model]]\nname = \"minilm\"\npath = \"\(encoderPath)\"\n")
        let context = try ZMQContext()
        let client = try TestClient(context, endpoint: daemon.endpoint, timeoutMilliseconds: 60_000)

        let file = try EmberModel(path: encoderPath)
        let engine = try Engine(model: file)
        let settings = try #require(file.metadata.tokenizer)
        let tokenizer = try WordPieceTokenizer(vocabulary: settings.vocabulary, lowercase: settings.lowercase,
                                               stripAccents: settings.stripAccents, maxLength: settings.maxLength)
        let texts = ["The quick brown fox jumps over the lazy dog.", "", "Café déjà vu, naïve façade!",
                     String(repeating: "a very long sentence ", count: 200)]
        for (i, text) in texts.enumerated() {
            let reply = try client.call(Request(id: "\(i)", operation: .infer(InferRequest(model: "minilm", input: .text(text)))))
            #expect(reply.isOK, "\(reply.header)")
            let expected = try engine.embed(tokenIds: tokenizer.encode(text))
            #expect(reply.embedding() == expected, "text \(i)")
            #expect(reply.header["outputs"]?["embedding"]?["shape"] == .array([.int(1), .int(Int64(expected.count))]))
        }
        // One `texts` request: the rows are what each text gives alone, byte for byte (packed runs).
        let many = texts + (0..<20).map { "Sentence number \($0) of a batch, with \(String(repeating: "more words ", count: $0 % 7))." }
        let batch = try client.call(Request(id: "batch", operation: .infer(InferRequest(model: "minilm", input: .texts(many), includeRaw: true))))
        #expect(batch.isOK, "\(batch.header)")
        let rows = try #require(batch.embeddings())
        #expect(rows.count == many.count)
        for (i, text) in many.enumerated() where i < rows.count {
            #expect(rows[i] == (try engine.embed(tokenIds: tokenizer.encode(text))), "batch text \(i)")
        }
        #expect(batch.header["outputs"]?["embedding"]?["shape"] == .array([.int(Int64(many.count)), .int(384)]))
        #expect(batch.header["outputs"]?["raw"]?["shape"] == .array([.int(Int64(many.count)), .int(384)]))
        try client.send(RequestEncoder.encode(Request(id: "bad", operation: .infer(InferRequest(
            model: "minilm", input: .texts(["fine", "fine"]))))).dropLast() + [[0xC3, 0x28]])
        let badUTF8 = try client.receive()
        #expect(badUTF8.error?.code == .invalidInput && badUTF8.error?.message.contains("frame 1") == true, "\(badUTF8.header)")
        // `ember embed --model` sends several texts as one `texts` request; it prints what the local file gives.
        let scratch = try TemporaryDirectory()
        let cliTexts = ["A cat sat on the mat.", "Ein Hund läuft.", "tax law"]
        let remote = try runEmber(["embed", "--model", "minilm", "--endpoint", daemon.endpoint, "--timeout", "60"] + cliTexts, in: scratch.path)
        let local = try runEmber(["embed", encoderPath] + cliTexts, in: scratch.path)
        #expect(remote.status == 0 && remote.output.split(separator: "\n").count == 3, "\(remote.output.prefix(300))")
        #expect(remote.output == local.output)
        // Text requests waiting behind a running one share a run (batch_tokens, default 128):
        // three long texts keep the one worker busy while twenty short ones queue behind them.
        let queuedTexts = Array(repeating: String(repeating: "a very long sentence ", count: 200), count: 3)
            + (0..<20).map { "Queued sentence \($0): \(String(repeating: "word ", count: $0 % 5))" }
        for (i, text) in queuedTexts.enumerated() {
            try client.send(RequestEncoder.encode(Request(id: "q\(i)", operation: .infer(InferRequest(model: "minilm", input: .text(text), includeRaw: i % 2 == 0)))))
        }
        for _ in queuedTexts {
            let reply = try client.receive()
            let index = try #require(reply.id.flatMap { Int($0.dropFirst()) })
            #expect(reply.embedding() == (try engine.embed(tokenIds: tokenizer.encode(queuedTexts[index]))), "queued text \(index)")
            #expect(reply.header["outputs"]?["embedding"]?["shape"] == .array([.int(1), .int(384)]))
            #expect((reply.header["outputs"]?["raw"] != nil) == (index % 2 == 0), "\(reply.header)")
        }
        let shared = try client.call(.stats).header["models"]?["minilm"]?["shared_runs"]?.asNumber ?? 0
        #expect(shared >= 2, "queued text requests should have shared runs")
        let image = try client.call(Request(id: "image", operation: .infer(InferRequest(model: "minilm", input: .image([0x89, 0x50])))))
        #expect(image.error?.code == .invalidInput, "\(image.header)")
        let models = try client.call(.models)
        #expect("\(models.header)".contains("encoder"), "\(models.header)")
    }
}
