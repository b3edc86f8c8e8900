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

    func set(_ user: String, banned: Bool, by principal: Principal) async throws(RequestError) {
        guard principal.role == .admin else { throw .forbidden("only admins ban users") }
        guard user != principal.user else { throw .badRequest("cannot ban yourself") }
        do {
            guard try await store.user(org: principal.org, id: user) != nil else { throw RequestError.notFound("user") }
            try await store.setBanned(org: principal.org, user: user, banned: banned)
        } catch let error as RequestError {
            throw error
        } catch {
            logger.error("ban failed", metadata: ["error": "\(error)"])
            throw .internalError
        }
        if banned {
            for sink in sessions.sinks(org: principal.org, user: user) {
                sink.close(code: CloseCode.banned, reason: "banned", flush: true)
            }
            broker.publish(ClusterEvent(
                origin: broker.nodeID, org: principal.org, body: .closeUser(user: user, code: CloseCode.banned, reason: "banned")))
        }
        await review.audit(AuditRecord(
            org: principal.org, at: clock.nowMS(), actor: principal.user, action: banned ? "ban" : "unban", subject: user))
    }
}
