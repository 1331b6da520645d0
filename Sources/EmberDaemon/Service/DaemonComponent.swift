// Work the daemon does besides answering requests (GPIO triggers): it reports a section in the
// `health` and `stats` replies and is stopped first on SIGTERM/SIGINT, before the request drain,
// so it queues no new inference while the queues empty.
import EmberTransport

protocol DaemonComponent: AnyObject {
    /// The key of its section in `health` and `stats`.
    var name: String { get }
    /// Called on the I/O thread; must not block.
    func healthJSON() -> JSONValue
    func statsJSON() -> JSONValue
    /// Lines appended to the Prometheus text file (`stats_textfile`).
    func prometheusText() -> String
    /// Blocks until the component has stopped (its inferences already queued have finished), but
    /// not past `deadlineNs` (CLOCK_MONOTONIC, the end of `drain_timeout_ms`): what still runs
    /// then is abandoned and logged.
    func stop(deadlineNs: UInt64)
}
