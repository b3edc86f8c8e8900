import Foundation

/// Milliseconds since the Unix epoch, injectable so tests can move time (streaks, expiry).
public protocol WallClock: Sendable {
    func nowMS() -> Int64
}

public struct SystemClock: WallClock {
    public init() {}
    public func nowMS() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
}
