// A fake /proc + /sys tree in a temporary directory, for tests and `ember board --simulate`:
// the governor reads it through SysfsRoot exactly as it reads the real one.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

public struct FakeSysfsTree: Sendable {
    public let root: SysfsRoot

    /// Makes a fresh directory under $TMPDIR (or /tmp); nil with the reason when that fails.
    public static func makeTemporary(prefix: String = "ember-sysfs") -> Result<FakeSysfsTree, FakeSysfsError> {
        let base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(base)/\(prefix).XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else { return .failure(FakeSysfsError("mkdtemp in \(base) failed (errno \(errno))")) }
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return .success(FakeSysfsTree(root: SysfsRoot(path)))
    }

    public init(root: SysfsRoot) { self.root = root }

    /// Creates or replaces a file (and its directories).
    @discardableResult
    public func put(_ relative: String, _ text: String) -> FakeSysfsError? {
        if let slash = relative.lastIndex(of: "/"), let e = makeDirectories(String(relative[..<slash])) { return e }
        let fd = open(root.absolute(relative), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return FakeSysfsError("cannot create \(relative) (errno \(errno))") }
        defer { _ = close(fd) }
        let bytes = Array(text.utf8)
        let n = bytes.withUnsafeBytes { fakeWrite(fd, $0.baseAddress, $0.count) }
        return n == bytes.count ? nil : FakeSysfsError("short write to \(relative)")
    }

    public func remove(_ relative: String) { _ = unlink(root.absolute(relative)) }

    @discardableResult
    public func makeDirectories(_ relative: String) -> FakeSysfsError? {
        var path = root.path
        for part in relative.split(separator: "/") {
            path += part + "/"
            if mkdir(path, 0o755) != 0 && errno != EEXIST { return FakeSysfsError("cannot create directory \(path) (errno \(errno))") }
        }
        return nil
    }

    /// Removes the whole tree (only what is under the root; the root must be one we made).
    public func destroy() {
        removeTree(String(root.path.dropLast()))
    }

    private func removeTree(_ path: String) {
        if let dir = opendir(path) {
            var names: [String] = []
            while let entry = readdir(dir) {
                let name = withUnsafePointer(to: &entry.pointee.d_name) {
                    String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
                }
                if name != "." && name != ".." { names.append(name) }
            }
            closedir(dir)
            for name in names { removeTree(path + "/" + name) }
            _ = rmdir(path)
        } else {
            _ = unlink(path)
        }
    }

    // MARK: - a board's worth of files

    /// Writes the files a board of this profile has: model string, cpuinfo, cpufreq, one
    /// thermal zone, and (for Raspberry Pi profiles) the firmware flags.
    public func populate(profile: BoardProfile, modelString: String?, celsius: Double, firmwareFlags: Bool) {
        if let modelString { put("proc/device-tree/model", modelString + "\0") }
        var cpuinfo = ""
        for cpu in 0..<profile.cores {
            if profile.architecture == "aarch64" {
                cpuinfo += "processor\t: \(cpu)\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd evtstrm crc32 cpuid\(profile.features.contains("dotprod") ? " asimddp" : "")\nCPU architecture: 8\nCPU part\t: 0xd08\n\n"
            } else {
                cpuinfo += "processor\t: \(cpu)\nmodel name\t: Simulated x86-64\nflags\t\t: fpu sse2 avx2\n\n"
            }
        }
        put("proc/cpuinfo", cpuinfo)
        for cpu in 0..<profile.cores {
            setClock(cpu: cpu, currentMHz: profile.maxClockMHz, maxMHz: profile.maxClockMHz)
            put("sys/devices/system/cpu/cpu\(cpu)/cpufreq/scaling_max_freq", "\(profile.maxClockMHz * 1000)\n")
            put("sys/devices/system/cpu/cpu\(cpu)/cpufreq/scaling_governor", "ondemand\n")
        }
        put("sys/class/thermal/thermal_zone0/type", (profile.thermalZoneTypes.first ?? "soc-thermal") + "\n")
        setTemperature(celsius)
        if firmwareFlags { setThrottle(ThrottleFlags()) }
    }

    public func setTemperature(_ celsius: Double, zone: Int = 0) {
        put("sys/class/thermal/thermal_zone\(zone)/temp", "\(Int((celsius * 1000).rounded()))\n")
    }

    public func setClock(cpu: Int, currentMHz: Int, maxMHz: Int) {
        put("sys/devices/system/cpu/cpu\(cpu)/cpufreq/scaling_cur_freq", "\(currentMHz * 1000)\n")
        put("sys/devices/system/cpu/cpu\(cpu)/cpufreq/cpuinfo_max_freq", "\(maxMHz * 1000)\n")
    }

    public func setThrottle(_ flags: ThrottleFlags) {
        put(SysfsReader.throttledPath, String(flags.rawValue, radix: 16) + "\n")
    }
}

public struct FakeSysfsError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}

private func fakeWrite(_ fd: Int32, _ buf: UnsafeRawPointer?, _ n: Int) -> Int { write(fd, buf, n) }
