/// Percentiles of a set of timings, in microseconds.
public struct LatencySummary: Sendable, CustomStringConvertible {
    public var samples: Int
    public var p50: Double
    public var p90: Double
    public var p99: Double
    public var max: Double

    init(microseconds: [Double]) {
        let sorted = microseconds.sorted()
        samples = sorted.count
        func percentile(_ fraction: Double) -> Double {
            sorted.isEmpty ? 0 : sorted[Swift.min(sorted.count - 1, Int(fraction * Double(sorted.count)))]
        }
        p50 = percentile(0.50)
        p90 = percentile(0.90)
        p99 = percentile(0.99)
        self.max = sorted.last ?? 0
    }

    public var description: String {
        func format(_ value: Double) -> String { String(Double(Int(value * 10)) / 10) }
        return "p50 \(format(p50)) µs, p90 \(format(p90)) µs, p99 \(format(p99)) µs, max \(format(max)) µs (\(samples) samples)"
    }
}
