import EmberTOML

/// Typed reads from one table's entries, collecting errors that name key and line.
struct TableReader {
    let entries: [TOMLEntry]
    var table: String
    let tableLine: Int
    let known: [GPIOConfigKey]
    var errors: [GPIOConfigError] = []

    init(entries: [TOMLEntry], table: String, tableLine: Int, known: [GPIOConfigKey]) {
        self.entries = entries; self.table = table; self.tableLine = tableLine; self.known = known
        var seen = Set<String>()
        for entry in entries where !seen.insert(entry.key).inserted {
            errors.append(GPIOConfigError(table: table, key: entry.key, line: entry.line, "given twice"))
        }
    }

    func has(_ key: String) -> Bool { entries.contains { $0.key == key } }
    private func entry(_ key: String) -> TOMLEntry? { entries.first { $0.key == key } }

    mutating func fail(_ key: String?, _ message: String) {
        let line = key.flatMap { entry($0)?.line } ?? tableLine
        errors.append(GPIOConfigError(table: table, key: key, line: line, message))
    }

    private mutating func value(_ key: String, required: Bool) -> TOMLValue? {
        guard let e = entry(key) else {
            if required { errors.append(GPIOConfigError(table: table, key: key, line: tableLine, "missing (required)")) }
            return nil
        }
        return e.value
    }

    private mutating func wrongType(_ key: String, _ expected: String, _ got: TOMLValue) {
        fail(key, "expected \(expected), got \(got.typeName)")
    }

    mutating func string(_ key: String, required: Bool = false) -> String? {
        guard let v = value(key, required: required) else { return nil }
        guard case .string(let s) = v else { wrongType(key, "a string", v); return nil }
        if s.isEmpty && required { fail(key, "must not be empty"); return nil }
        return s
    }

    mutating func bool(_ key: String) -> Bool? {
        guard let v = value(key, required: false) else { return nil }
        guard case .boolean(let b) = v else { wrongType(key, "true or false", v); return nil }
        return b
    }

    mutating func integer(_ key: String, in range: ClosedRange<Int64>) -> Int? {
        guard let v = value(key, required: false) else { return nil }
        guard case .integer(let i) = v else { wrongType(key, "an integer", v); return nil }
        guard range.contains(i) else { fail(key, "\(i) is outside \(range.lowerBound)...\(range.upperBound)"); return nil }
        return Int(i)
    }

    mutating func float(_ key: String) -> Float? {
        guard let v = value(key, required: false) else { return nil }
        switch v {
        case .float(let d) where d.isFinite: return Float(d)
        case .integer(let i): return Float(i)
        case .float: fail(key, "must be a finite number"); return nil
        default: wrongType(key, "a number", v); return nil
        }
    }

    mutating func choice<T: RawRepresentable & CaseIterable>(_ key: String, _: T.Type) -> T? where T.RawValue == String {
        guard let s = string(key) else { return nil }
        guard let c = T(rawValue: s) else {
            fail(key, "expected one of \(T.allCases.map(\.rawValue).joined(separator: ", ")); got \"\(s)\"")
            return nil
        }
        return c
    }

    mutating func stringArray(_ key: String, required: Bool) -> [String]? {
        guard let v = value(key, required: required) else { return nil }
        guard case .array(let items) = v else { wrongType(key, "an array of strings", v); return nil }
        var out: [String] = []
        for item in items {
            guard case .string(let s) = item else { wrongType(key, "an array of strings; an element", item); return nil }
            out.append(s)
        }
        return out
    }

    mutating func lineSelector(_ key: String, required: Bool) -> LineSelector? {
        guard let v = value(key, required: required) else { return nil }
        return selector(key, v)
    }

    mutating func lineSelectors(_ key: String) -> [LineSelector]? {
        guard let v = value(key, required: true) else { return nil }
        guard case .array(let items) = v, !items.isEmpty else {
            if case .array = v { fail(key, "must name at least one line") } else { wrongType(key, "an array of line names or offsets", v) }
            return nil
        }
        let selectors = items.compactMap { selector(key, $0) }
        return selectors.count == items.count ? selectors : nil
    }

    private mutating func selector(_ key: String, _ v: TOMLValue) -> LineSelector? {
        switch v {
        case .integer(let i) where i >= 0 && i < 65536: return .offset(UInt32(i))
        case .integer(let i): fail(key, "offset \(i) is outside 0...65535"); return nil
        case .string(let s) where !s.isEmpty && s.allSatisfy(\.isASCII) && s.allSatisfy(\.isNumber):
            guard let o = UInt32(s), o < 65536 else { fail(key, "offset \(s) is outside 0...65535"); return nil }
            return .offset(o)
        case .string(let s) where !s.isEmpty: return .name(s)
        case .string: fail(key, "must not be empty"); return nil
        default: wrongType(key, "a line name or offset", v); return nil
        }
    }

    mutating func onlyWith(_ key: String, source: String) {
        guard has(key), let e = entry("source"), case .string(let s) = e.value, s != source else { return }
        fail(key, "only used with source = \"\(source)\"")
    }

    mutating func rejectUnknown() {
        let names = Set(known.map(\.name))
        for entry in entries where !names.contains(entry.key) {
            let hint = closestName(to: entry.key, among: known.map(\.name)).map { " (did you mean '\($0)'?)" } ?? ""
            errors.append(GPIOConfigError(table: table, key: entry.key, line: entry.line, "unknown key\(hint)"))
        }
    }
}
