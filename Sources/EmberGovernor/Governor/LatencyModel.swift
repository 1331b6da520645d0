// Learned inference latency per (model, threads): an EWMA mean and a p99 from a fixed ring of the
// latest samples. Samples are stored normalised to the full clock (observed × clock scale), so a
// frequency cap changes the prediction at once instead of poisoning the history.

public struct LatencyEstimate: Sendable, Equatable {
    public var samples: Int
    /// Seconds at the full clock.
    public var meanSeconds: Double
    public var p99Seconds: Double
}

struct LatencyRing: Sendable {
    private var values: [Double] = []  // in arrival order, circular
    private var sorted: [Double] = []  // the same values, ascending (kept for the percentile)
    private var next = 0
    let capacity: Int
    private(set) var count = 0
    private(set) var mean = 0.0

    init(capacity: Int) { self.capacity = max(1, capacity) }

    mutating func add(_ x: Double, weight: Double) {
        mean = count == 0 ? x : mean + weight * (x - mean)
        count += 1
        if values.count < capacity {
            values.append(x)
        } else {
            sorted.remove(at: Self.lowerBound(sorted, values[next]))
            values[next] = x
        }
        sorted.insert(x, at: Self.lowerBound(sorted, x))
        next = (next + 1) % capacity
    }

    /// Nearest-rank 99th percentile of the samples in the ring.
    var p99: Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((0.99 * Double(sorted.count)).rounded(.up))
        return sorted[max(0, min(sorted.count - 1, rank - 1))]
    }

    static func lowerBound(_ a: [Double], _ x: Double) -> Int {
        var low = 0
        var high = a.count
        while low < high {
            let mid = (low + high) / 2
            if a[mid] < x { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

struct LatencyModel: Sendable {
    struct Key: Hashable, Sendable {
        var model: String
        var threads: Int
    }

    private var rings: [Key: LatencyRing] = [:]
    let window: Int
    let weight: Double

    init(window: Int, weight: Double) {
        self.window = window
        self.weight = weight
    }

    mutating func observe(model: String, threads: Int, fullClockSeconds: Double) {
        let key = Key(model: model, threads: threads)
        var ring = rings[key] ?? LatencyRing(capacity: window)
        ring.add(fullClockSeconds, weight: weight)
        rings[key] = ring
    }

    func estimate(model: String, threads: Int) -> LatencyEstimate? {
        guard let ring = rings[Key(model: model, threads: threads)], ring.count > 0 else { return nil }
        return LatencyEstimate(samples: ring.count, meanSeconds: ring.mean, p99Seconds: ring.p99)
    }

    var models: Set<String> { Set(rings.keys.map(\.model)) }

    func threadCounts(model: String) -> [Int] { rings.keys.filter { $0.model == model }.map(\.threads).sorted() }
}
