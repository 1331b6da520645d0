/// The valid values of each attribute key (docs/model-format.md, "Attribute keys"). The reader
/// rejects anything outside these, so the engine can use values without re-checking ranges.
extension AttributeKey {
    private static let int8Range = -128...127
    private static let int32Range = Int(Int32.min)...Int(Int32.max)
    private static let windowRange = 1...65_535
    private static let padRange = 0...65_535
    private static let multiplierRange = 0...Int(Int32.max)
    private static let shiftRange = -31...31

    /// Why `value` is not valid for this key, or nil if it is. The type is checked separately.
    func problem(with value: AttributeValue) -> String? {
        switch (self, value) {
        case (.actMin, .int(let v)), (.actMax, .int(let v)):
            return check(v, in: Self.int8Range)
        case (.strideH, .int(let v)), (.strideW, .int(let v)), (.dilationH, .int(let v)),
             (.dilationW, .int(let v)), (.kernelH, .int(let v)), (.kernelW, .int(let v)):
            return check(v, in: Self.windowRange)
        case (.padTop, .int(let v)), (.padLeft, .int(let v)), (.padBottom, .int(let v)), (.padRight, .int(let v)):
            return check(v, in: Self.padRange)
        case (.leftShift, .int(let v)), (.inputLeftShift, .int(let v)):
            return check(v, in: 0...31)
        case (.aMultiplier, .int(let v)), (.bMultiplier, .int(let v)), (.outMultiplier, .int(let v)),
             (.multiplier, .int(let v)), (.inputMultiplier, .int(let v)):
            return check(v, in: Self.multiplierRange)
        case (.aShift, .int(let v)), (.bShift, .int(let v)), (.outShift, .int(let v)), (.shift, .int(let v)):
            return check(v, in: Self.shiftRange)
        case (.padValue, .int(let v)):
            return check(v, in: Self.int32Range)
        case (.diffMin, .int(let v)):
            return check(v, in: Int(Int32.min)...0)
        case (.keepDims, .int(let v)):
            return check(v, in: 0...1)
        case (.numHeads, .int(let v)):
            return check(v, in: 1...4096)
        case (.hadamardBlock, .int(let v)):
            return check(v, in: 2...4096) ?? (v & (v - 1) == 0 ? nil : "\(v) is not a power of two")
        case (.paddings, .ints(let v)):
            guard v.count % 2 == 0, v.count <= 2 * FileLayout.maxRank else {
                return "needs before/after pairs for at most \(FileLayout.maxRank) dimensions, has \(v.count) values"
            }
            return v.lazy.compactMap { check($0, in: Self.padRange) }.first
        case (.axes, .ints(let v)):
            guard (1...FileLayout.maxRank).contains(v.count) else {
                return "needs 1 to \(FileLayout.maxRank) axes, has \(v.count)"
            }
            guard Set(v).count == v.count else { return "repeats an axis" }
            return v.lazy.compactMap { check($0, in: 0...(FileLayout.maxRank - 1)) }.first
        case (.epsilon, .float(let v)):
            return v.isFinite && v > 0 ? nil : "\(v) must be finite and positive"
        default:
            return "has type \(value.type), expected \(valueType)"
        }
    }

    private func check(_ v: Int, in range: ClosedRange<Int>) -> String? {
        range.contains(v) ? nil : "\(v) is outside \(range.lowerBound)...\(range.upperBound)"
    }
}
