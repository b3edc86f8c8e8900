import Broker
import Logging
import Review
import Storage
import Wire

/// Banning and unbanning users of an org: stored (checked again at every sign-in), audited, and a
/// ban closes every session of the user with 4003 at once, on every node.
struct UserBans: Sendable {
    let store: any ChatStore
    let sessions: SessionRegistry
    let broker: any ClusterBroker
    let review: ReviewDesk
    let clock: any WallClock
    let logger: Logger

    /// Bans `user` (replacing an earlier ban); the user need not have signed in yet.
    @discardableResult
    func ban(_ user: String, reason: String?, expiresAt: Int64?, by principal: Principal) async throws(RequestError) -> UserBan {
        try requireAdmin(principal)
        guard user != principal.user else { throw .badRequest("cannot ban yourself") }
        let now = clock.nowMS()
        if let expiresAt, expiresAt <= now { throw .badRequest("'expires_at' is not in the future") }
        let ban = UserBan(user: user, reason: reason, expiresAt: expiresAt, by: principal.user, at: now)
        let detail = [reason, expiresAt.map { "expires_at=\($0)" }].compactMap { $0 }.joined(separator: "; ")
        try await review.record(AuditRecord(
            org: principal.org, at: now, actor: principal.user, action: "ban", subject: user, detail: detail.isEmpty ? nil : detail))
        try await storeCall(logger, "ban storage") { try await store.setBan(org: principal.org, ban) }
        for sink in sessions.sinks(org: principal.org, user: user) {
            sink.close(code: CloseCode.banned, reason: "banned", flush: true)
        }
        broker.publish(ClusterEvent(
            origin: broker.nodeID, org: principal.org, body: .closeUser(user: user, code: CloseCode.banned, reason: "banned")))
        return ban
    }

    /// Lifts the ban of `user`; returns false when none was in force.
    @discardableResult
    func unban(_ user: String, by principal: Principal) async throws(RequestError) -> Bool {
        try requireAdmin(principal)
        let now = clock.nowMS()
        guard try await storeCall(logger, "ban storage", { try await store.ban(org: principal.org, user: user, now: now) }) != nil else {
            return false
        }
        try await review.record(AuditRecord(org: principal.org, at: now, actor: principal.user, action: "unban", subject: user))
        return try await storeCall(logger, "ban storage") { try await store.removeBan(org: principal.org, user: user, now: now) }
    }

    /// The org's bans in force now.
    func list(by principal: Principal) async throws(RequestError) -> [UserBan] {
        try requireAdmin(principal)
        return try await storeCall(logger, "ban storage") { try await store.bans(org: principal.org, now: clock.nowMS()) }
    }

    private func requireAdmin(_ principal: Principal) throws(RequestError) {
        guard principal.role == .admin else { throw .forbidden("only admins ban users") }
    }
}
