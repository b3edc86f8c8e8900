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
                    org, message.id, held.room, message.from.id, cipher.seal(message.from.name, .heldUserName), message.from.role.rawValue,
                    cipher.seal(message.text, .heldText),
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
            return try self.decodeHeld(row)
        }
    }

    public func heldMessages(org: String) async throws -> [HeldMessage] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM held_messages WHERE org = ? ORDER BY urgent DESC, ts", arguments: [org]).map(self.decodeHeld)
        }
    }

    public func allHeldMessages() async throws -> [(org: String, held: HeldMessage)] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM held_messages ORDER BY deadline").map { row in
                (org: row["org"] as String, held: try self.decodeHeld(row))
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

    public func appendAudit(_ record: AuditRecord) async throws -> AuditRecord {
        try await pool.write { db in
            // The one writer connection serialises appends: the head read here stays the head.
            // The last entry, or where retention left the chain when it deleted every entry.
            let head = try Row.fetchOne(
                db.cachedStatement(sql: """
                    SELECT seq, hash FROM (
                        SELECT seq, hash FROM (SELECT seq, hash FROM audit_log WHERE org = ? ORDER BY seq DESC LIMIT 1)
                        UNION ALL SELECT seq, hash FROM audit_anchors WHERE org = ?
                    ) ORDER BY seq DESC LIMIT 1
                    """),
                arguments: [record.org, record.org]
            ).map { (seq: $0["seq"] as Int64, hash: $0["hash"] as String) }
            let link = try AuditChain.Link(record, after: head)
            try db.cachedStatement(sql: """
                INSERT INTO audit_log (org, at, actor, action, room, msg_id, subject, reasons, scores, detail, seq, prev_hash, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [
                link.org, link.at, link.actor, link.action, link.room, link.msgID, link.subject, link.reasons, link.scores,
                link.detail.map { cipher.seal($0, .auditDetail) }, link.seq, link.prevHash, link.hash,
            ])
            var stored = record
            stored.seq = link.seq
            stored.hash = link.hash
            return stored
        }
    }

    public func audit(org: String?, query: AuditQuery, limit: Int) async throws -> [AuditRecord] {
        try await pool.read { db in
            var conditions = ["at >= ?"]
            var arguments: StatementArguments = [query.since ?? 0]
            let optional: [(String, (any DatabaseValueConvertible)?)] = [
                ("org = ?", org), ("at < ?", query.until), ("action = ?", query.action), ("actor = ?", query.actor),
                ("subject = ?", query.subject), ("room = ?", query.room), ("seq < ?", query.beforeSeq),
            ]
            for (condition, value) in optional {
                guard let value else { continue }
                conditions.append(condition)
                arguments += [value]
            }
            arguments += [limit]
            // One org's entries in chain order (what the `beforeSeq` cursor pages through); across orgs by time.
            let order = org == nil ? "at DESC, id DESC" : "seq DESC"
            let sql = "SELECT \(Self.chainColumns) FROM audit_log WHERE \(conditions.joined(separator: " AND ")) ORDER BY \(order) LIMIT ?"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { try AuditRecord(self.decodeLink($0)) }
        }
    }

    public func auditChain(org: String, afterSeq: Int64, limit: Int) async throws -> [AuditChain.Link] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT \(Self.chainColumns) FROM audit_log WHERE org = ? AND seq > ? ORDER BY seq LIMIT ?",
                arguments: [org, afterSeq, limit]
            ).map(self.decodeLink)
        }
    }

    public func auditOrgs() async throws -> [String] {
        try await pool.read { db in try String.fetchAll(db, sql: "SELECT DISTINCT org FROM audit_log ORDER BY org") }
    }

    public func purgeAudit(org: String, before: Int64, limit: Int) async throws -> Int {
        try await pool.write { db in
            // A prefix of the chain: entries below the first one that is not old enough.
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT seq, hash FROM audit_log WHERE org = ?
                    AND seq < coalesce((SELECT min(seq) FROM audit_log WHERE org = ? AND at >= ?), 9223372036854775807)
                    ORDER BY seq LIMIT ?
                    """,
                arguments: [org, org, before, limit])
            guard let last = rows.last else { return 0 }
            let lastSeq: Int64 = last["seq"]
            try db.execute(sql: "DELETE FROM audit_log WHERE org = ? AND seq <= ?", arguments: [org, lastSeq])
            try db.execute(
                sql: "INSERT OR REPLACE INTO audit_anchors (org, seq, hash) VALUES (?, ?, ?)", arguments: [org, lastSeq, last["hash"] as String])
            return rows.count
        }
    }

    public func auditAnchor(org: String) async throws -> (seq: Int64, hash: String)? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_anchors WHERE org = ?", arguments: [org])
                .map { (seq: $0["seq"] as Int64, hash: $0["hash"] as String) }
        }
    }

    private static let chainColumns = "org, seq, at, actor, action, room, msg_id, subject, reasons, scores, detail, prev_hash, hash"

    private func decodeLink(_ row: Row) throws -> AuditChain.Link {
        AuditChain.Link(
            org: row["org"], seq: row["seq"], at: row["at"], actor: row["actor"], action: row["action"], room: row["room"],
            msgID: row["msg_id"], subject: row["subject"], reasons: row["reasons"], scores: row["scores"],
            detail: try cipher.open(row["detail"] as String?, .auditDetail),
            prevHash: row["prev_hash"], hash: row["hash"])
    }

    private func decodeHeld(_ row: Row) throws -> HeldMessage {
        guard let role = Role(rawValue: row["user_role"]) else { throw StorageError.invalidData("held message with role \(row["user_role"] ?? "")") }
        let message = NewMessage(
            id: row["msg_id"], from: UserRef(id: row["user_id"], name: try cipher.open(row["user_name"] as String, .heldUserName), role: role),
            text: try cipher.open(row["text"] as String, .heldText), ts: row["ts"],
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
