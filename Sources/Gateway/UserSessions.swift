import Broker
import Logging
import Presence
import Review
import Storage
import Wire

/// An admin's hold on a user's sessions: list them, end one, or sign the user out everywhere
/// (every token issued before now is refused from then on). Audited; cluster-wide.
struct UserSessions: Sendable {
    let store: any ChatStore
    let sessions: SessionRegistry
    let presence: PresenceTracker
    let broker: any ClusterBroker
    let queries: SessionQueries
    let review: ReviewDesk
    let clock: any WallClock
    let logger: Logger

    /// Close code and reason of a session an admin ended or signed out: the client needs a new
    /// token (after a sign-out) or may simply reconnect (after an ended session).
    static let signedOutReason = "signed out by an admin"
    static let endedReason = "session ended by an admin"

    /// Every session of the user on every node, by node; and the nodes where presence says the
    /// user has sessions but that did not answer in time (normally none).
    func list(_ user: String, by principal: Principal) async -> (sessions: [(node: String, session: RemoteSession)], unanswered: [String]) {
        let local = sessions.sessions(org: principal.org, user: user).map {
            (node: broker.nodeID, session: RemoteSession(id: $0.id, connectedAt: $0.connectedAt, address: $0.address))
        }
        let others = await presence.otherNodes(org: principal.org, user: user)
        let answers = await queries.ask(org: principal.org, user: user, nodes: others)
        let remote = answers.flatMap { answer in answer.sessions.map { (node: answer.node, session: $0) } }
        let answered = Set(answers.map(\.node))
        return (local + remote.sorted { ($0.session.connectedAt, $0.session.id) < ($1.session.connectedAt, $1.session.id) },
                others.filter { !answered.contains($0) })
    }

    enum Ending {
        /// Closed here.
        case closed
        /// Not on this node; the nodes that have sessions of the user were asked to close it.
        case forwarded
        case unknown
    }

    func end(_ session: String, of user: String, by principal: Principal) async throws(RequestError) -> Ending {
        let local = sessions.session(org: principal.org, user: user, id: session)
        let elsewhere = await presence.otherNodes(org: principal.org, user: user)
        guard local != nil || !elsewhere.isEmpty else { return .unknown }
        try await review.record(AuditRecord(
            org: principal.org, at: clock.nowMS(), actor: principal.user, action: "end_session", subject: user, detail: session))
        if let local {
            local.sink.close(code: CloseCode.unauthorized, reason: Self.endedReason, flush: true)
            return .closed
        }
        broker.publish(ClusterEvent(
            origin: broker.nodeID, org: principal.org,
            body: .closeSession(user: user, session: session, code: CloseCode.unauthorized, reason: Self.endedReason)))
        return .forwarded
    }

    /// Refuses every token of the user issued before now and closes every session with 4001.
    func signOutEverywhere(_ user: String, by principal: Principal) async throws(RequestError) {
        let now = clock.nowMS()
        try await review.record(AuditRecord(org: principal.org, at: now, actor: principal.user, action: "sign_out", subject: user))
        try await storeCall(logger, "sign-out") { try await store.signOut(org: principal.org, user: user, before: now) }
        for sink in sessions.sinks(org: principal.org, user: user) {
            sink.close(code: CloseCode.unauthorized, reason: Self.signedOutReason, flush: true)
        }
        broker.publish(ClusterEvent(
            origin: broker.nodeID, org: principal.org,
            body: .closeUser(user: user, code: CloseCode.unauthorized, reason: Self.signedOutReason)))
    }
}
