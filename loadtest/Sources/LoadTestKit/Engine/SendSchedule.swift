/// The open-loop send schedule: message k is due at start + k / rate, whatever happened to
/// earlier ones. Latency is measured from the scheduled time, so a generator that falls
/// behind shows up as latency instead of silently sending less (no coordinated omission).
struct SendSchedule: Equatable {
    private(set) var startNS: UInt64
    private(set) var rate: Double
    /// Messages handed out so far.
    private(set) var issued: UInt64 = 0

    init(startNS: UInt64, rate: Double) {
        self.startNS = startNS
        self.rate = rate
    }

    /// Messages due by `now` (the first is due at once).
    func dueCount(at now: UInt64) -> UInt64 {
        guard rate > 0, now >= startNS else { return 0 }
        return UInt64(Double(now - startNS) / 1e9 * rate) + 1
    }

    /// The scheduled time of the next due message, or nil when none is due yet.
    mutating func next(at now: UInt64) -> UInt64? {
        guard issued < dueCount(at: now) else { return nil }
        let scheduled = startNS &+ UInt64(Double(issued) * 1e9 / rate)
        issued += 1
        return scheduled
    }
}
