/// Where lines come from: the kernel through libgpiod, or a simulated chip. Chosen explicitly in
/// the configuration (`[gpio] backend`), never by falling back from one to the other.
public protocol GPIOBackend: Sendable {
    /// Human-readable name for logs, e.g. "libgpiod 1.6.3 (v1 API)" or "simulated".
    var name: String { get }
    func requestInput(_ spec: InputLineSpec) throws(GPIOError) -> any EdgeLine
    func requestOutput(_ spec: OutputLineSpec) throws(GPIOError) -> any OutputLine
}

/// A requested input line delivering edges. Owned by one reader thread; `close` may be called
/// from any thread and wakes a waiting reader.
public protocol EdgeLine: AnyObject, Sendable {
    /// Waits up to `timeoutMs` for edges and returns those pending (possibly none).
    /// Returns `nil` once the line is closed.
    func waitForEdges(timeoutMs: Int) throws(GPIOError) -> [EdgeEvent]?
    func close()
}

/// A requested output line. `set` takes the logical value (active-low is applied below).
public protocol OutputLine: AnyObject, Sendable {
    var label: String { get }
    func set(active: Bool) throws(GPIOError)
    /// Drives the line inactive and gives it back to the kernel.
    func release()
}
