import Foundation
import PostgresNIO
import Storage
import Wire

/// Held messages, mutes and the audit trail, shared by every node.
extension PostgresStore { // ModerationStore
    public func holdMessage(org: String, _ held: HeldMessage) async throws {
        let reasons = try JSONColumn.string(held.reasons)
        let scores = try JSONColumn.string(held.scores)
        let message = held.message
        try await rows("""
            INSERT INTO held_messages (org, msg_id, room, user_id, user_name, user_role, text, ts, reply_to, client_msg_id,
                                       reasons, scores, time_zone, deadline)
            VALUES (\(org), \(message.id), \(held.room), \(message.from.id), \(message.from.name), \(message.from.role.rawValue),
                    \(message.text), \(message.ts), \(message.replyTo), \(message.clientMsgID), \(reasons), \(scores),
                    \(held.timeZone), \(held.deadline))
            """)
    }

    /// `DELETE … RETURNING`: of several nodes deciding at once, exactly one gets the message.
    public func takeHeldMessage(org: String, msgID: String) async throws -> HeldMessage? {
        try await rows("DELETE FROM held_messages WHERE org = \(org) AND msg_id = \(msgID) RETURNING \(unescaped: Self.heldColumns)")
            .first.map(Self.decodeHeld)
    }

    public func heldMessages(org: String) async throws -> [HeldMessage] {
        try await rows("SELECT \(unescaped: Self.heldColumns) FROM held_messages WHERE org = \(org) ORDER BY ts, msg_id").map(Self.decodeHeld)
    }

    public func allHeldMessages() async throws -> [(org: String, held: HeldMessage)] {
        try await rows("SELECT \(unescaped: Self.heldColumns) FROM held_messages ORDER BY deadline, org, msg_id").map { row in
            (org: try row.decode(String.self), held: try Self.decodeHeld(row))
        }
    }

    public func setMute(org: String, room: String, user: String, until: Int64) async throws {
        try await rows("""
            INSERT INTO mutes (org, room, user_id, until) VALUES (\(org), \(room), \(user), \(until))
            ON CONFLICT (org, room, user_id) DO UPDATE SET until = excluded.until
            """)
    }

    public func activeMutes(now: Int64) async throws -> [(org: String, room: String, user: String, until: Int64)] {
        try await rows("SELECT org, room, user_id, until FROM mutes WHERE until > \(now)").map { row in
            let (org, room, user, until) = try row.decode((String, String, String, Int64).self)
            return (org: org, room: room, user: user, until: until)
        }
    }

    public func appendAudit(_ record: AuditRecord) async throws {
        let reasons = try JSONColumn.string(record.reasons)
        let scores = try JSONColumn.string(record.scores)
        try await rows("""
            INSERT INTO audit_log (org, at, actor, action, room, msg_id, subject, reasons, scores, detail)
            VALUES (\(record.org), \(record.at), \(record.actor), \(record.action), \(record.room), \(record.msgID), \(record.subject),
                    \(reasons), \(scores), \(record.detail))
            """)
    }

    public func audit(org: String?, since: Int64?, limit: Int) async throws -> [AuditRecord] {
        let limit = max(0, limit)
        let query: PostgresQuery
        if let org {
            query = """
                SELECT \(unescaped: Self.auditColumns) FROM audit_log WHERE at >= \(since ?? 0) AND org = \(org)
                ORDER BY at DESC, id DESC LIMIT \(limit)
                """
        } else {
            query = "SELECT \(unescaped: Self.auditColumns) FROM audit_log WHERE at >= \(since ?? 0) ORDER BY at DESC, id DESC LIMIT \(limit)"
        }
        return try await rows(query).map { row in
            let (org, at, actor, action, room, msgID, subject, reasons, scores, detail) =
                try row.decode((String, Int64, String, String, String?, String?, String?, String, String, String?).self)
            return AuditRecord(
                org: org, at: at, actor: actor, action: action, room: room, msgID: msgID, subject: subject,
                reasons: try JSONColumn.decode([String].self, reasons, column: "audit_log.reasons"),
                scores: try JSONColumn.decode([String: Double].self, scores, column: "audit_log.scores"), detail: detail)
        }
    }

    private static let auditColumns = "org, at, actor, action, room, msg_id, subject, reasons, scores, detail"

    /// `org` first: `allHeldMessages` reads it from column 0.
    private static let heldColumns =
        "org, msg_id, room, user_id, user_name, user_role, text, ts, reply_to, client_msg_id, reasons, scores, time_zone, deadline"

    private static func decodeHeld(_ row: PostgresRow) throws -> HeldMessage {
        let (_, msgID, room, userID, userName, userRole, text, ts, replyTo, clientMsgID, reasons, scores, timeZone, deadline) =
            try row.decode((String, String, String, String, String, String, String, Int64, String?, String, String, String, String?, Int64).self)
        let message = NewMessage(
            id: msgID, from: UserRef(id: userID, name: userName, role: try decodeEnum(Role.self, userRole, column: "held_messages.user_role")),
            text: text, ts: ts, replyTo: replyTo, clientMsgID: clientMsgID, moderation: nil, status: "delivered")
        return HeldMessage(
            room: room, message: message,
            reasons: try JSONColumn.decode([String].self, reasons, column: "held_messages.reasons"),
            scores: try JSONColumn.decode([String: Double].self, scores, column: "held_messages.scores"),
            timeZone: timeZone, deadline: deadline)
    }
}

/// Small JSON columns (reason lists, score maps), stored as text.
enum JSONColumn {
    static func string(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String, column: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw StorageError.invalidData("bad JSON in \(column): \(error)")
        }
    }
}
