// The Raspberry Pi firmware's throttling word (`vcgencmd get_throttled`, and the same value in
// /sys/devices/platform/soc/soc:firmware/get_throttled). Bits 0-3 are "now", bits 16-19 "has
// occurred since boot" (checked against the Raspberry Pi documentation's table and several
// decoders: 0 under-voltage, 1 ARM frequency capped, 2 currently throttled, 3 soft temperature
// limit active).

public struct ThrottleFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let underVoltage = ThrottleFlags(rawValue: 1 << 0)
    public static let frequencyCapped = ThrottleFlags(rawValue: 1 << 1)
    public static let throttled = ThrottleFlags(rawValue: 1 << 2)
    public static let softTemperatureLimit = ThrottleFlags(rawValue: 1 << 3)
    public static let underVoltageOccurred = ThrottleFlags(rawValue: 1 << 16)
    public static let frequencyCappedOccurred = ThrottleFlags(rawValue: 1 << 17)
    public static let throttledOccurred = ThrottleFlags(rawValue: 1 << 18)
    public static let softTemperatureLimitOccurred = ThrottleFlags(rawValue: 1 << 19)

    static let known: [(flag: ThrottleFlags, name: String)] = [
        (.underVoltage, "under-voltage"),
        (.frequencyCapped, "arm-frequency-capped"),
        (.throttled, "throttled"),
        (.softTemperatureLimit, "soft-temperature-limit"),
        (.underVoltageOccurred, "under-voltage-occurred"),
        (.frequencyCappedOccurred, "arm-frequency-capped-occurred"),
        (.throttledOccurred, "throttled-occurred"),
        (.softTemperatureLimitOccurred, "soft-temperature-limit-occurred"),
    ]

    /// "0x50005", "50005" (the sysfs file prints hex without a prefix) or "throttled=0x50005".
    public static func parse(_ text: String) -> ThrottleFlags? {
        var s = text.trimmingASCIIWhitespace()
        if s.hasPrefix("throttled=") { s.removeFirst("throttled=".count) }
        if s.hasPrefix("0x") || s.hasPrefix("0X") { s.removeFirst(2) }
        guard !s.isEmpty, s.count <= 8, let v = UInt32(s, radix: 16) else { return nil }
        return ThrottleFlags(rawValue: v)
    }

    public var names: [String] { Self.known.filter { contains($0.flag) }.map(\.name) }

    public var hex: String { "0x" + String(rawValue, radix: 16) }
}
