/// A token bucket: `rate` tokens a second up to `burst`. Time is passed in (ms) so callers share one clock.
struct TokenBucket: Sendable {
    let rate: Double
    let burst: Double
    private var tokens: Double
    private var updatedMS: Int64

    init(rate: Double, burst: Double, nowMS: Int64) {
        self.rate = rate
        self.burst = burst
        tokens = burst
        updatedMS = nowMS
    }

    /// Takes one token. When none is left, returns how long until one is (ms) and takes nothing.
    mutating func take(nowMS: Int64) -> Int? {
        refill(nowMS)
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        guard rate > 0 else { return Int.max }
        // Capped: a tiny configured rate must not turn into a wait too large for an Int.
        return max(1, Int(min(((1 - tokens) / rate * 1000).rounded(.up), Double(Int32.max))))
    }

    /// True when refilled to the brim: the bucket can be forgotten without changing behaviour.
    mutating func isFull(nowMS: Int64) -> Bool {
        refill(nowMS)
        return tokens >= burst
    }

    private mutating func refill(_ nowMS: Int64) {
        let elapsed = Double(max(0, nowMS - updatedMS)) / 1000
        tokens = min(burst, tokens + elapsed * rate)
        updatedMS = nowMS
    }
}
