// Turns a parsed board TOML document into a BoardProfile, strictly: every table and key must be
// known, present, of the right type and in range; errors (EmberTOML's ConfigError, as emberd's
// configuration has) name the file, the line and the key.
import EmberTOML

public enum BoardProfileDecoder {
    static let schema: [String: Set<String>] = [
        "": ["id", "name"],
        "detect": ["model_prefixes", "architecture"],
        "cpu": ["cores", "core_type", "clusters", "min_mhz", "max_mhz", "features", "int8_macs_per_cycle", "source"],
        "power": ["idle_watts", "active_core_watts", "source"],
        "thermal": ["soft_limit_c", "hard_limit_c", "zone_types", "source"],
        "gpio": ["chips"],
        "endpoints": ["request", "events"],
    ]

    public static func decode(text: String, file: String) throws(ConfigError) -> BoardProfile {
        let doc = try BoardTOMLReader.parse(text, file: file)
        return try decode(doc, file: file)
    }

    public static func decode(_ doc: BoardTOMLDocument, file: String) throws(ConfigError) -> BoardProfile {
        for (table, entries) in doc.tables {
            guard let known = schema[table] else {
                throw ConfigError(source: file, line: doc.tableLines[table] ?? 0,
                                   "unknown table [\(table)] (known: \(schema.keys.filter { !$0.isEmpty }.sorted().joined(separator: ", ")))")
            }
            for (key, entry) in entries where !known.contains(key) {
                let place = table.isEmpty ? "at the top" : "in [\(table)]"
                throw ConfigError(source: file, line: entry.line, "unknown key '\(key)' \(place) (known: \(known.sorted().joined(separator: ", ")))")
            }
        }
        let r = Fields(doc: doc, file: file)
        let id = try r.string("", "id")
        guard !id.isEmpty, id.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }) else {
            throw r.error("", "id", "id '\(id)' must be lower-case letters, digits and '-'")
        }
        let architecture = try r.string("detect", "architecture")
        guard architecture == "aarch64" || architecture == "x86_64" else {
            throw r.error("detect", "architecture", "architecture must be \"aarch64\" or \"x86_64\", not \"\(architecture)\"")
        }
        let cores = try r.integer("cpu", "cores", in: 1...1024)
        let clusterTexts = try r.strings("cpu", "clusters")
        var clusters: [[Int]] = []
        for text in clusterTexts {
            guard let list = CPUList.parse(text), !list.isEmpty else {
                throw r.error("cpu", "clusters", "'clusters' entry '\(text)' is not a CPU list like \"0-3\" or \"0,2\"")
            }
            clusters.append(list)
        }
        let covered = clusters.flatMap { $0 }
        guard covered.sorted() == Array(0..<cores) else {
            throw r.error("cpu", "clusters", "clusters \(clusterTexts) must name each CPU 0-\(cores - 1) exactly once")
        }
        let minMHz = try r.integer("cpu", "min_mhz", in: 1...20_000)
        let maxMHz = try r.integer("cpu", "max_mhz", in: 1...20_000)
        guard minMHz <= maxMHz else { throw r.error("cpu", "min_mhz", "min_mhz \(minMHz) is above max_mhz \(maxMHz)") }
        let soft = try r.number("thermal", "soft_limit_c", in: 20...150)
        let hard = try r.number("thermal", "hard_limit_c", in: 20...150)
        guard soft < hard else { throw r.error("thermal", "soft_limit_c", "soft_limit_c \(soft) must be below hard_limit_c \(hard)") }
        _ = try r.string("cpu", "source")
        _ = try r.string("thermal", "source")
        return BoardProfile(
            id: id,
            name: try r.string("", "name"),
            modelPrefixes: try r.strings("detect", "model_prefixes"),
            architecture: architecture,
            cores: cores,
            coreType: try r.string("cpu", "core_type"),
            clusters: clusters,
            minClockMHz: minMHz,
            maxClockMHz: maxMHz,
            features: try r.strings("cpu", "features"),
            int8MACsPerCycle: try r.number("cpu", "int8_macs_per_cycle", in: 0.1...1024),
            idleWatts: try r.number("power", "idle_watts", in: 0...1000),
            activeCoreWatts: try r.number("power", "active_core_watts", in: 0...1000),
            powerSource: try r.string("power", "source"),
            thermalSoftLimitC: soft,
            thermalHardLimitC: hard,
            thermalZoneTypes: try r.strings("thermal", "zone_types"),
            gpioChips: try r.strings("gpio", "chips"),
            requestEndpoint: try r.string("endpoints", "request"),
            eventsEndpoint: try r.string("endpoints", "events"))
    }
}

/// Typed, located access to the document's fields.
private struct Fields {
    let doc: BoardTOMLDocument
    let file: String

    func error(_ table: String, _ key: String, _ message: String) -> ConfigError {
        let line = doc.tables[table]?[key]?.line ?? doc.tableLines[table] ?? 0
        return ConfigError(source: file, line: line, message)
    }

    func entry(_ table: String, _ key: String) throws(ConfigError) -> BoardTOMLEntry {
        guard let entries = doc.tables[table] else {
            throw ConfigError(source: file, line: 0, "missing table [\(table)]")
        }
        guard let e = entries[key] else {
            let place = table.isEmpty ? "at the top" : "in [\(table)]"
            throw ConfigError(source: file, line: doc.tableLines[table] ?? 0, "missing key '\(key)' \(place)")
        }
        return e
    }

    func string(_ table: String, _ key: String) throws(ConfigError) -> String {
        let e = try entry(table, key)
        guard case .string(let s) = e.value else { throw ConfigError(source: file, line: e.line, "'\(key)' must be a string, not \(e.value.typeName)") }
        return s
    }

    func strings(_ table: String, _ key: String) throws(ConfigError) -> [String] {
        let e = try entry(table, key)
        guard case .array(let items) = e.value else { throw ConfigError(source: file, line: e.line, "'\(key)' must be an array of strings, not \(e.value.typeName)") }
        var out: [String] = []
        for item in items {
            guard case .string(let s) = item else { throw ConfigError(source: file, line: e.line, "'\(key)' must hold only strings, found \(item.typeName)") }
            out.append(s)
        }
        return out
    }

    func integer(_ table: String, _ key: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        let e = try entry(table, key)
        guard case .integer(let v) = e.value else { throw ConfigError(source: file, line: e.line, "'\(key)' must be an integer, not \(e.value.typeName)") }
        guard v >= Int64(range.lowerBound), v <= Int64(range.upperBound) else {
            throw ConfigError(source: file, line: e.line, "'\(key)' is \(v); it must be \(range.lowerBound)...\(range.upperBound)")
        }
        return Int(v)
    }

    func number(_ table: String, _ key: String, in range: ClosedRange<Double>) throws(ConfigError) -> Double {
        let e = try entry(table, key)
        let v: Double
        switch e.value {
        case .integer(let i): v = Double(i)
        case .float(let f): v = f
        default: throw ConfigError(source: file, line: e.line, "'\(key)' must be a number, not \(e.value.typeName)")
        }
        guard range.contains(v) else { throw ConfigError(source: file, line: e.line, "'\(key)' is \(v); it must be \(range.lowerBound)...\(range.upperBound)") }
        return v
    }
}
