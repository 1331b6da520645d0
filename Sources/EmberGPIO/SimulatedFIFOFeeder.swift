import CGPIOD

/// Feeds edges into a `SimulatedGPIO` from a FIFO, one command per line:
///
///     GPIO17 rising          # or: 17 falling, GPIO17 pulse (rising then falling), GPIO17 (= rising)
///     GPIO5 falling gpiochip1
///
/// so `echo GPIO17 > /run/ember/gpio-sim` plays a PIR sensor. Bad lines are reported and skipped.
public final class SimulatedFIFOFeeder: @unchecked Sendable {
    public let path: String
    private let backend: SimulatedGPIO
    private let report: @Sendable (String) -> Void
    private let fd: Int32
    private let wakeFd: Int32
    private var thread: WorkerThread?

    public init(path: String, backend: SimulatedGPIO, report: @escaping @Sendable (String) -> Void) throws(GPIOError) {
        self.path = path; self.backend = backend; self.report = report
        var st = stat()
        if stat(path, &st) == 0 {
            guard st.st_mode & S_IFMT == S_IFIFO else {
                throw GPIOError(.backend("\(path) exists and is not a FIFO"), chip: "simulated")
            }
        } else if mkfifo(path, 0o660) != 0 {
            throw GPIOError(.backend("cannot create FIFO \(path): \(describeErrno(errno))"), chip: "simulated")
        }
        // Read-write, so the FIFO never reports end-of-file when a writer goes away.
        let fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw GPIOError(.backend("cannot open FIFO \(path): \(describeErrno(errno))"), chip: "simulated") }
        let wake = cgpiod_wake_fd()
        guard wake >= 0 else {
            Glibc.close(fd)
            throw GPIOError(.backend("eventfd: \(describeErrno(errno))"), chip: "simulated")
        }
        self.fd = fd; self.wakeFd = wake
        do { thread = try WorkerThread(name: "ember-gpio-fifo") { [self] in run() } } catch {
            throw GPIOError(.backend(error.description), chip: "simulated")
        }
    }

    public func stop() {
        var one: UInt64 = 1
        _ = write(wakeFd, &one, 8)
        thread?.join()
        thread = nil
    }

    deinit {
        stop()
        Glibc.close(fd); Glibc.close(wakeFd)
    }

    private func run() {
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeFd, events: Int16(POLLIN), revents: 0)]
            if poll(&fds, 2, -1) < 0 { if errno == EINTR { continue }; report("FIFO \(path): poll: \(describeErrno(errno))"); return }
            if fds[1].revents != 0 { return }
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { continue }
            pending.append(contentsOf: chunk[0..<n])
            while let newline = pending.firstIndex(of: 0x0A) {
                let text = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                apply(text)
            }
            if pending.count > 4096 { report("FIFO \(path): line longer than 4096 bytes dropped"); pending.removeAll() }
        }
    }

    /// Applies one command line; public so tests and a control request can use the same syntax.
    public func apply(_ text: String) {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
        guard let first = words.first, !first.hasPrefix("#") else { return }
        guard words.count <= 3 else { report("FIFO \(path): \"\(text)\": expected LINE [rising|falling|pulse] [CHIP]"); return }
        let line: LineSelector = UInt32(first).map { .offset($0) } ?? .name(first)
        let chip = words.count == 3 ? words[2] : backend.chips.first?.name ?? "gpiochip0"
        let levels: [Bool]
        switch words.count >= 2 ? words[1] : "rising" {
        case "rising": levels = [true]
        case "falling": levels = [false]
        case "pulse": levels = [true, false]
        case let other: report("FIFO \(path): \"\(text)\": unknown edge \"\(other)\" (rising, falling, pulse)"); return
        }
        do {
            for rising in levels { try backend.inject(chip: chip, line: line, rising: rising) }
        } catch {
            report("FIFO \(path): \"\(text)\": \(error)")
        }
    }
}
