import CGPIOD

/// The kernel's GPIO character devices through libgpiod (v1 or v2, whichever CGPIOD was built
/// against). All calls into CGPIOD live in this file.
public struct LibgpiodBackend: GPIOBackend {
    /// Where chips are looked for by name and label; tests may point it elsewhere.
    public let deviceDirectory: String

    public init(deviceDirectory: String = "/dev") { self.deviceDirectory = deviceDirectory }

    public var name: String {
        "libgpiod \(String(cString: cgpiod_library_version())) (v\(cgpiod_api_major()) API)"
    }

    public func requestInput(_ spec: InputLineSpec) throws(GPIOError) -> any EdgeLine {
        let (path, offset) = try resolve(chip: spec.chip, line: spec.line)
        let edge: Int32 = switch spec.edge {
            case .rising: Int32(CGPIOD_EDGE_RISING.rawValue)
            case .falling: Int32(CGPIOD_EDGE_FALLING.rawValue)
            case .both: Int32(CGPIOD_EDGE_BOTH.rawValue)
        }
        let bias: Int32 = switch spec.bias {
            case .asIs: Int32(CGPIOD_BIAS_AS_IS.rawValue)
            case .disabled: Int32(CGPIOD_BIAS_DISABLED.rawValue)
            case .pullUp: Int32(CGPIOD_BIAS_PULL_UP.rawValue)
            case .pullDown: Int32(CGPIOD_BIAS_PULL_DOWN.rawValue)
        }
        guard let request = cgpiod_request_input(path, offset, edge, bias, spec.activeLow ? 1 : 0, spec.consumer) else {
            throw requestError(errno, chip: spec.chip, path: path, line: spec.line, offset: offset)
        }
        return try KernelEdgeLine(request: request, chip: spec.chip, line: spec.line)
    }

    public func requestOutput(_ spec: OutputLineSpec) throws(GPIOError) -> any OutputLine {
        let (path, offset) = try resolve(chip: spec.chip, line: spec.line)
        guard let request = cgpiod_request_output(path, offset, spec.activeLow ? 1 : 0, 0, spec.consumer) else {
            throw requestError(errno, chip: spec.chip, path: path, line: spec.line, offset: offset)
        }
        return KernelOutputLine(request: request, label: "\(spec.chip) \(spec.line)")
    }

    // MARK: lookup

    /// Finds the chip's device path (by path, /dev name, then label) and the line's offset.
    func resolve(chip: String, line: LineSelector) throws(GPIOError) -> (String, UInt32) {
        let path = try chipPath(chip, line: line)
        guard let handle = cgpiod_chip_open(path) else { throw openError(errno, chip: chip, line: line) }
        defer { cgpiod_chip_close(handle) }
        switch line {
        case .offset(let offset):
            let count = cgpiod_chip_num_lines(handle)
            guard count >= 0, offset < UInt32(count) else {
                throw GPIOError(.invalidLine, chip: chip, line: line, detail: "the chip has \(count) lines")
            }
            return (path, offset)
        case .name(let name):
            let offset = cgpiod_chip_find_line(handle, name)
            guard offset >= 0 else { throw GPIOError(.lineNotFound, chip: chip, line: line) }
            return (path, UInt32(offset))
        }
    }

    private func chipPath(_ chip: String, line: LineSelector) throws(GPIOError) -> String {
        if chip.hasPrefix("/") { return chip }
        let byName = "\(deviceDirectory)/\(chip)"
        if access(byName, F_OK) == 0 { return byName }
        var sawPermissionError = false
        for candidate in gpiochipDevices() {
            guard let handle = cgpiod_chip_open(candidate) else {
                if errno == EACCES || errno == EPERM { sawPermissionError = true }
                continue
            }
            defer { cgpiod_chip_close(handle) }
            var label = [CChar](repeating: 0, count: 128)
            if cgpiod_chip_label(handle, &label, label.count) == 0,
               String(decoding: label.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) == chip {
                return candidate
            }
        }
        throw GPIOError(sawPermissionError ? .permissionDenied : .chipNotFound, chip: chip, line: line,
                        detail: sawPermissionError ? "some gpiochips in \(deviceDirectory) could not be opened to read their labels" : "")
    }

    private func gpiochipDevices() -> [String] {
        guard let dir = opendir(deviceDirectory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasPrefix("gpiochip") { names.append("\(deviceDirectory)/\(name)") }
        }
        return names.sorted()
    }

    private func openError(_ code: Int32, chip: String, line: LineSelector?) -> GPIOError {
        switch code {
        case ENOENT, ENODEV, ENOTTY: return GPIOError(.chipNotFound, chip: chip, line: line)
        case EACCES, EPERM: return GPIOError(.permissionDenied, chip: chip, line: line)
        default: return GPIOError(.io(errno: code), chip: chip, line: line)
        }
    }

    private func requestError(_ code: Int32, chip: String, path: String, line: LineSelector, offset: UInt32) -> GPIOError {
        guard code == EBUSY else { return openError(code, chip: chip, line: line) }
        var info = cgpiod_line_info()
        var consumer = ""
        if let handle = cgpiod_chip_open(path) {
            if cgpiod_chip_line_info(handle, offset, &info) == 0 {
                consumer = withUnsafeBytes(of: info.consumer) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            }
            cgpiod_chip_close(handle)
        }
        return GPIOError(.lineBusy(consumer: consumer), chip: chip, line: line)
    }
}

/// An input request plus an eventfd that `close` writes to, so a blocked `poll` returns at once.
final class KernelEdgeLine: EdgeLine, @unchecked Sendable {
    private let request: OpaquePointer
    private let wakeFd: Int32
    private let chip: String
    private let line: LineSelector
    private let lock = ConditionLock()
    private var closed = false
    private var released = false

    init(request: OpaquePointer, chip: String, line: LineSelector) throws(GPIOError) {
        let fd = cgpiod_wake_fd()
        guard fd >= 0 else {
            let e = errno
            cgpiod_request_release(request)
            throw GPIOError(.io(errno: e), chip: chip, line: line, detail: "eventfd")
        }
        self.request = request; self.wakeFd = fd; self.chip = chip; self.line = line
    }

    deinit {
        if !released { cgpiod_request_release(request) }
        Glibc.close(wakeFd)
    }

    func waitForEdges(timeoutMs: Int) throws(GPIOError) -> [EdgeEvent]? {
        if lock.withLock({ closed }) { releaseOnce(); return nil }
        var fds = [pollfd(fd: cgpiod_request_fd(request), events: Int16(POLLIN), revents: 0),
                   pollfd(fd: wakeFd, events: Int16(POLLIN), revents: 0)]
        let rc = poll(&fds, 2, Int32(clamping: timeoutMs))
        if rc < 0 {
            if errno == EINTR { return [] }
            throw GPIOError(.io(errno: errno), chip: chip, line: line, detail: "poll")
        }
        if fds[1].revents != 0 || lock.withLock({ closed }) { releaseOnce(); return nil }
        guard fds[0].revents & Int16(POLLIN) != 0 else { return [] }
        var buffer = [cgpiod_edge](repeating: cgpiod_edge(), count: 16)
        let n = cgpiod_request_read_edges(request, &buffer, Int32(buffer.count))
        guard n >= 0 else { throw GPIOError(.io(errno: errno), chip: chip, line: line, detail: "reading edge events") }
        return buffer.prefix(Int(n)).map { EdgeEvent(timestampNs: $0.timestamp_ns, rising: $0.rising != 0, offset: $0.offset) }
    }

    /// Only the reader thread releases the request, so it is never freed under a running poll.
    private func releaseOnce() {
        guard !released else { return }
        released = true
        cgpiod_request_release(request)
    }

    func close() {
        lock.withLock { closed = true }
        var one: UInt64 = 1
        _ = write(wakeFd, &one, 8)
    }
}

final class KernelOutputLine: OutputLine, @unchecked Sendable {
    private let request: OpaquePointer
    private let lock = ConditionLock()
    private var released = false
    let label: String

    init(request: OpaquePointer, label: String) { self.request = request; self.label = label }

    deinit { release() }

    func set(active: Bool) throws(GPIOError) {
        let rc: Int32 = lock.withLock { released ? -2 : cgpiod_request_set_value(request, active ? 1 : 0) }
        if rc == -2 { throw GPIOError(.backend("output line already released"), chip: label) }
        if rc != 0 { throw GPIOError(.io(errno: errno), chip: label, detail: "setting the value") }
    }

    func release() {
        lock.withLock {
            guard !released else { return }
            released = true
            _ = cgpiod_request_set_value(request, 0)
            cgpiod_request_release(request)
        }
    }
}
