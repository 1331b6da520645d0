// The kernel's CPU list syntax ("0-3", "0,2-3"), used by sysfs and by the profiles' clusters.

public enum CPUList {
    /// nil when the text is not a well-formed list; CPU numbers are capped at 4095.
    public static func parse(_ text: String) -> [Int]? {
        let trimmed = text.trimmingASCIIWhitespace()
        if trimmed.isEmpty { return [] }
        var cpus: [Int] = []
        for part in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            guard bounds.count == 1 || bounds.count == 2,
                  let low = Int(bounds[0]), let high = Int(bounds.last!),
                  low >= 0, low <= high, high < 4096 else { return nil }
            cpus.append(contentsOf: low...high)
        }
        return cpus
    }
}

extension String {
    func trimmingASCIIWhitespace() -> String {
        let scalars = unicodeScalars
        let isSpace: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = scalars.firstIndex(where: { !isSpace($0) }),
              let last = scalars.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(scalars[first...last])
    }
}
