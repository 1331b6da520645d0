import Foundation
import Testing
import EmberFormat
import EmberEngine
@testable import EmberImport
import EmberTestSupport

/// Real converted models with random bytes changed: whatever the reader still accepts must plan
/// into an engine or be refused with an EngineError, and a planned engine must run an input
/// without trapping. (tools/fuzz.sh fuzzes the .ember reader alone; this reaches the planner's checks
/// and the kernels behind them.) Mutations land mostly before the data section, where the tensor
/// table, graph and metadata are; EMBER_MUTATIONS sets how many per model.
@Suite struct EngineMutationTests {
    static let seed: UInt64 = 0x6d75_7461_6e74
    static let count = ProcessInfo.processInfo.environment["EMBER_MUTATIONS"].flatMap(Int.init) ?? 1500

    /// One random change: a bit flip, a byte, an interesting 32-bit value, or a byte inserted or
    /// deleted (which shifts everything after it).
    static func mutate(_ bytes: inout [UInt8], structuralEnd: Int, using g: inout SeededGenerator) -> String {
        let end = Int.random(in: 0..<10, using: &g) == 0 ? bytes.count : min(structuralEnd, bytes.count)
        let at = Int.random(in: 0..<end, using: &g)
        switch Int.random(in: 0..<5, using: &g) {
        case 0:
            let bit = UInt8(1) << UInt8.random(in: 0..<8, using: &g)
            bytes[at] ^= bit
            return "flip \(bit) at \(at)"
        case 1:
            let value = UInt8.random(in: 0...255, using: &g)
            bytes[at] = value
            return "set \(at) to \(value)"
        case 2:
            let values: [UInt32] = [0, 1, 2, 3, 7, 8, 15, 16, 63, 64, 127, 128, 255, 256, 4096, 0x7FFF, 0xFFFF, 0x7FFF_FFFF, 0xFFFF_FFFF]
            let value = values.randomElement(using: &g)!
            for i in 0..<4 where at + i < bytes.count { bytes[at + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
            return "set u32 at \(at) to \(value)"
        case 3:
            bytes.insert(UInt8.random(in: 0...255, using: &g), at: at)
            return "insert at \(at)"
        default:
            bytes.remove(at: at)
            return "delete at \(at)"
        }
    }

    /// Mutants of `valid` (one to three changes each, checksum not verified so they reach the
    /// structure): counts of (refused by the reader, refused by the planner, planned and run).
    static func survive(_ valid: [UInt8], salt: UInt64, run: (Engine) -> Void) -> (read: Int, plan: Int, ran: Int) {
        var g = SeededGenerator(seed: seed ^ salt)
        let dataOffset = valid.withUnsafeBytes { Int($0.loadUnaligned(fromByteOffset: 80, as: UInt64.self).littleEndian) }
        var counts = (read: 0, plan: 0, ran: 0)
        for _ in 0..<count {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...3, using: &g) where !bytes.isEmpty {
                _ = mutate(&bytes, structuralEnd: dataOffset, using: &g)
            }
            guard let model = try? EmberModel(bytes: bytes, verifyChecksum: false) else { counts.read += 1; continue }
            guard let engine = try? Engine(model: model, threads: 2) else { counts.plan += 1; continue }
            run(engine)
            counts.ran += 1
        }
        return counts
    }

    @Test func mutatedEncodersPlanOrAreRefused() throws {
        let writer = try BertConverter.convert(BertImportTests.Tiny(seed: 7).folder,
                                               options: .init(name: "tiny", producer: "test", calibration: BertImportTests.tinyCalibration))
        let counts = Self.survive(try writer.serialize(), salt: 1) { engine in
            for ids: [Int32] in [[2, 3], [2, 5, 7, 11, 3], Array(repeating: 4, count: max(1, engine.maxTokens))] {
                _ = try? engine.embed(tokenIds: ids)
            }
            _ = try? engine.embed(batch: [[2, 3], [2, 5, 7, 11, 3], [2, 4, 3]])  // packed into one run
        }
        print("engine mutations: \(counts)")
        #expect(counts.ran > 0 && counts.plan + counts.read > 0, "\(counts)")
    }

    @Test func mutatedClassifiersPlanOrAreRefused() throws {
        let writer = try TFLiteConverter.convert(try Repository.bytes(Repository.bundledModelPath),
                                                 options: ConversionOptions(name: "mobilenetv2", producer: "test"))
        let counts = Self.survive(try writer.serialize(), salt: 2) { engine in
            guard let input = engine.plan.inputs.first, let size = input.tensor.byteCount else { return }
            _ = try? engine.run(input: [UInt8](repeating: 0x35, count: size))
        }
        print("engine mutations: \(counts)")
        #expect(counts.ran > 0 && counts.plan + counts.read > 0, "\(counts)")
    }
}
