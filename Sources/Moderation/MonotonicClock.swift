/// Nanoseconds on a clock that never goes backwards, for the spam window.
enum MonotonicClock {
    private static let origin = ContinuousClock.now

    @Sendable static func nanoseconds() -> UInt64 {
        let elapsed = origin.duration(to: .now).components
        return UInt64(max(0, elapsed.seconds)) &* 1_000_000_000 &+ UInt64(max(0, elapsed.attoseconds / 1_000_000_000))
    }
}
