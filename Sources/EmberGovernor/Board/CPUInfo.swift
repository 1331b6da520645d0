// What /proc/cpuinfo says about the CPUs, in the two layouts that matter: AArch64 ("processor",
// "Features", "CPU part", "CPU architecture") and x86 ("processor", "flags", "model name").

public struct CPUInfo: Sendable, Equatable {
    public var processorCount = 0
    /// "aarch64", "x86_64" or nil when the text looks like neither.
    public var architecture: String?
    /// AArch64 "CPU part" values (e.g. "0xd08"), one per distinct part, in order of appearance.
    public var cpuParts: [String] = []
    /// Union of the "Features" / "flags" words.
    public var features: Set<String> = []
    public var modelName: String?

    public init() {}

    public static func parse(_ text: String) -> CPUInfo {
        var info = CPUInfo()
        for rawLine in text.split(separator: "\n") {
            guard let colon = rawLine.firstIndex(of: ":") else { continue }
            let key = String(rawLine[..<colon]).trimmingASCIIWhitespace()
            let value = String(rawLine[rawLine.index(after: colon)...]).trimmingASCIIWhitespace()
            switch key {
            case "processor":
                if Int(value) != nil { info.processorCount += 1 }
            case "Features":
                info.architecture = info.architecture ?? "aarch64"
                info.features.formUnion(value.split(separator: " ").map(String.init))
            case "flags":
                info.architecture = info.architecture ?? "x86_64"
                info.features.formUnion(value.split(separator: " ").map(String.init))
            case "CPU architecture":
                if value == "8" || value == "AArch64" { info.architecture = "aarch64" }
            case "CPU part":
                if !info.cpuParts.contains(value) { info.cpuParts.append(value) }
            case "model name":
                if info.modelName == nil { info.modelName = value }
            default:
                continue
            }
        }
        return info
    }

    /// Ember's feature names for what the kernel reports: asimd → neon, asimddp → dotprod, ...
    public var emberFeatures: [String] {
        let map: [(kernel: String, ember: String)] = [
            ("asimd", "neon"), ("asimddp", "dotprod"), ("i8mm", "i8mm"),
            ("avx2", "avx2"), ("avx512_vnni", "avx512vnni"), ("avx_vnni", "avxvnni"),
        ]
        return map.filter { features.contains($0.kernel) }.map(\.ember)
    }

    /// Known Arm "CPU part" numbers, for display.
    public static func coreName(part: String) -> String? {
        switch part.lowercased() {
        case "0xd03": "Cortex-A53"
        case "0xd04": "Cortex-A35"
        case "0xd05": "Cortex-A55"
        case "0xd07": "Cortex-A57"
        case "0xd08": "Cortex-A72"
        case "0xd09": "Cortex-A73"
        case "0xd0a": "Cortex-A75"
        case "0xd0b": "Cortex-A76"
        case "0xd0d": "Cortex-A77"
        case "0xd0c": "Neoverse-N1"
        case "0xd41": "Cortex-A78"
        default: nil
        }
    }
}
