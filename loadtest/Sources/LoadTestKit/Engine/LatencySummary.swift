import Histogram

/// Percentiles of a latency histogram (recorded in microseconds), in milliseconds.
public struct LatencySummary: Codable, Sendable, Equatable {
    public var count: UInt64
    public var p50: Double
    public var p90: Double
    public var p99: Double
    public var p999: Double
    public var max: Double
    public var mean: Double

    public init(count: UInt64, p50: Double, p90: Double, p99: Double, p999: Double, max: Double, mean: Double) {
        self.count = count
        self.p50 = p50
        self.p90 = p90
        self.p99 = p99
        self.p999 = p999
        self.max = max
        self.mean = mean
    }

    public init(_ histogram: Histogram<UInt64>) {
        guard histogram.totalCount > 0 else {
            self.init(count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0)
            return
        }
        func ms(_ micros: UInt64) -> Double { Double(micros) / 1000 }
        self.init(
            count: histogram.totalCount,
            p50: ms(histogram.valueAtPercentile(50)), p90: ms(histogram.valueAtPercentile(90)),
            p99: ms(histogram.valueAtPercentile(99)), p999: ms(histogram.valueAtPercentile(99.9)),
            max: ms(histogram.max), mean: histogram.mean / 1000)
    }

    /// A histogram of microsecond values up to an hour, 3 significant digits.
    public static func makeHistogram() -> Histogram<UInt64> {
        var histogram = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        histogram.autoResize = true
        return histogram
    }
}
