import Presence
import Review
import Rooms
import Storage
import Wire

/// Removing a member from a group room (a `kick` frame, or the admin API): the room drops them
/// on every node, their typing indicator ends, and the audit trail records it.
struct RoomKicks: Sendable {
    let rooms: RoomRegistry
    let typing: TypingTracker
    let review: ReviewDesk
    let clock: any WallClock

    func kick(_ user: String, from room: String, by principal: Principal) async throws(RequestError) {
        try await rooms.withRoom(org: principal.org, id: room) { room throws(RequestError) in
            try await room.kick(principal, user: user)
        }
        await typing.clear(org: principal.org, room: room, user: user)
        try await review.record(AuditRecord(org: principal.org, at: clock.nowMS(), actor: principal.user, action: "kick", room: room, subject: user))
    }
}
