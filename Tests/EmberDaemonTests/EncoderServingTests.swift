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
        let daemon = try DaemonProcess(config: "workers = 2\n[[model]]\nname = \"minilm\"\npath = \"\(encoderPath)\"\n")
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
        let image = try client.call(Request(id: "image", operation: .infer(InferRequest(model: "minilm", input: .image([0x89, 0x50])))))
        #expect(image.error?.code == .invalidInput, "\(image.header)")
        let models = try client.call(.models)
        #expect("\(models.header)".contains("encoder"), "\(models.header)")
    }
}
