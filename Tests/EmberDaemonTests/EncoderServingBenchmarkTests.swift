// What shared runs save over one run per sentence: 256 real sentences (the fidelity corpus's
// first) through a real emberd serving all-MiniLM-L6-v2 over ipc, sent as `text` requests one at
// a time and all in flight at once (queued ones share runs; and again with batch_tokens = 0, so
// they do not), from 8 clients at once sending one at a time each (sharing and not), and as
// `texts` requests of 16, 64 and 256. Prints the wall time per sentence that
// docs/benchmarks.md quotes, and checks that every way gives the same bytes.
// The governor is off, so every run uses threads_per_inference threads (it would choose its own).
// Needs $EMBER_ENCODER_MODEL (tools/test-steps/80-encoder.sh sets it).
import EmberDaemon
import EmberTransport
import Testing

#if canImport(Glibc)
import Glibc
#endif

private let encoderPath = getenv("EMBER_ENCODER_MODEL").map { String(cString: $0) } ?? ""

@Suite(.serialized) struct EncoderServingBenchmarkTests {
    @Test(.enabled(if: !encoderPath.isEmpty && fileExists(encoderPath), "set EMBER_ENCODER_MODEL to the converted all-MiniLM-L6-v2"),
          arguments: [1, 2])
    func batchesOfTextsAgainstOneRequestPerText(threads: Int) throws {
        func start(batchTokens: Int) throws -> DaemonProcess {
            try DaemonProcess(config: """
                workers = 1
                threads_per_inference = \(threads)
                queue_depth = 256
                governor = false
                batch_tokens = \(batchTokens)
                [[model]]
                name = "minilm"
                path = "\(encoderPath)"
                """)
        }
        let daemon = try start(batchTokens: 128)
        let unshared = try start(batchTokens: 0)
        let context = try ZMQContext()
        let client = try TestClient(context, endpoint: daemon.endpoint, timeoutMilliseconds: 120_000)
        let unsharedClient = try TestClient(context, endpoint: unshared.endpoint, timeoutMilliseconds: 120_000)
        let corpus = try readTextFile(testRepositoryRoot + "/testdata/encoder/corpus.txt")
        let sentences = corpus.split(separator: "\n").prefix(256).map(String.init)
        #expect(sentences.count == 256)

        func infer(_ id: String, _ input: RequestInput) -> [[UInt8]] {
            RequestEncoder.encode(Request(id: id, operation: .infer(InferRequest(model: "minilm", input: input))))
        }
        /// Sends `requests` (at most `inFlight` unanswered), returns the embeddings in sentence order.
        func run(_ requests: [(id: Int, frames: [[UInt8]])], inFlight: Int, on client: TestClient) throws -> [[Float]] {
            var rows = [[Float]?](repeating: nil, count: sentences.count)
            var sent = 0
            var received = 0
            while received < requests.count {
                while sent < requests.count && sent - received < inFlight {
                    try client.send(requests[sent].frames)
                    sent += 1
                }
                let reply = try client.receive()
                received += 1
                guard reply.isOK, let first = reply.id.flatMap(Int.init), let vectors = reply.embeddings() else {
                    throw TestFailure("reply \(reply.header)")
                }
                for (offset, vector) in vectors.enumerated() { rows[first + offset] = vector }
            }
            return try rows.map { row in
                guard let row else { throw TestFailure("a sentence got no embedding") }
                return row
            }
        }
        let single = sentences.indices.map { (id: $0, frames: infer("\($0)", .text(sentences[$0]))) }
        func batches(_ size: Int) -> [(id: Int, frames: [[UInt8]])] {
            stride(from: 0, to: sentences.count, by: size).map {
                (id: $0, frames: infer("\($0)", .texts(Array(sentences[$0..<min($0 + size, sentences.count)]))))
            }
        }
        /// 8 clients on their own threads, each sending its share of the sentences one at a time.
        func clients(_ endpoint: String) throws -> [[Float]] {
            let lock = ConditionLock()
            nonisolated(unsafe) var rows = [[Float]](repeating: [], count: sentences.count)
            let requests = single
            let threads = try (0..<8).map { index in
                try OSThread(name: "client\(index)") {
                    guard let client = try? TestClient(context, endpoint: endpoint, timeoutMilliseconds: 120_000) else { return }
                    for n in stride(from: index, to: requests.count, by: 8) {
                        guard (try? client.send(requests[n].frames)) != nil, let vector = (try? client.receive())?.embedding() else { return }
                        lock.withLock { rows[n] = vector }
                    }
                }
            }
            for thread in threads { thread.join() }
            return lock.withLock { rows }
        }
        let ways: [(String, () throws -> [[Float]])] = [
            ("text, one at a time", { try run(single, inFlight: 1, on: client) }),
            ("text, 256 in flight, batch_tokens 0", { try run(single, inFlight: 256, on: unsharedClient) }),
            ("text, 256 in flight", { try run(single, inFlight: 256, on: client) }),
            ("text, 8 clients, batch_tokens 0", { try clients(unshared.endpoint) }),
            ("text, 8 clients", { try clients(daemon.endpoint) }),
            ("texts of 16", { try run(batches(16), inFlight: 1, on: client) }),
            ("texts of 64", { try run(batches(64), inFlight: 1, on: client) }),
            ("texts of 256", { try run(batches(256), inFlight: 1, on: client) }),
        ]
        let reference = try run(single, inFlight: 1, on: client)  // also warms the daemons up
        #expect(try run(single, inFlight: 1, on: unsharedClient) == reference)
        var report: [String] = []
        for (name, way) in ways {
            var times: [Double] = []
            for _ in 0..<5 {
                let start = monotonicNanoseconds()
                let rows = try way()
                times.append(Double(monotonicNanoseconds() - start) / 1e6 / Double(sentences.count))
                #expect(rows == reference, "\(name): embeddings differ from one text per request")
            }
            times.sort()
            let ms = { (value: Double) in "\(Double(Int((value * 1000).rounded())) / 1000)" }
            report.append("\(name) \(ms(times[2])) (min \(ms(times[0])))")
        }
        func sharedRuns(_ client: TestClient) throws -> Double {
            try client.call(.stats).header["models"]?["minilm"]?["shared_runs"]?.asNumber ?? -1
        }
        #expect(try sharedRuns(client) > 0 && sharedRuns(unsharedClient) == 0)
        print("emberd, 256 fortunes, 1 worker, \(threads) thread(s), ms per sentence, median of 5: " + report.joined(separator: "; "))
    }
}
