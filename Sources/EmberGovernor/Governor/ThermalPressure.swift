// Turns temperature and its trend into a pressure in 0...1: 0 until `headroom` °C below the soft
// limit, 1 at the limit. The trend (a smoothed °C/s) is extrapolated `lookahead` seconds, so a
// board heating fast is shed earlier than one creeping up: the point is to act before the
// firmware throttles, because the firmware's remedy (halving the clock) is the blunter one.

struct ThermalTracker: Sendable {
    private var last: (time: ContinuousClock.Instant, celsius: Double)?
    private(set) var slope = 0.0  // °C per second, smoothed

    mutating func update(now: ContinuousClock.Instant, celsius: Double) {
        if let last, now > last.time {
            let dt = (now - last.time).seconds
            let instant = (celsius - last.celsius) / dt
            // Smooth over roughly 5 s of samples whatever the tick period.
            let alpha = min(1, dt / 5)
            slope += alpha * (instant - slope)
        }
        last = (now, celsius)
    }

    static func pressure(celsius: Double, slope: Double, softLimit: Double, headroom: Double, lookahead: Double) -> Double {
        let predicted = celsius + max(0, slope) * lookahead
        let start = softLimit - headroom
        guard headroom > 0 else { return predicted >= softLimit ? 1 : 0 }
        return min(1, max(0, (predicted - start) / headroom))
    }
}
