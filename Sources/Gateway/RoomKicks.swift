import Presence
import Review
import Rooms
import Storage
import Wire

/// Removing a member from a group room (a `kick` frame, or the admin API): the room audits it,
/// drops them on every node, and their typing indicator ends.
struct RoomKicks: Sendable {
    let rooms: RoomRegistry
    let typing: TypingTracker

    func kick(_ user: String, from room: String, by principal: Principal) async throws(RequestError) {
        try await rooms.withRoom(org: principal.org, id: room) { room throws(RequestError) in
            try await room.kick(principal, user: user)
        }
        await typing.clear(org: principal.org, room: room, user: user)
    }
}
