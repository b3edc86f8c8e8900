import Foundation
import GRDB
import Storage
import Wire

/// Held messages, mutes and the audit trail live in the chat's SQLite file.
extension SQLiteChatStore: ModerationStore {
    public func holdMessage(org: String, _ held: HeldMessage, idempotentSince: Int64) async throws -> StoredAck? {
        let reasons = try JSONCoding.string(held.reasons)
        let scores = try JSONCoding.string(held.scores)
        return try await pool.write { db in
            let message = held.message
            let key: StatementArguments = [org, held.room, message.from.id, message.clientMsgID]
            if let ack = try Self.storedAck(Self.findKey(db), key + [idempotentSince]), ack.msgID != message.id {
                return ack
            }
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO idempotency_keys (org, room, user, client_msg_id, msg_id, seq, ts, status, created_at)
                    VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)
                    """,
                arguments: key + [message.id, message.ts, StoredAck.heldStatus, message.ts])
            try db.execute(
                sql: """
                    INSERT INTO held_messages (org, msg_id, room, user_id, user_name, user_role, text, ts, reply_to, client_msg_id,
                                               reasons, scores, time_zone, deadline, urgent)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    org, message.id, held.room, message.from.id, message.from.name, message.from.role.rawValue, message.text,
                    message.ts, message.replyTo, message.clientMsgID, reasons, scores, held.timeZone, held.deadline, held.urgent,
                ])
            return nil
        }
    }

    public func takeHeldMessage(org: String, msgID: String) async throws -> HeldMessage? {
        try await pool.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM held_messages WHERE org = ? AND msg_id = ?", arguments: [org, msgID]) else {
                return nil
            }
            try db.execute(sql: "DELETE FROM held_messages WHERE org = ? AND msg_id = ?", arguments: [org, msgID])
            return try Self.decodeHeld(row)
        }
    }

    public func heldMessages(org: String) async throws -> [HeldMessage] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM held_messages WHERE org = ? ORDER BY urgent DESC, ts", arguments: [org]).map(Self.decodeHeld)
        }
    }

    public func allHeldMessages() async throws -> [(org: String, held: HeldMessage)] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM held_messages ORDER BY deadline").map { row in
                (org: row["org"] as String, held: try Self.decodeHeld(row))
            }
        }
    }

    public func setMute(org: String, room: String, user: String, until: Int64) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO mutes (org, room, user, until) VALUES (?, ?, ?, ?)
                    ON CONFLICT (org, room, user) DO UPDATE SET until = excluded.until
                    """,
                arguments: [org, room, user, until])
        }
    }

    public func activeMutes(now: Int64) async throws -> [(org: String, room: String, user: String, until: Int64)] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT org, room, user, until FROM mutes WHERE until > ?", arguments: [now]).map { row in
                (org: row["org"] as String, room: row["room"] as String, user: row["user"] as String, until: row["until"] as Int64)
            }
        }
    }

    public func appendAudit(_ record: AuditRecord) async throws {
        let reasons = try JSONCoding.string(record.reasons)
        let scores = try JSONCoding.string(record.scores)
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO audit_log (org, at, actor, action, room, msg_id, subject, reasons, scores, detail)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    record.org, record.at, record.actor, record.action, record.room, record.msgID, record.subject, reasons, scores,
                    record.detail,
                ])
        }
    }

    public func audit(org: String?, since: Int64?, limit: Int) async throws -> [AuditRecord] {
        try await pool.read { db in
            var sql = "SELECT * FROM audit_log WHERE at >= ?"
            var arguments: StatementArguments = [since ?? 0]
            if let org {
                sql += " AND org = ?"
                arguments += [org]
            }
            sql += " ORDER BY at DESC, id DESC LIMIT ?"
            arguments += [limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                AuditRecord(
                    org: row["org"], at: row["at"], actor: row["actor"], action: row["action"], room: row["room"], msgID: row["msg_id"],
                    subject: row["subject"], reasons: try JSONCoding.decode([String].self, row["reasons"]),
                    scores: try JSONCoding.decode([String: Double].self, row["scores"]), detail: row["detail"])
            }
        }
    }

    private static func decodeHeld(_ row: Row) throws -> HeldMessage {
        guard let role = Role(rawValue: row["user_role"]) else { throw StorageError.invalidData("held message with role \(row["user_role"] ?? "")") }
        let message = NewMessage(
            id: row["msg_id"], from: UserRef(id: row["user_id"], name: row["user_name"], role: role), text: row["text"], ts: row["ts"],
            replyTo: row["reply_to"], clientMsgID: row["client_msg_id"], moderation: nil, status: "delivered")
        return HeldMessage(
            room: row["room"], message: message, reasons: try JSONCoding.decode([String].self, row["reasons"]),
            scores: try JSONCoding.decode([String: Double].self, row["scores"]), timeZone: row["time_zone"], deadline: row["deadline"],
            urgent: row["urgent"])
    }
}

/// Small JSON columns (reason lists, score maps).
enum JSONCoding {
    static func string(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}
