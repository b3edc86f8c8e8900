import Foundation
import Outbound

extension EventEncoder {
    /// `joined`, written directly: it carries the room (every member) and a presence entry per
    /// member, and JSONEncoder took ~230 µs for a 101-member room. A 5 000-client reconnect storm
    /// is 5 000 of these at once. The same JSON as the Codable form (WireTests compare them);
    /// `missed` messages still go through JSONEncoder.
    public static func frame(_ joined: Joined) -> SharedFrame {
        var missed: Data?
        if !joined.missed.isEmpty {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes]
            missed = try? encoder.encode(joined.missed)
            if missed == nil { return SharedFrame(text: #"{"type":"error","code":"internal","message":"encoding failed"}"#) }
        }
        var json = JSONBytes(capacity: 256 + joined.room.members.count * 24 + joined.presence.count * 120 + (missed?.count ?? 0))
        json.object { json in
            json.member("type", "joined")
            if let re = joined.re { json.member("re", re) }
            json.key("room")
            write(joined.room, to: &json)
            json.member("last_seq", joined.lastSeq)
            json.member("epoch", joined.epoch)
            json.key("presence")
            json.array(joined.presence) { json, entry in write(entry, to: &json) }
            json.member("missed", json: missed ?? Data("[]".utf8))
            json.member("recovered", joined.recovered)
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
