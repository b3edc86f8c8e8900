import Broker
import Gamification
import Logging
import Review
import Rooms
import Storage
import Wire

/// GDPR erasure of one user, live: audited first; the user is signed out everywhere (sessions
/// close with 4001, older tokens are refused); their points leave every leaderboard on every
/// node; the store turns their messages into tombstones and removes the rest of their personal
/// data in one transaction; joined sessions on every node get `message.deleted` for each message.
struct UserErasure: Sendable {
    let store: any ServerStore
    let userSessions: UserSessions
    let rooms: RoomRegistry
    let gamification: GamificationEngine
    let review: ReviewDesk
    let clock: any WallClock
    let logger: Logger

    func erase(_ user: String, by principal: Principal) async throws(RequestError) -> ErasedUser {
        let org = principal.org
        try await review.record(AuditRecord(org: org, at: clock.nowMS(), actor: principal.user, action: "erase", subject: user))
        try await userSessions.signOutEverywhere(user, by: principal)
        // Before the store's delete, so no unwritten change of theirs is written back after it.
        await gamification.forget(org: org, user: user)
        let erased = try await storeCall(logger, "erase") { try await store.eraseUser(org: org, user: user, at: clock.nowMS()) }
        let broker = userSessions.broker
        broker.publish(ClusterEvent(origin: broker.nodeID, org: org, body: .userErased(user: user)))
        var byRoom: [String: [String]] = [:]
        for message in erased.messages { byRoom[message.room, default: []].append(message.msgID) }
        for (room, msgIDs) in byRoom {
            do {
                try await rooms.withRoom(org: org, id: room) { room in await room.announceErased(msgIDs, by: principal.user) }
            } catch {
                // Stored already: a session that missed the push sees the tombstones in history.
                logger.warning("erasure: could not push message.deleted", metadata: ["org": "\(org)", "room": "\(room)", "error": "\(error)"])
            }
        }
        logger.notice("user erased", metadata: [
            "org": "\(org)", "user": "\(user)", "by": "\(principal.user)", "messages": "\(erased.messages.count)",
            "reactions": "\(erased.reactions)", "held": "\(erased.heldMessages)",
        ])
        return erased
    }
}
