#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// SplitMix64: small, seedable, the same sequence on every platform, so every random test can
/// print its seed and be replayed exactly. Shared by all test targets.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `EMBER_TEST_SEED` from the environment (to replay a failure), else a fixed default.
    public static var testSeed: UInt64 {
        getenv("EMBER_TEST_SEED").flatMap { UInt64(String(cString: $0)) } ?? 0x00E3_BE12_2026
    }
}
