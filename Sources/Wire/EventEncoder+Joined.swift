import Foundation
import Outbound

extension EventEncoder {
    /// `joined`, written directly: it carries the room (every member) and a presence entry per
    /// member, and JSONEncoder took ~230 µs for a 101-member room. A 5 000-client reconnect storm
    /// is 5 000 of these at once. The same JSON as the Codable form (WireTests compare them).
    ///
    /// `missed` is cut to the newest messages that keep the whole frame within `byteBudget`
    /// (the contract's half of `max_outbound_bytes`); a cut reply says `recovered:false`, and the
    /// client pages back with `history`.
    public static func frame(_ joined: Joined, byteBudget: Int = .max) -> SharedFrame {
        guard let missed = EncodedMessages(joined.missed) else {
            return encodingFailed
        }
        var json = JSONBytes(capacity: 256 + joined.room.members.count * 24 + joined.presence.count * 120)
        json.object { json in
            json.member("type", "joined")
            if let re = joined.re { json.member("re", re) }
            json.key("room")
            write(joined.room, to: &json)
            json.member("last_seq", joined.lastSeq)
            json.member("epoch", joined.epoch)
            json.key("presence")
            json.array(joined.presence) { json, entry in write(entry, to: &json) }
            let tail = #","missed":,"recovered":false}"#.utf8.count
            let kept = missed.newestCount(fitting: byteBudget - json.bytes.count - tail)
            json.member("missed", json: missed.array(newest: kept))
            json.member("recovered", joined.recovered && kept == missed.count)
        }
        return json.bytes.withUnsafeBytes { SharedFrame(bytes: $0) }
    }

    /// `history`, cut like `joined`: the newest messages of the page that keep the frame within
    /// `byteBudget` (at least one, so paging always moves on); a cut page says `has_more:true`.
    public static func frame(_ history: HistoryReply, byteBudget: Int) -> SharedFrame {
        guard let messages = EncodedMessages(history.messages) else {
            return encodingFailed
        }
        var json = JSONBytes(capacity: 128)
        json.object { json in
            json.member("type", "history")
            if let re = history.re { json.member("re", re) }
            json.member("room", history.room)
            let tail = #","messages":,"has_more":false}"#.utf8.count
            let kept = messages.newestCount(fitting: byteBudget - json.bytes.count - tail, minimum: 1)
            json.member("messages", json: messages.array(newest: kept))
            json.member("has_more", history.hasMore || kept < messages.count)
        }
        return json.bytes.withUnsafeBytes { SharedFrame(bytes: $0) }
    }

    private static func write(_ room: RoomInfo, to json: inout JSONBytes) {
        json.object { json in
            json.member("id", room.id)
            json.member("kind", room.kind.rawValue)
            json.member("title", room.title)
            json.member("visibility", room.visibility.rawValue)
            json.key("members")
            json.array(room.members) { json, member in json.string(member) }
            json.member("created_by", room.createdBy)
            json.member("created_at", room.createdAt)
            if let archivedAt = room.archivedAt { json.member("archived_at", archivedAt) }
        }
    }

    private static func write(_ entry: PresenceEntry, to json: inout JSONBytes) {
        json.object { json in
            json.member("user", entry.user)
            json.member("name", entry.name)
            json.member("role", entry.role.rawValue)
            json.member("status", entry.status.rawValue)
            json.member("last_seen", entry.lastSeen)
            json.member("read_seq", entry.readSeq)
        }
    }
}
