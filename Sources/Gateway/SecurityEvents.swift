import Logging
import Rooms
import Storage
import Synchronization
import Wire

/// Security events for the audit trail, recorded after the fact (the refusal or the close
/// happens whether or not the entry can be written): bursts of failed authentication from one
/// client address, and sessions closed for rate-limit abuse (4008).
///
/// A failed authentication names no org that can be trusted (the token did not verify), so
/// bursts go to the system trail, org "" (`realtime-server audit --org ""`, `audit verify`).
final class SecurityEvents: Sendable {
    /// This many failures from one address within `windowMS` make one `auth_failures` entry.
    static let burst = 10
    static let windowMS: Int64 = 60_000
    /// Addresses tracked at once; beyond it, windows that ended are dropped first.
    static let maxTracked = 10_000

    private struct Window {
        var start: Int64
        var failures: Int
    }

    private let audit: AuditTrail
    private let clock: any WallClock
    private let logger: Logger
    private struct Tracked {
        var windows: [String: Window] = [:]
        var lastPrune: Int64 = 0
    }

    private let tracked = Mutex(Tracked())

    init(audit: AuditTrail, clock: any WallClock, logger: Logger) {
        self.audit = audit
        self.clock = clock
        self.logger = logger
    }

    /// A token was refused (bad signature, expired, signed out, unknown role) for `address`.
    func authFailed(address: String, reason: String) {
        let now = clock.nowMS()
        let burst = tracked.withLock { tracked -> Bool in
            // A flood from many addresses: ended windows are dropped at most once a second, and
            // while the table stays full new addresses are not tracked (memory and time stay bounded).
            if tracked.windows.count >= Self.maxTracked, now - tracked.lastPrune >= 1_000 {
                tracked.windows = tracked.windows.filter { now - $0.value.start < Self.windowMS }
                tracked.lastPrune = now
            }
            guard tracked.windows[address] != nil || tracked.windows.count < Self.maxTracked else { return false }
            var window = tracked.windows[address].flatMap { now - $0.start < Self.windowMS ? $0 : nil } ?? Window(start: now, failures: 0)
            window.failures += 1
            tracked.windows[address] = window
            return window.failures == Self.burst
        }
        guard burst else { return }
        logger.warning("burst of failed authentication", metadata: ["address": "\(address)", "failures": "\(Self.burst)"])
        record(AuditRecord(
            org: "", at: now, actor: address, action: "auth_failures",
            detail: "\(Self.burst) failed authentications within \(Self.windowMS / 1000) s; last: \(reason)"))
    }

    /// The session of `user` was closed with 4008 for rate-limit abuse.
    func rateLimitClosed(org: String, user: String, address: String) {
        record(AuditRecord(org: org, at: clock.nowMS(), actor: "server", action: "rate_limit_close", subject: user, detail: address))
    }

    private func record(_ entry: AuditRecord) {
        let audit = audit
        Task { try? await audit.record(entry) }
    }
}
