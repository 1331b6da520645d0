/// Places buffers with known lifetimes in one arena so that buffers alive at the same time never
/// overlap, reusing space otherwise. Greedy by size (as TFLite's arena planner): largest buffer
/// first, each at the lowest aligned offset that fits between the buffers already placed whose
/// lifetimes intersect its own.
public struct ArenaPlanner {
    public struct Buffer: Sendable, Equatable {
        public var size: Int
        /// First and last step (inclusive) at which the buffer holds live data.
        public var first: Int
        public var last: Int
        public init(size: Int, first: Int, last: Int) {
            self.size = size
            self.first = first
            self.last = last
        }
        func overlapsInTime(_ other: Buffer) -> Bool { first <= other.last && other.first <= last }
    }

    public struct Layout: Sendable, Equatable {
        /// Offset of each buffer, multiples of the alignment.
        public var offsets: [Int]
        /// Bytes needed, a multiple of the alignment.
        public var size: Int
    }

    public static let alignment = 64

    public static func plan(_ buffers: [Buffer], alignment: Int = ArenaPlanner.alignment) throws(EngineError) -> Layout {
        precondition(alignment > 0 && alignment & (alignment - 1) == 0, "alignment must be a power of two")
        let order = buffers.indices.sorted { a, b in
            let x = buffers[a], y = buffers[b]
            if x.size != y.size { return x.size > y.size }
            if x.first != y.first { return x.first < y.first }
            return a < b
        }
        var offsets = [Int](repeating: 0, count: buffers.count)
        var placed: [Int] = []  // buffer indices, kept sorted by offset
        var total = 0
        for index in order {
            let buffer = buffers[index]
            guard buffer.size >= 0, buffer.first <= buffer.last else {
                throw .invalidGraph("buffer \(index) has size \(buffer.size) and lifetime \(buffer.first)...\(buffer.last)")
            }
            guard let size = roundUp(buffer.size, alignment) else {
                throw .sizeOverflow("buffer \(index) of \(buffer.size) bytes")
            }
            var candidate = 0
            for other in placed where buffers[other].overlapsInTime(buffer) {
                if candidate + size <= offsets[other] { break }  // fits in the gap before `other`
                guard let end = roundUp(offsets[other] + buffers[other].size, alignment) else {
                    throw .sizeOverflow("arena offset")
                }
                candidate = max(candidate, end)
            }
            offsets[index] = candidate
            let insertAt = placed.firstIndex { offsets[$0] > candidate } ?? placed.count
            placed.insert(index, at: insertAt)
            let (end, overflow) = candidate.addingReportingOverflow(size)
            guard !overflow else { throw .sizeOverflow("arena size") }
            total = max(total, end)
        }
        return Layout(offsets: offsets, size: total)
    }

    static func roundUp(_ value: Int, _ alignment: Int) -> Int? {
        let (sum, overflow) = value.addingReportingOverflow(alignment - 1)
        return overflow ? nil : sum & ~(alignment - 1)
    }
}
