/// Which edges of an input line are reported.
public enum Edge: String, Sendable, CaseIterable {
    case rising, falling, both
}

/// The line's internal bias. `asIs` leaves whatever the board or a previous user configured.
public enum Bias: String, Sendable, CaseIterable {
    case asIs = "as-is"
    case pullUp = "pull-up"
    case pullDown = "pull-down"
    case disabled
}

/// A line on a chip: its offset, or its name as the device tree spells it (`GPIO17` on a Pi).
public enum LineSelector: Sendable, Hashable, CustomStringConvertible {
    case offset(UInt32)
    case name(String)

    public var description: String {
        switch self {
        case .offset(let o): return "offset \(o)"
        case .name(let n): return "\"\(n)\""
        }
    }
}

/// An input line requested for edge events.
public struct InputLineSpec: Sendable, Hashable {
    /// A chip path (`/dev/gpiochip0`), name (`gpiochip0`) or label (`pinctrl-bcm2711`).
    public var chip: String
    public var line: LineSelector
    public var edge: Edge
    public var bias: Bias
    public var activeLow: Bool
    /// Shown by `gpioinfo` as the line's consumer.
    public var consumer: String

    public init(chip: String, line: LineSelector, edge: Edge = .rising, bias: Bias = .asIs,
                activeLow: Bool = false, consumer: String = "emberd") {
        self.chip = chip; self.line = line; self.edge = edge; self.bias = bias
        self.activeLow = activeLow; self.consumer = consumer
    }
}

/// An output line (an LED, a relay). It is driven inactive when requested and when released.
public struct OutputLineSpec: Sendable, Hashable {
    public var chip: String
    public var line: LineSelector
    public var activeLow: Bool
    public var consumer: String

    public init(chip: String, line: LineSelector, activeLow: Bool = false, consumer: String = "emberd") {
        self.chip = chip; self.line = line; self.activeLow = activeLow; self.consumer = consumer
    }
}

/// One edge as the kernel reported it.
public struct EdgeEvent: Sendable, Hashable {
    /// The kernel's timestamp of the edge, CLOCK_MONOTONIC nanoseconds (same clock as `MonotonicClock`).
    public var timestampNs: UInt64
    public var rising: Bool
    public var offset: UInt32

    public init(timestampNs: UInt64, rising: Bool, offset: UInt32) {
        self.timestampNs = timestampNs; self.rising = rising; self.offset = offset
    }
}
