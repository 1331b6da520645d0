// What the governor decided or noticed, with why: the daemon logs these, counts them in stats and
// publishes them on the PUB socket.

public struct GovernorEvent: Sendable, Equatable {
    public enum Level: Int, Sendable, Comparable {
        case debug = 7, info = 6, notice = 5, warning = 4, error = 3  // syslog priorities

        public static func < (a: Level, b: Level) -> Bool { a.rawValue > b.rawValue }  // less severe first
        public var name: String {
            switch self {
            case .debug: "debug"
            case .info: "info"
            case .notice: "notice"
            case .warning: "warning"
            case .error: "error"
            }
        }
    }

    public var time: ContinuousClock.Instant
    public var level: Level
    /// Dotted name for the PUB topic: "ember.governor.decision", "ember.governor.undervoltage", ...
    public var name: String
    public var message: String
    /// Machine-readable details (numbers as decimal text).
    public var fields: [String: String]

    public init(time: ContinuousClock.Instant, level: Level, name: String, message: String, fields: [String: String] = [:]) {
        self.time = time
        self.level = level
        self.name = name
        self.message = message
        self.fields = fields
    }
}
