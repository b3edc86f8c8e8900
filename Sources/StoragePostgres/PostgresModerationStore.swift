import Foundation
import PostgresNIO
import Storage
import Wire

/// Held messages, mutes and the audit trail, shared by every node.
extension PostgresStore { // ModerationStore
    /// Takes the room's row lock, as `rts_append_messages` does, so a send and a hold of the same
    /// `client_msg_id` on two nodes see each other's key.
    public func holdMessage(org: String, _ held: HeldMessage, idempotentSince: Int64) async throws -> StoredAck? {
        let reasons = try JSONColumn.string(held.reasons)
        let scores = try JSONColumn.string(held.scores)
        let message = held.message
        return try await transaction { connection in
            guard try await !connection.query(
                "SELECT 1 FROM rooms WHERE org = \(esc(org)) AND id = \(esc(held.room)) FOR UPDATE", logger: self.logger
            ).collect().isEmpty else {
                throw StorageError.roomNotFound(org: org, room: held.room)
            }
            let lookup = Self.keyLookup(org: org, room: held.room, user: message.from.id, clientMsgID: message.clientMsgID, since: idempotentSince)
            if let key = try await connection.query(lookup, logger: self.logger).collect().first {
                let ack = try Self.decodeAck(key)
                if ack.msgID != message.id { return ack }
            }
            _ = try await connection.query("""
                INSERT INTO idempotency_keys (org, room, user_id, client_msg_id, msg_id, seq, ts, status, created_at)
                VALUES (\(esc(org)), \(esc(held.room)), \(esc(message.from.id)), \(esc(message.clientMsgID)), \(esc(message.id)), 0,
                        \(esc(message.ts)), \(esc(StoredAck.heldStatus)), \(esc(message.ts)))
                ON CONFLICT (org, room, user_id, client_msg_id) DO UPDATE SET
                    msg_id = excluded.msg_id, seq = excluded.seq, ts = excluded.ts, status = excluded.status, created_at = excluded.created_at
                """, logger: self.logger).collect()
            _ = try await connection.query("""
                INSERT INTO held_messages (org, msg_id, room, user_id, user_name, user_role, text, ts, reply_to, client_msg_id,
                                           reasons, scores, time_zone, deadline, urgent)
                VALUES (\(esc(org)), \(esc(message.id)), \(esc(held.room)), \(esc(message.from.id)), \(esc(self.cipher.seal(message.from.name, .heldUserName))), \(esc(message.from.role.rawValue)),
                        \(esc(self.cipher.seal(message.text, .heldText))), \(esc(message.ts)), \(esc(message.replyTo)), \(esc(message.clientMsgID)), \(esc(reasons)), \(esc(scores)),
                        \(esc(held.timeZone)), \(esc(held.deadline)), \(esc(held.urgent)))
                """, logger: self.logger).collect()
            return nil
        }
    }

    /// `DELETE … RETURNING`: of several nodes deciding at once, exactly one gets the message.
    public func takeHeldMessage(org: String, msgID: String) async throws -> HeldMessage? {
        try await rows("DELETE FROM held_messages WHERE org = \(esc(org)) AND msg_id = \(esc(msgID)) RETURNING \(unescaped: Self.heldColumns)")
            .first.map(self.decodeHeld)
    }

    public func heldMessages(org: String) async throws -> [HeldMessage] {
        try await rows("SELECT \(unescaped: Self.heldColumns) FROM held_messages WHERE org = \(esc(org)) ORDER BY urgent DESC, ts, msg_id").map(self.decodeHeld)
    }

    public func allHeldMessages() async throws -> [(org: String, held: HeldMessage)] {
        try await rows("SELECT \(unescaped: Self.heldColumns) FROM held_messages ORDER BY deadline, org, msg_id").map { row in
            (org: unesc(try row.decode(String.self)), held: try self.decodeHeld(row))
        }
    }

    public func setMute(org: String, room: String, user: String, until: Int64) async throws {
        try await rows("""
            INSERT INTO mutes (org, room, user_id, until) VALUES (\(esc(org)), \(esc(room)), \(esc(user)), \(esc(until)))
            ON CONFLICT (org, room, user_id) DO UPDATE SET until = excluded.until
            """)
    }

    public func activeMutes(now: Int64) async throws -> [(org: String, room: String, user: String, until: Int64)] {
        try await rows("SELECT org, room, user_id, until FROM mutes WHERE until > \(esc(now))").map { row in
            let (org, room, user, until) = try row.decode((String, String, String, Int64).self)
            return (org: unesc(org), room: unesc(room), user: unesc(user), until: until)
        }
    }

    public func appendAudit(_ record: AuditRecord) async throws -> AuditRecord {
        try await transaction { connection in
            // One append per org at a time, on every node: the head read here stays the head.
            _ = try await connection.query(
                "SELECT pg_advisory_xact_lock(\(Self.auditLockSpace), hashtext(\(esc(record.org))))", logger: self.logger
            ).collect()
            // The last entry, or where retention left the chain when it deleted every entry.
            let head = try await connection.query(
                """
                SELECT seq, hash FROM (
                    (SELECT seq, hash FROM audit_log WHERE org = \(esc(record.org)) ORDER BY seq DESC LIMIT 1)
                    UNION ALL SELECT seq, hash FROM audit_anchors WHERE org = \(esc(record.org))
                ) AS heads ORDER BY seq DESC LIMIT 1
                """, logger: self.logger
            ).collect().first.map { row -> (seq: Int64, hash: String) in
                let (seq, hash) = try row.decode((Int64, String).self)
                return (seq, hash)
            }
            let link = try AuditChain.Link(record, after: head)
            _ = try await connection.query("""
                INSERT INTO audit_log (org, at, actor, action, room, msg_id, subject, reasons, scores, detail, seq, prev_hash, hash)
                VALUES (\(esc(link.org)), \(link.at), \(esc(link.actor)), \(esc(link.action)), \(esc(link.room)), \(esc(link.msgID)),
                        \(esc(link.subject)), \(esc(link.reasons)), \(esc(link.scores)), \(esc(link.detail.map { self.cipher.seal($0, .auditDetail) })), \(link.seq),
                        \(link.prevHash), \(link.hash))
                """, logger: self.logger).collect()
            var stored = record
            stored.seq = link.seq
            stored.hash = link.hash
            return stored
        }
    }

    public func audit(org: String?, query: AuditQuery, limit: Int) async throws -> [AuditRecord] {
        var conditions = ["at >= $1"]
        var bindings = PostgresBindings()
        bindings.append(query.since ?? 0)
        let texts: [(String, String?)] = [
            ("org", org), ("action", query.action), ("actor", query.actor), ("subject", query.subject), ("room", query.room),
        ]
        for (column, value) in texts {
            guard let value else { continue }
            bindings.append(esc(value))
            conditions.append("\(column) = $\(bindings.count)")
        }
        for (condition, value) in [("at <", query.until), ("seq <", query.beforeSeq)] {
            guard let value else { continue }
            bindings.append(value)
            conditions.append("\(condition) $\(bindings.count)")
        }
        bindings.append(Int64(max(0, limit)))
        // One org's entries in chain order (what the `beforeSeq` cursor pages through); across orgs by time.
        let order = org == nil ? "at DESC, id DESC" : "seq DESC"
        let sql = "SELECT \(Self.chainColumns) FROM audit_log WHERE \(conditions.joined(separator: " AND ")) ORDER BY \(order) LIMIT $\(bindings.count)"
        return try await rows(PostgresQuery(unsafeSQL: sql, binds: bindings)).map { try AuditRecord(self.decodeLink($0)) }
    }

    public func auditChain(org: String, afterSeq: Int64, limit: Int) async throws -> [AuditChain.Link] {
        try await rows("""
            SELECT \(unescaped: Self.chainColumns) FROM audit_log WHERE org = \(esc(org)) AND seq > \(afterSeq)
            ORDER BY seq LIMIT \(Int64(max(0, limit)))
            """).map(self.decodeLink)
    }

    public func auditOrgs() async throws -> [String] {
        try await rows("SELECT DISTINCT org FROM audit_log ORDER BY org").map { unesc(try $0.decode(String.self)) }
    }

    public func purgeAudit(org: String, before: Int64, limit: Int) async throws -> Int {
        let org = esc(org)
        return try await transaction { connection in
            // Appends to the org wait meanwhile, so the prefix and the anchor agree.
            _ = try await connection.query("SELECT pg_advisory_xact_lock(\(Self.auditLockSpace), hashtext(\(org)))", logger: self.logger).collect()
            // A prefix of the chain: entries below the first one that is not old enough.
            let rows = try await connection.query(
                """
                SELECT seq, hash FROM audit_log WHERE org = \(org)
                AND seq < coalesce((SELECT min(seq) FROM audit_log WHERE org = \(org) AND at >= \(before)), 9223372036854775807)
                ORDER BY seq LIMIT \(limit)
                """, logger: self.logger
            ).collect()
            guard let last = rows.last else { return 0 }
            let (seq, hash) = try last.decode((Int64, String).self)
            _ = try await connection.query("DELETE FROM audit_log WHERE org = \(org) AND seq <= \(seq)", logger: self.logger).collect()
            _ = try await connection.query(
                """
                INSERT INTO audit_anchors (org, seq, hash) VALUES (\(org), \(seq), \(hash))
                ON CONFLICT (org) DO UPDATE SET seq = excluded.seq, hash = excluded.hash
                """, logger: self.logger
            ).collect()
            return rows.count
        }
    }

    public func auditAnchor(org: String) async throws -> (seq: Int64, hash: String)? {
        guard let row = try await rows("SELECT seq, hash FROM audit_anchors WHERE org = \(esc(org))").first else { return nil }
        let (seq, hash) = try row.decode((Int64, String).self)
        return (seq, hash)
    }

    /// First key of the two-key advisory locks that serialise one org's audit appends.
    private static let auditLockSpace: Int32 = 0x6175_6474  // "audt"

    private static let chainColumns = "org, seq, at, actor, action, room, msg_id, subject, reasons, scores, detail, prev_hash, hash"

    private func decodeLink(_ row: PostgresRow) throws -> AuditChain.Link {
        let (org, seq, at, actor, action, room, msgID, subject, reasons, scores, detail, prevHash, hash) =
            try row.decode((String, Int64, Int64, String, String, String?, String?, String?, String, String, String?, String, String).self)
        return AuditChain.Link(
            org: unesc(org), seq: seq, at: at, actor: unesc(actor), action: unesc(action), room: unesc(room), msgID: unesc(msgID),
            subject: unesc(subject), reasons: unesc(reasons), scores: unesc(scores), detail: try cipher.open(unesc(detail), .auditDetail), prevHash: prevHash, hash: hash)
    }

    /// `org` first: `allHeldMessages` reads it from column 0.
    private static let heldColumns =
        "org, msg_id, room, user_id, user_name, user_role, text, ts, reply_to, client_msg_id, reasons, scores, time_zone, deadline, urgent"

    private func decodeHeld(_ row: PostgresRow) throws -> HeldMessage {
        let (_, msgID, room, userID, userName, userRole, text, ts, replyTo, clientMsgID, reasons, scores, timeZone, deadline, urgent) =
            try row.decode((String, String, String, String, String, String, String, Int64, String?, String, String, String, String?, Int64, Bool).self)
        let message = NewMessage(
            id: unesc(msgID),
            from: UserRef(id: unesc(userID), name: try cipher.open(unesc(userName), .heldUserName),
                           role: try StoredValue.decodeEnum(Role.self, userRole, column: "held_messages.user_role")),
            text: try cipher.open(unesc(text), .heldText), ts: ts, replyTo: unesc(replyTo), clientMsgID: unesc(clientMsgID), moderation: nil, status: "delivered")
        return HeldMessage(
            room: unesc(room), message: message,
            reasons: try JSONColumn.decode([String].self, unesc(reasons), column: "held_messages.reasons"),
            scores: try JSONColumn.decode([String: Double].self, unesc(scores), column: "held_messages.scores"),
            timeZone: unesc(timeZone), deadline: deadline, urgent: urgent)
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
