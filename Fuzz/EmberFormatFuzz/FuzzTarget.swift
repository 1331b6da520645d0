// Fuzz target for the .ember reader: every input must give a model or a FormatError, never a
// crash, a sanitizer report or a hang.
//
// Built two ways (docs/model-format.md, "Fuzzing"):
//  * with -sanitize=fuzzer,address and -D EMBER_LIBFUZZER: main() runs libFuzzer's driver, which
//    calls `fuzzerTestOneInput` with mutated inputs (tools/fuzz.sh);
//  * normally (part of `swift build`): a replay tool, `EmberFormatFuzz FILE...`, that feeds files
//    (a crash reproducer, a corpus) through the same entry point.
import EmberFormat
import EmberFuzzDriver

/// One input through the reader, with and without the checksum pass (so mutations that break
/// the checksum still reach every structural check behind it). Returns how many passes accepted it.
@discardableResult
func fuzzOne(_ bytes: [UInt8]) -> Int {
    var accepted = 0
    for verify in [false, true] {
        guard let model = try? EmberModel(bytes: bytes, verifyChecksum: verify) else { continue }
        accepted += 1
        // An accepted model must be safe to use: read every constant's first and last byte
        // (AddressSanitizer checks the accesses).
        var sum = 0
        for i in model.tensors.indices {
            if let data = model.constantData(i), let last = data.indices.last {
                sum &+= Int(data[0]) &+ Int(data[last])
            }
        }
        precondition(sum >= 0)
        _ = model.opHistogram
    }
    return accepted
}

/// libFuzzer's callback: one input. Exported under libFuzzer's conventional name too, because
/// the sanitizer runtime links libFuzzer's own main(), which refers to it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzzOne(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

#if EMBER_LIBFUZZER
@main
enum FuzzMain {
    static func main() { runLibFuzzer { data, size in fuzzerTestOneInput(data, size) } }
}
#else
@main
enum ReplayMain {
    static func main() throws {
        try replayFiles(usage: "usage: EmberFormatFuzz FILE...   replays files through the fuzz entry point") { bytes in
            let outcome: String
            do {
                _ = try EmberModel(bytes: bytes)
                outcome = "valid"
            } catch {
                outcome = "rejected: \(error)"
            }
            fuzzOne(bytes)
            return outcome
        }
    }
}
#endif
