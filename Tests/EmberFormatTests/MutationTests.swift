import Testing
@testable import EmberFormat
import EmberTestSupport


/// Thousands of random mutations of valid files: the reader must return a model or throw a
/// `FormatError` whose offset lies inside the file, never crash or hang.
@Suite struct MutationTests {
    static let seed: UInt64 = 0x5EED_E3BE_2026

    enum Mutation: CustomStringConvertible {
        case flip(at: Int, mask: UInt8)
        case set(at: Int, value: UInt8)
        case truncate(to: Int)
        case insert(at: Int, value: UInt8)
        case delete(at: Int)
        case setU32(at: Int, value: UInt32)

        var description: String {
            switch self {
            case .flip(let at, let mask): "flip byte \(at) with 0x\(String(mask, radix: 16))"
            case .set(let at, let value): "set byte \(at) to \(value)"
            case .truncate(let to): "truncate to \(to)"
            case .insert(let at, let value): "insert \(value) at \(at)"
            case .delete(let at): "delete byte \(at)"
            case .setU32(let at, let value): "set u32 at \(at) to \(value)"
            }
        }

        func apply(to bytes: inout [UInt8]) {
            switch self {
            case .flip(let at, let mask): bytes[at] ^= mask
            case .set(let at, let value): bytes[at] = value
            case .truncate(let to): bytes.removeLast(bytes.count - to)
            case .insert(let at, let value): bytes.insert(value, at: at)
            case .delete(let at): bytes.remove(at: at)
            case .setU32(let at, let value):
                for i in 0..<4 where at + i < bytes.count { bytes[at + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
            }
        }

        static func random(for count: Int, using g: inout SeededGenerator) -> Mutation {
            let at = Int.random(in: 0..<count, using: &g)
            let interesting: [UInt32] = [0, 1, 2, 7, 8, 63, 64, 127, 128, 255, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF]
            switch Int.random(in: 0..<6, using: &g) {
            case 0: return .flip(at: at, mask: UInt8(1) << UInt8.random(in: 0..<8, using: &g))
            case 1: return .set(at: at, value: UInt8.random(in: 0...255, using: &g))
            case 2: return .truncate(to: at)
            case 3: return .insert(at: at, value: UInt8.random(in: 0...255, using: &g))
            case 4: return .delete(at: at)
            default: return .setU32(at: at, value: interesting.randomElement(using: &g) ?? 0)
            }
        }
    }

    @Test(arguments: ["classifier", "encoder"])
    func randomMutationsNeverCrash(sample: String) throws {
        let valid = try (sample == "classifier" ? SampleModels.classifier() : SampleModels.encoder()).serialize()
        var g = SeededGenerator(seed: Self.seed ^ UInt64(sample.utf8.count))
        var accepted = 0, rejected = 0
        for iteration in 0..<4000 {
            var bytes = valid
            let mutations = (0..<Int.random(in: 1...3, using: &g)).map { _ in
                let m = Mutation.random(for: max(bytes.count, 1), using: &g)
                if !bytes.isEmpty { m.apply(to: &bytes) }
                return m
            }
            // Half the runs skip the checksum, so mutations reach the structural checks behind it.
            let verify = iteration % 2 == 0
            do {
                let model = try EmberModel(bytes: bytes, verifyChecksum: verify)
                accepted += 1
                // Whatever was accepted must be usable: every constant view inside the buffer.
                for i in model.tensors.indices { _ = model.constantData(i)?.count }
            } catch let error as FormatError {
                rejected += 1
                if let offset = error.offset {
                    #expect((0...bytes.count).contains(offset),
                            "seed \(Self.seed) iteration \(iteration) \(mutations): offset \(offset) outside the file: \(error)")
                }
                #expect(!error.description.contains("\n"), "seed \(Self.seed) iteration \(iteration): multi-line error")
            } catch {
                Issue.record("seed \(Self.seed) iteration \(iteration) \(mutations): unexpected error type \(error)")
            }
        }
        #expect(rejected > 3000, "seed \(Self.seed): only \(rejected) of 4000 mutants rejected")
        _ = accepted
    }

    @Test func everySingleByteFlipIsCaughtByTheChecksum() throws {
        // CRC-32C detects every single-bit error; structural checks may fire first, either is fine.
        let valid = try SampleModels.classifier().serialize()
        for at in valid.indices {
            var bytes = valid
            bytes[at] ^= 0x10
            #expect(readError(bytes) != nil, "flipping bit 4 of byte \(at) was accepted")
        }
    }

    @Test func crc32cKnownAnswers() {
        // RFC 3720 (iSCSI) test vectors and the classic "123456789" check value.
        func crc(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBytes { CRC32C.update(0, $0) } }
        #expect(crc(Array("123456789".utf8)) == 0xE306_9283)
        #expect(crc([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(crc([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(crc((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        // Chaining equals one pass, at every split point (exercises the 8-byte and tail loops).
        let data = (0..<100).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        for split in 0...data.count {
            let chained = data[split...].withUnsafeBytes { tail in
                data[..<split].withUnsafeBytes { head in CRC32C.update(CRC32C.update(0, head), tail) }
            }
            #expect(chained == crc(data), "split \(split)")
        }
    }
}
