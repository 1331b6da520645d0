// emberd serving the bundled MobileNetV2 (converted to .ember by the real `ember convert`) over
// real sockets, checked against the same model run in-process.
import EmberDaemon
import EmberEngine
import EmberFormat
import EmberTransport
import Testing

#if canImport(Glibc)
import Glibc
#endif

private let repositoryRoot = String(#filePath.split(separator: "/Tests/").first!)

@Suite(.serialized) struct RealModelTests {
    @Test func servesTheBundledClassifierLikeTheEngineInProcess() throws {
        let scratch = try TemporaryDirectory()
        let modelPath = try convertBundledModel(into: scratch.path)
        let daemon = try DaemonProcess(config: "workers = 2\n[[model]]\nname = \"mobilenetv2\"\npath = \"\(modelPath)\"\n[[model]]\nname = \"echo\"\npath = \"builtin:echo\"\n")
        let context = try ZMQContext()
        let client = try TestClient(context, endpoint: daemon.endpoint, timeoutMilliseconds: 60_000)

        let engine = try Engine(model: EmberModel(path: modelPath))
        for photo in ["chelsea.png", "coffee.png"] {
            let bytes = try readFile(repositoryRoot + "/testdata/" + photo)
            let expected = try engine.classify(image: ImageDecoder.decode(bytes), topK: 5)
            let reply = try client.call(Request(id: photo, operation: .infer(InferRequest(model: "mobilenetv2", input: .image(bytes), topK: 5, includeRaw: true))))
            #expect(reply.isOK, "\(reply.header)")
            guard case .array(let entries)? = reply.header["outputs"]?["top_k"] else { Issue.record("\(reply.header)"); continue }
            #expect(entries.compactMap { $0["index"]?.asNumber.map(Int.init) } == expected.map(\.index), "\(photo)")
            #expect(entries.compactMap { $0["label"] } == expected.map { .string($0.label) }, "\(photo)")
            for (entry, want) in zip(entries, expected) {
                #expect(abs((entry["score"]?.asNumber ?? -1) - Double(want.score)) < 1e-6)
            }
            // The raw int8 output is the engine's, byte for byte.
            let raw = try engine.run(input: engine.inputBytes(for: ImageDecoder.decode(bytes)))
            #expect(reply.payloads.first == raw)
            print("\(photo): \(expected.first.map { "\($0.label) \($0.score)" } ?? "?") in \(reply.header["timings_us"]?["inference"]?.asNumber ?? 0) µs")
        }
        // The same input as a raw int8 tensor.
        let bytes = try readFile(repositoryRoot + "/testdata/chelsea.png")
        let tensor = try engine.inputBytes(for: ImageDecoder.decode(bytes))
        let viaTensor = try client.call(Request(id: "tensor", operation: .infer(InferRequest(
            model: "mobilenetv2", input: .tensor(dtype: .int8, shape: [1, 224, 224, 3], data: tensor)))))
        #expect(viaTensor.isOK)
        let wrongShape = try client.call(Request(id: "shape", operation: .infer(InferRequest(
            model: "mobilenetv2", input: .tensor(dtype: .int8, shape: [1, 224, 3, 224], data: tensor)))))
        #expect(wrongShape.error?.code == .invalidInput && wrongShape.error?.message.contains("[1, 224, 224, 3]") == true)
        let wrongType = try client.call(Request(id: "dtype", operation: .infer(InferRequest(
            model: "mobilenetv2", input: .tensor(dtype: .uint8, shape: [1, 224, 224, 3], data: tensor)))))
        #expect(wrongType.error?.code == .invalidInput && wrongType.error?.message.contains("int8") == true)
        let text = try client.call(Request(id: "text", operation: .infer(InferRequest(model: "mobilenetv2", input: .text("cat")))))
        #expect(text.error?.code == .invalidInput)
        let texts = try client.call(Request(id: "texts", operation: .infer(InferRequest(model: "mobilenetv2", input: .texts(["a", "b"])))))
        #expect(texts.error?.code == .invalidInput && texts.error?.message.contains("not texts") == true, "\(texts.header)")
        let brokenPNG = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + [UInt8](repeating: 7, count: 64)
        let broken = try client.call(Request(id: "png", operation: .infer(InferRequest(model: "mobilenetv2", input: .image(brokenPNG)))))
        #expect(broken.error?.code == .invalidInput, "\(broken.header)")

        // models and stats describe the real model.
        let models = try client.call(.models)
        guard case .array(let list)? = models.header["models"] else { Issue.record("no models"); return }
        #expect(list.first?["kind"] == .string("classifier"))
        #expect(list.first?["inputs"]?.serializedString.contains("[1,224,224,3]") == true)
        let stats = try client.call(.stats)
        #expect(stats.header["models"]?["mobilenetv2"]?["engine"]?["arena_bytes"] != nil, "\(stats.header)")
        guard case .array(let kernels)? = stats.header["models"]?["mobilenetv2"]?["engine"]?["kernels"] else { Issue.record("no kernels"); return }
        #expect(!kernels.isEmpty)

        // The command-line client.
        let cli = try runEmber(["infer", "--model", "mobilenetv2", "--endpoint", daemon.endpoint, "--top-k", "3",
                                repositoryRoot + "/testdata/coffee.png"], in: scratch.path)
        #expect(cli.status == 0 && cli.output.contains("espresso"), "\(cli.output)")
        #expect(cli.output.split(separator: "\n").count == 4, "\(cli.output)")
        let wrong = try runEmber(["infer", "--model", "nope", "--endpoint", daemon.endpoint, repositoryRoot + "/testdata/coffee.png"], in: scratch.path)
        #expect(wrong.status == 1 && wrong.output.contains("unknown_model"), "\(wrong.output)")

        // A truncated copy of the file does not replace the good one.
        try writeFileAtomically(modelPath, Array(try readFile(modelPath).prefix(1000)))
        let failed = try client.call(.reload(model: "mobilenetv2"))
        #expect(failed.error?.code == .reloadFailed, "\(failed.header)")
        #expect(try client.call(Request(id: "after", operation: .infer(InferRequest(model: "mobilenetv2", input: .image(bytes))))).isOK)
    }

    /// `cp new.ember served.ember` rewrites the mapped file in place: it is truncated first (the
    /// pages past its new end would raise SIGBUS), then written. emberd must refuse to answer from
    /// it, keep serving the rest, and reload the model once the file is whole again.
    @Test func aServedFileRewrittenInPlaceIsRefusedThenReloaded() throws {
        let scratch = try TemporaryDirectory()
        let modelPath = try convertBundledModel(into: scratch.path)
        let original = try readFile(modelPath)
        let daemon = try DaemonProcess(config: "[[model]]\nname = \"m\"\npath = \"\(modelPath)\"\n[[model]]\nname = \"echo\"\npath = \"builtin:echo\"\n")
        let context = try ZMQContext()
        let client = try TestClient(context, endpoint: daemon.endpoint, timeoutMilliseconds: 60_000)
        let photo = try readFile(repositoryRoot + "/testdata/coffee.png")
        let classify = { (id: String) throws -> Reply in
            try client.call(Request(id: id, operation: .infer(InferRequest(model: "m", input: .image(photo), topK: 1))))
        }
        let before = try classify("before")
        #expect(before.isOK, "\(before.header)")

        // The copy has truncated the file and written its first kilobyte.
        try writeInPlace(modelPath, Array(original.prefix(1024)))
        let during = try classify("during")
        #expect(during.error?.code == .modelChanged, "\(during.header)")
        #expect(during.error?.message.contains("its file changed on disk since it was loaded") == true, "\(during.header)")
        #expect(try client.call(Request(id: "echo", operation: .infer(InferRequest(model: "echo", input: .text("still here"))))).isOK)

        // The copy finishes: a request after that finds the file whole and the model reloaded.
        try writeInPlace(modelPath, original)
        var after = try classify("after")
        for attempt in 0..<40 where after.error?.code == .modelChanged {
            usleep(250_000)  // reloads of a changed file are retried at most once a second
            after = try classify("after-\(attempt)")
        }
        #expect(after.isOK, "\(after.header)")
        let topIndex = { (reply: Reply) -> JSONValue? in
            guard case .array(let entries)? = reply.header["outputs"]?["top_k"] else { return nil }
            return entries.first?["index"]
        }
        #expect(topIndex(after) != nil && topIndex(after) == topIndex(before), "\(after.header)")
        let log = daemon.log()
        #expect(log.contains("its file changed on disk") && log.contains("reloaded from"), "\(log)")
        daemon.signal(SIGTERM)
        #expect(daemon.waitExit(timeoutMilliseconds: 30_000) == 0, "\(daemon.log())")
    }

    /// Writes `bytes` into the existing file the way cp does: same inode, truncated, then written.
    func writeInPlace(_ path: String, _ bytes: [UInt8]) throws {
        let fd = open(path, O_WRONLY | O_TRUNC)
        guard fd >= 0 else { throw SystemError("open \(path)", errno: errno) }
        defer { close(fd) }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw SystemError("write \(path)", errno: errno) }
    }

    @Test func concurrentClientsOnTheRealModel() throws {
        let scratch = try TemporaryDirectory()
        let modelPath = try convertBundledModel(into: scratch.path)
        let daemon = try DaemonProcess(config: "workers = 2\nqueue_depth = 64\n[[model]]\nname = \"m\"\npath = \"\(modelPath)\"\n")
        let context = try ZMQContext()
        let photo = try readFile(repositoryRoot + "/testdata/coffee.png")
        let expected = try Engine(model: EmberModel(path: modelPath)).classify(image: ImageDecoder.decode(photo), topK: 1)[0].index
        let errors = ConditionLock()
        nonisolated(unsafe) var problems: [String] = []
        let endpoint = daemon.endpoint
        let threads = try (0..<8).map { index in
            try OSThread(name: "real\(index)") {
                do {
                    let client = try TestClient(context, endpoint: endpoint, timeoutMilliseconds: 60_000)
                    for n in 0..<6 {
                        let reply = try client.call(Request(id: "\(index)-\(n)", operation: .infer(InferRequest(model: "m", input: .image(photo), topK: 1))))
                        guard reply.id == "\(index)-\(n)", reply.header["outputs"]?["top_k"]?.serializedString.contains("\"index\":\(expected),") == true else {
                            throw TestFailure("\(reply.header)")
                        }
                    }
                } catch {
                    errors.withLock { problems.append("\(error)") }
                }
            }
        }
        for thread in threads { thread.join() }
        #expect(errors.withLock { problems }.isEmpty, "\(errors.withLock { problems })")
    }
}
