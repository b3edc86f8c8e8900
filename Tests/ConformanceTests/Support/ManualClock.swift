import Foundation
import Synchronization
import Wire

/// A server clock the test moves by hand (days for streaks), starting at a chosen instant.
final class ManualClock: WallClock {
    private let now: Mutex<Int64>

    init(_ iso: String) {
        now = Mutex(Int64((ISO8601DateFormatter().date(from: iso)?.timeIntervalSince1970 ?? 0) * 1000))
    }

    func nowMS() -> Int64 { now.withLock { $0 } }

    func advance(hours: Double) {
        now.withLock { $0 += Int64(hours * 3_600_000) }
    }

    func set(_ iso: String) {
        let ms = Int64((ISO8601DateFormatter().date(from: iso)?.timeIntervalSince1970 ?? 0) * 1000)
        now.withLock { $0 = ms }
    }

    var date: Date { Date(timeIntervalSince1970: Double(nowMS()) / 1000) }
}
