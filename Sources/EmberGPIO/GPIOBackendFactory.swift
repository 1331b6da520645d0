/// The backend the `[gpio]` table asks for; the simulated one only when asked for by name.
public struct ConfiguredGPIO: Sendable {
    public let backend: any GPIOBackend
    /// Present with `backend = "simulated"` and a `simulated_fifo`; stop it after the triggers.
    public let feeder: SimulatedFIFOFeeder?

    public init(_ settings: GPIOSettings, report: @escaping @Sendable (String) -> Void) throws(GPIOError) {
        switch settings.backend {
        case .libgpiod:
            backend = LibgpiodBackend()
            feeder = nil
        case .simulated:
            let sim = SimulatedGPIO(onOutputChange: { change in
                report("simulated \(change.chip) line \(change.offset) -> \(change.active ? "active" : "inactive")")
            })
            backend = sim
            feeder = try settings.simulatedFIFO.map { (path) throws(GPIOError) in
                try SimulatedFIFOFeeder(path: path, backend: sim, report: report)
            }
        }
    }
}
