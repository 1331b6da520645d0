// What shared runs save over one run per sentence: 256 real sentences (the fidelity corpus's
// first) through a real emberd serving all-MiniLM-L6-v2 over ipc, sent as `text` requests one at
// a time and all in flight at once (queued ones share runs; and again with batch_tokens = 0, so
// they do not), and as `texts` requests of 16, 64 and 256. Prints the wall time per sentence that
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
        let ways: [(String, [(id: Int, frames: [[UInt8]])], Int, TestClient)] = [
            ("text, one at a time", single, 1, client), ("text, 256 in flight, batch_tokens 0", single, 256, unsharedClient),
            ("text, 256 in flight", single, 256, client),
            ("texts of 16", batches(16), 1, client), ("texts of 64", batches(64), 1, client), ("texts of 256", batches(256), 1, client),
        ]
        let reference = try run(single, inFlight: 1, on: client)  // also warms the daemons up
        #expect(try run(single, inFlight: 1, on: unsharedClient) == reference)
        var report: [String] = []
        for (name, requests, inFlight, client) in ways {
            var times: [Double] = []
            for _ in 0..<5 {
                let start = monotonicNanoseconds()
                let rows = try run(requests, inFlight: inFlight, on: client)
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
