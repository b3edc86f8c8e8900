import Foundation
import PostgresNIO
import Storage
import Wire

extension PostgresStore { // ChatStore
    // MARK: Users

    /// One multi-row upsert in one transaction. Rows are written in (org, id) order, so two nodes
    /// recording overlapping sign-ins lock the same users in the same order (no deadlock).
    public func recordSignIns(_ signIns: [UserSignIn]) async throws -> [AccessDenial?] {
        if signIns.isEmpty { return [] }
        // One row per user: the latest name and role (the last sign-in listed), the latest time,
        // and the earliest token (which a sign-out refuses if it refuses any of them).
        struct Key: Hashable { var org: String; var id: String }
        var merged: [Key: UserSignIn] = [:]
        for signIn in signIns {
            let key = Key(org: signIn.org, id: signIn.id)
            var row = signIn
            if let earlier = merged[key] {
                row.at = max(row.at, earlier.at)
                row.tokenIssuedAt = min(row.tokenIssuedAt, earlier.tokenIssuedAt)
            }
            merged[key] = row
        }
        let upserts = merged.values.sorted { ($0.org, $0.id) < ($1.org, $1.id) }
        let denied = try await transaction { connection in
            var banned = Set<Key>()
            var signedOutBefore: [Key: Int64] = [:]
            // At most 6 · 5000 parameters per statement (PostgreSQL allows 65535).
            for start in stride(from: 0, to: upserts.count, by: 5000) {
                let chunk = upserts[start..<min(start + 5000, upserts.count)]
                for row in try await connection.query(Self.signInStatement(chunk, cipher: self.cipher), logger: self.logger).collect() {
                    let (org, id, before) = try row.decode((String, String, Int64?).self)
                    let key = Key(org: unesc(org), id: unesc(id))
                    if let before { signedOutBefore[key] = before } else { banned.insert(key) }
                }
            }
            return (banned: banned, signedOutBefore: signedOutBefore)
        }
        // Each sign-in on its own token: a later token of the same user may be issued after the sign-out.
        return signIns.map { signIn in
            let key = Key(org: signIn.org, id: signIn.id)
            if denied.banned.contains(key) { return .banned }
            if let before = denied.signedOutBefore[key], before > signIn.tokenIssuedAt { return .signedOut }
            return nil
        }
    }

    /// Upserts the users whose sign-in is not refused and returns the refused ones: banned (`before`
    /// null) or signed out (`before` the sign-out's time); their records stay as they were.
    private static func signInStatement(_ rows: ArraySlice<UserSignIn>, cipher: FieldCipher) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: rows.count * 6)
        var values: [String] = []
        values.reserveCapacity(rows.count)
        for (index, row) in rows.enumerated() {
            let base = index * 6
            values.append("($\(base + 1), $\(base + 2), $\(base + 3), $\(base + 4), $\(base + 5)::bigint, $\(base + 6)::bigint)")
            bindings.append(esc(row.org))
            bindings.append(esc(row.id))
            bindings.append(esc(cipher.seal(row.name, .userName)))
            bindings.append(esc(row.role.rawValue))
            bindings.append(row.at)
            bindings.append(row.tokenIssuedAt)
        }
        return PostgresQuery(unsafeSQL: """
            WITH signin (org, id, name, role, at, issued) AS (VALUES \(esc(values.joined(separator: ", ")))),
            denied AS (
                SELECT s.org, s.id, NULL::bigint AS before FROM signin s JOIN bans b ON b.org = s.org AND b.user_id = s.id
                WHERE b.expires_at IS NULL OR b.expires_at > s.at
                UNION ALL
                SELECT s.org, s.id, o.before FROM signin s JOIN sign_outs o ON o.org = s.org AND o.user_id = s.id
                WHERE o.before > s.issued
            ),
            upserted AS (
                INSERT INTO users (org, id, name, role, last_seen)
                SELECT s.org, s.id, s.name, s.role, s.at FROM signin s
                WHERE NOT EXISTS (SELECT 1 FROM denied x WHERE x.org = s.org AND x.id = s.id)
                ON CONFLICT (org, id) DO UPDATE SET
                    name = excluded.name, role = excluded.role, last_seen = GREATEST(users.last_seen, excluded.last_seen)
            )
            SELECT org, id, before FROM denied
            """, binds: bindings)
    }

    public func user(org: String, id: String) async throws -> UserRecord? {
        try await rows("SELECT id, name, role, last_seen FROM users WHERE org = \(esc(org)) AND id = \(esc(id))")
            .first.map(self.decodeUser)
    }

    public func users(org: String, ids: [String]) async throws -> [UserRecord] {
        var unique: [String] = []
        var seen = Set<String>()
        for id in ids where seen.insert(id).inserted { unique.append(id) }
        if unique.isEmpty { return [] }
        var found: [String: UserRecord] = [:]
        for row in try await rows("SELECT id, name, role, last_seen FROM users WHERE org = \(esc(org)) AND id = ANY(\(esc(unique)))") {
            let user = try self.decodeUser(row)
            found[user.id] = user
        }
        // Keep the caller's order.
        return unique.compactMap { found[$0] }
    }

    public func users(org: String, after: String?, limit: Int) async throws -> [UserRecord] {
        try await rows("""
            SELECT id, name, role, last_seen FROM users WHERE org = \(esc(org)) AND id > \(esc(after ?? "")) ORDER BY id LIMIT \(esc(limit))
            """).map(self.decodeUser)
    }

    // MARK: Bans

    public func setBan(org: String, _ ban: UserBan) async throws {
        try await rows("""
            INSERT INTO bans (org, user_id, reason, expires_at, by_user, at)
            VALUES (\(esc(org)), \(esc(ban.user)), \(esc(ban.reason.map { cipher.seal($0, .banReason) })), \(ban.expiresAt), \(esc(ban.by)), \(esc(ban.at)))
            ON CONFLICT (org, user_id) DO UPDATE SET
                reason = excluded.reason, expires_at = excluded.expires_at, by_user = excluded.by_user, at = excluded.at
            """)
    }

    public func removeBan(org: String, user: String, now: Int64) async throws -> Bool {
        let removed = try await rows("""
            DELETE FROM bans WHERE org = \(esc(org)) AND user_id = \(esc(user)) RETURNING expires_at
            """)
        return try removed.contains { try $0.decode(Int64?.self).map { $0 > now } ?? true }
    }

    public func ban(org: String, user: String, now: Int64) async throws -> UserBan? {
        try await rows("""
            SELECT user_id, reason, expires_at, by_user, at FROM bans
            WHERE org = \(esc(org)) AND user_id = \(esc(user)) AND (expires_at IS NULL OR expires_at > \(esc(now)))
            """).first.map(self.decodeBan)
    }

    public func bans(org: String, now: Int64) async throws -> [UserBan] {
        try await rows("""
            SELECT user_id, reason, expires_at, by_user, at FROM bans
            WHERE org = \(esc(org)) AND (expires_at IS NULL OR expires_at > \(esc(now))) ORDER BY user_id
            """).map(self.decodeBan)
    }

    // MARK: Sign-outs

    public func signOut(org: String, user: String, before: Int64) async throws {
        try await rows("""
            INSERT INTO sign_outs (org, user_id, before) VALUES (\(esc(org)), \(esc(user)), \(esc(before)))
            ON CONFLICT (org, user_id) DO UPDATE SET before = GREATEST(sign_outs.before, excluded.before)
            """)
    }

    public func accessDenial(org: String, user: String, now: Int64, tokenIssuedAt: Int64) async throws -> AccessDenial? {
        let reasons = try await rows("""
            SELECT 'banned' FROM bans
            WHERE org = \(esc(org)) AND user_id = \(esc(user)) AND (expires_at IS NULL OR expires_at > \(esc(now)))
            UNION ALL
            SELECT 'signed_out' FROM sign_outs WHERE org = \(esc(org)) AND user_id = \(esc(user)) AND before > \(esc(tokenIssuedAt))
            """).map { try $0.decode(String.self) }
        return reasons.contains("banned") ? .banned : reasons.isEmpty ? nil : .signedOut
    }

    public func purgeExpiredBans(now: Int64) async throws -> Int {
        try await rows("""
            WITH purged AS (DELETE FROM bans WHERE expires_at IS NOT NULL AND expires_at <= \(esc(now)) RETURNING 1)
            SELECT count(*) FROM purged
            """).first?.decode(Int.self) ?? 0
    }

    // MARK: Rooms

    public func createRoom(org: String, info: RoomInfo, epoch: String) async throws -> Bool {
        var members: [String] = []
        var seen = Set<String>()
        for member in info.members + [info.createdBy] where seen.insert(member).inserted { members.append(member) }
        let memberIDs = members
        return try await transaction { connection in
            let created = try await connection.query("""
                INSERT INTO rooms (org, id, kind, title, visibility, created_by, created_at, epoch, last_seq)
                VALUES (\(esc(org)), \(esc(info.id)), \(esc(info.kind.rawValue)), \(esc(self.cipher.seal(info.title, .roomTitle))), \(esc(info.visibility.rawValue)),
                        \(esc(info.createdBy)), \(esc(info.createdAt)), \(esc(epoch)), 0)
                ON CONFLICT (org, id) DO NOTHING
                RETURNING 1
                """, logger: self.logger).collect()
            if created.isEmpty { return false }
            _ = try await connection.query("""
                INSERT INTO room_members (org, room, user_id, joined_at)
                SELECT \(esc(org)), \(esc(info.id)), member, \(esc(info.createdAt)) FROM unnest(\(esc(memberIDs))::text[]) AS member
                """, logger: self.logger).collect()
            return true
        }
    }

    public func room(org: String, id: String) async throws -> StoredRoom? {
        // One statement, so the members belong to the same snapshot as the room.
        guard let row = try await rows("""
            SELECT kind, title, visibility, created_by, created_at, epoch, last_seq, archived_at,
                   ARRAY(SELECT user_id FROM room_members m WHERE m.org = r.org AND m.room = r.id ORDER BY joined_at, user_id)
            FROM rooms r WHERE org = \(esc(org)) AND id = \(esc(id))
            """).first else { return nil }
        let (kind, title, visibility, createdBy, createdAt, epoch, lastSeq, archivedAt, members) =
            try row.decode((String, String, String, String, Int64, String, Int64, Int64?, [String]).self)
        let info = RoomInfo(
            id: id,
            kind: try StoredValue.decodeEnum(RoomKind.self, kind, column: "rooms.kind"),
            title: try cipher.open(unesc(title), .roomTitle),
            visibility: try StoredValue.decodeEnum(Visibility.self, visibility, column: "rooms.visibility"),
            members: unesc(members),
            createdBy: unesc(createdBy),
            createdAt: createdAt,
            archivedAt: archivedAt
        )
        return StoredRoom(info: info, epoch: unesc(epoch), lastSeq: lastSeq)
    }

    public func setTitle(org: String, room: String, title: String) async throws {
        let changed = try await rows("""
            UPDATE rooms SET title = \(esc(cipher.seal(title, .roomTitle))) WHERE org = \(esc(org)) AND id = \(esc(room)) RETURNING 1
            """)
        if changed.isEmpty { throw StorageError.roomNotFound(org: org, room: room) }
    }

    public func setArchived(org: String, room: String, at: Int64?) async throws {
        let changed = try await rows("UPDATE rooms SET archived_at = \(at) WHERE org = \(esc(org)) AND id = \(esc(room)) RETURNING 1")
        if changed.isEmpty { throw StorageError.roomNotFound(org: org, room: room) }
    }

    public func roomIDs(org: String, after: String?, limit: Int) async throws -> [String] {
        try await rows("""
            SELECT id FROM rooms WHERE org = \(esc(org)) AND id > \(esc(after ?? "")) ORDER BY id LIMIT \(Int64(max(0, limit)))
            """).map { unesc(try $0.decode(String.self)) }
    }

    public func addMember(org: String, room: String, user: String, at: Int64) async throws {
        let found = try await rows("""
            WITH r AS (SELECT org, id FROM rooms WHERE org = \(esc(org)) AND id = \(esc(room))),
                 added AS (
                     INSERT INTO room_members (org, room, user_id, joined_at) SELECT org, id, \(esc(user)), \(esc(at)) FROM r
                     ON CONFLICT (org, room, user_id) DO NOTHING
                 )
            SELECT count(*) FROM r
            """)
        if try found.first?.decode(Int.self) != 1 { throw StorageError.roomNotFound(org: org, room: room) }
    }

    public func removeMember(org: String, room: String, user: String) async throws {
        try await rows("DELETE FROM room_members WHERE org = \(esc(org)) AND room = \(esc(room)) AND user_id = \(esc(user))")
    }

    // MARK: Messages

    /// One batch item as the `rts_append_messages` function reads it (JSON; absent keys are NULL).
    private struct AppendItem: Encodable {
        var i: Int
        var id: String
        var user_id: String
        var user_name: String
        var user_role: String
        var text: String
        var msg_ts: Int64
        var reply_to: String?
        var client_msg_id: String
        var moderation: String?
        var msg_status: String
    }

    /// One statement, one round trip, one transaction: `rts_append_messages` (migration
    /// v4-append-function) locks the room's row (`SELECT last_seq … FOR UPDATE`, serialising
    /// writers of this room across nodes), then looks up each item's idempotency key (after the
    /// lock, so a send of the same key committed by another node is seen), then inserts every new
    /// message and its key with one multi-row statement each and sets `last_seq`. A failure rolls
    /// back all of it, so `last_seq` never moves past a message that is not stored.
    ///
    /// The idempotency key's `created_at` is the message's `ts` (server time, ms), so a key is
    /// live while `ts >= idempotentSince`; an expired key is replaced by the new message's.
    public func appendMessages(org: String, room: String, _ batch: [NewMessage], idempotentSince: Int64) async throws -> [AppendOutcome] {
        if batch.isEmpty { return [] }
        var items: [AppendItem] = []
        items.reserveCapacity(batch.count)
        for (index, message) in batch.enumerated() {
            items.append(AppendItem(
                i: index, id: esc(message.id), user_id: esc(message.from.id), user_name: esc(cipher.seal(message.from.name, .messageUserName)),
                user_role: message.from.role.rawValue, text: esc(cipher.seal(message.text, .messageText)), msg_ts: message.ts, reply_to: esc(message.replyTo),
                client_msg_id: esc(message.clientMsgID), moderation: esc(try message.moderation.map(StoredValue.encodeModeration)),
                msg_status: esc(message.status)))
        }
        let json = String(decoding: try JSONEncoder().encode(items), as: UTF8.self)
        let results: [PostgresRow]
        do {
            results = try await rows("""
                SELECT item, stored, msg_id, seq, ts, status
                FROM rts_append_messages(\(esc(org)), \(esc(room)), \(esc(idempotentSince)), \(esc(json))::jsonb)
                """)
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "RT404" {
            throw StorageError.roomNotFound(org: org, room: room)
        }
        var outcomes = [AppendOutcome?](repeating: nil, count: batch.count)
        for row in results {
            let (item, stored, msgID, seq, ts, status) = try row.decode((Int, Bool, String, Int64, Int64, String).self)
            guard batch.indices.contains(item) else { throw StorageError.invalidData("rts_append_messages returned item \(item)") }
            if stored {
                let message = batch[item]
                outcomes[item] = .stored(ChatMessage(
                    id: message.id, seq: seq, from: message.from, text: message.text, ts: message.ts,
                    replyTo: message.replyTo, clientMsgID: message.clientMsgID, moderation: message.moderation
                ))
            } else {
                outcomes[item] = .duplicate(StoredAck(msgID: unesc(msgID), seq: seq, ts: ts, status: unesc(status)))
            }
        }
        let complete = outcomes.compactMap { $0 }
        guard complete.count == batch.count else {
            throw StorageError.invalidData("rts_append_messages answered \(complete.count) of \(batch.count) items")
        }
        return complete
    }

    public func storedAck(org: String, room: String, user: String, clientMsgID: String, idempotentSince: Int64) async throws -> StoredAck? {
        try await rows(Self.keyLookup(org: org, room: room, user: user, clientMsgID: clientMsgID, since: idempotentSince))
            .first.map(Self.decodeAck)
    }

    /// The live idempotency key's (msg_id, seq, ts, status).
    static func keyLookup(org: String, room: String, user: String, clientMsgID: String, since: Int64) -> PostgresQuery {
        """
        SELECT msg_id, seq, ts, status FROM idempotency_keys
        WHERE org = \(esc(org)) AND room = \(esc(room)) AND user_id = \(esc(user))
          AND client_msg_id = \(esc(clientMsgID)) AND created_at >= \(esc(since))
        """
    }

    static func decodeAck(_ row: PostgresRow) throws -> StoredAck {
        let (msgID, seq, ts, status) = try row.decode((String, Int64, Int64, String).self)
        return StoredAck(msgID: unesc(msgID), seq: seq, ts: ts, status: unesc(status))
    }

    public func messages(org: String, room: String, afterSeq: Int64, limit: Int) async throws -> [ChatMessage] {
        let limit = max(0, limit)
        if limit == 0 { return [] }
        let page = try await rows("""
            SELECT \(unescaped: Self.messageColumns) FROM messages
            WHERE org = \(esc(org)) AND room = \(esc(room)) AND seq > \(esc(afterSeq)) ORDER BY seq LIMIT \(esc(limit))
            """)
        var messages = try page.map(self.decodeMessage)
        try await attachReactions(org: org, room: room, to: &messages)
        return messages
    }

    public func history(org: String, room: String, beforeSeq: Int64?, limit: Int) async throws -> (messages: [ChatMessage], hasMore: Bool) {
        let limit = max(0, limit)
        let before = beforeSeq ?? Int64.max
        // One row more than asked tells whether older messages remain.
        let page = try await rows("""
            SELECT \(unescaped: Self.messageColumns) FROM messages
            WHERE org = \(esc(org)) AND room = \(esc(room)) AND seq < \(esc(before)) ORDER BY seq DESC LIMIT \(esc(limit + 1))
            """)
        var messages = try page.prefix(limit).reversed().map(self.decodeMessage)
        try await attachReactions(org: org, room: room, to: &messages)
        return (messages, page.count > limit)
    }

    public func message(org: String, room: String, id: String) async throws -> ChatMessage? {
        guard let row = try await rows(
            "SELECT \(unescaped: Self.messageColumns) FROM messages WHERE org = \(esc(org)) AND room = \(esc(room)) AND id = \(esc(id))"
        ).first else { return nil }
        var message = try self.decodeMessage(row)
        var counts: [String: Int] = [:]
        for reaction in try await rows(
            "SELECT emoji, count(*) FROM reactions WHERE org = \(esc(org)) AND room = \(esc(room)) AND msg_id = \(esc(id)) GROUP BY emoji"
        ) {
            let (emoji, count) = try reaction.decode((String, Int).self)
            counts[unesc(emoji)] = count
        }
        message.reactions = counts.isEmpty ? nil : counts
        return message
    }

    public func editMessage(org: String, room: String, id: String, text: String, editedAt: Int64) async throws {
        let edited = try await rows("""
            UPDATE messages SET text = \(esc(cipher.seal(text, .messageText))), edited_at = \(esc(editedAt))
            WHERE org = \(esc(org)) AND room = \(esc(room)) AND id = \(esc(id)) AND NOT deleted
            RETURNING 1
            """)
        if !edited.isEmpty { return }
        guard try await isDeleted(org: org, room: room, id: id) != nil else {
            throw StorageError.messageNotFound(org: org, room: room, id: id)
        }
        throw StorageError.messageDeleted(org: org, room: room, id: id)
    }

    /// Deleting twice is a no-op (the first deletion time is kept).
    public func deleteMessage(org: String, room: String, id: String, at: Int64) async throws {
        let deleted = try await rows("""
            UPDATE messages SET text = NULL, deleted = TRUE, deleted_at = \(esc(at))
            WHERE org = \(esc(org)) AND room = \(esc(room)) AND id = \(esc(id)) AND NOT deleted
            RETURNING 1
            """)
        if !deleted.isEmpty { return }
        guard try await isDeleted(org: org, room: room, id: id) != nil else {
            throw StorageError.messageNotFound(org: org, room: room, id: id)
        }
    }

    /// Whether the message is deleted; nil when there is no such message.
    private func isDeleted(org: String, room: String, id: String) async throws -> Bool? {
        try await rows("SELECT deleted FROM messages WHERE org = \(esc(org)) AND room = \(esc(room)) AND id = \(esc(id))").first?.decode(Bool.self)
    }

    public func purgeIdempotencyKeys(before: Int64) async throws -> Int {
        let removed = try await rows("""
            WITH purged AS (DELETE FROM idempotency_keys WHERE created_at < \(esc(before)) RETURNING 1) SELECT count(*) FROM purged
            """).first?.decode(Int.self) ?? 0
        if removed > 0 { logger.debug("purged idempotency keys", metadata: ["count": "\(removed)"]) }
        return removed
    }

    public func purgeMessages(org: String, before: Int64, limit: Int) async throws -> Int {
        // Reactions go with them (foreign key cascade).
        try await rows("""
            WITH purged AS (
                DELETE FROM messages WHERE ctid IN (
                    SELECT ctid FROM messages WHERE org = \(esc(org)) AND ts < \(esc(before)) LIMIT \(esc(limit)) FOR UPDATE SKIP LOCKED)
                RETURNING 1)
            SELECT count(*) FROM purged
            """).first?.decode(Int.self) ?? 0
    }

    public func roomOrgs() async throws -> [String] {
        try await rows("SELECT DISTINCT org FROM rooms ORDER BY org").map { unesc(try $0.decode(String.self)) }
    }

    // MARK: Reactions and reads

    public func setReaction(org: String, room: String, msgID: String, user: String, emoji: String, on: Bool, at: Int64) async throws -> Int {
        try await transaction { connection in
            // The message must exist (FOR KEY SHARE: the lock its foreign key would take anyway).
            guard try await !connection.query(
                "SELECT 1 FROM messages WHERE org = \(esc(org)) AND room = \(esc(room)) AND id = \(esc(msgID)) FOR KEY SHARE", logger: self.logger
            ).collect().isEmpty else {
                throw StorageError.messageNotFound(org: org, room: room, id: msgID)
            }
            if on {
                // Turning on twice keeps the first time: idempotent.
                _ = try await connection.query("""
                    INSERT INTO reactions (org, room, msg_id, user_id, emoji, at) VALUES (\(esc(org)), \(esc(room)), \(esc(msgID)), \(esc(user)), \(esc(emoji)), \(esc(at)))
                    ON CONFLICT DO NOTHING
                    """, logger: self.logger).collect()
            } else {
                _ = try await connection.query("""
                    DELETE FROM reactions WHERE org = \(esc(org)) AND room = \(esc(room)) AND msg_id = \(esc(msgID)) AND emoji = \(esc(emoji)) AND user_id = \(esc(user))
                    """, logger: self.logger).collect()
            }
            return try await connection.query(
                "SELECT count(*) FROM reactions WHERE org = \(esc(org)) AND room = \(esc(room)) AND msg_id = \(esc(msgID)) AND emoji = \(esc(emoji))",
                logger: self.logger
            ).collect().first?.decode(Int.self) ?? 0
        }
    }

    /// `GREATEST` in the upsert: concurrent raises from several nodes keep the highest.
    public func setReadSeq(org: String, room: String, user: String, seq: Int64) async throws -> Int64 {
        guard let stored = try await rows("""
            INSERT INTO read_positions (org, room, user_id, seq)
            SELECT org, id, \(esc(user)), \(esc(seq)) FROM rooms WHERE org = \(esc(org)) AND id = \(esc(room))
            ON CONFLICT (org, room, user_id) DO UPDATE SET seq = GREATEST(read_positions.seq, excluded.seq)
            RETURNING seq
            """).first else {
            throw StorageError.roomNotFound(org: org, room: room)
        }
        return try stored.decode(Int64.self)
    }

    public func readSeqs(org: String, room: String) async throws -> [String: Int64] {
        var result: [String: Int64] = [:]
        for row in try await rows("SELECT user_id, seq FROM read_positions WHERE org = \(esc(org)) AND room = \(esc(room))") {
            let (user, seq) = try row.decode((String, Int64).self)
            result[unesc(user)] = seq
        }
        return result
    }

    // MARK: Helpers

    private static let messageColumns =
        "id, seq, user_id, user_name, user_role, text, ts, reply_to, client_msg_id, moderation, edited_at, deleted"

    private func decodeMessage(_ row: PostgresRow) throws -> ChatMessage {
        let (id, seq, userID, userName, userRole, text, ts, replyTo, clientMsgID, moderation, editedAt, deleted) =
            try row.decode((String, Int64, String, String, String, String?, Int64, String?, String, String?, Int64?, Bool).self)
        return ChatMessage(
            id: unesc(id),
            seq: seq,
            from: UserRef(id: unesc(userID), name: try cipher.open(unesc(userName), .messageUserName),
                           role: try StoredValue.decodeEnum(Role.self, userRole, column: "messages.user_role")),
            text: deleted ? nil : try cipher.open(unesc(text), .messageText),
            ts: ts,
            replyTo: unesc(replyTo),
            clientMsgID: unesc(clientMsgID),
            moderation: try unesc(moderation).map(StoredValue.decodeModeration),
            editedAt: editedAt,
            deleted: deleted ? true : nil,
            reactions: nil
        )
    }

    private func decodeUser(_ row: PostgresRow) throws -> UserRecord {
        let (id, name, role, lastSeen) = try row.decode((String, String, String, Int64).self)
        return UserRecord(
            id: unesc(id), name: try cipher.open(unesc(name), .userName), role: try StoredValue.decodeEnum(Role.self, role, column: "users.role"), lastSeen: lastSeen)
    }

    private func decodeBan(_ row: PostgresRow) throws -> UserBan {
        let (user, reason, expiresAt, by, at) = try row.decode((String, String?, Int64?, String, Int64).self)
        return UserBan(user: unesc(user), reason: try cipher.open(unesc(reason), .banReason), expiresAt: expiresAt, by: unesc(by), at: at)
    }

    /// Fills `reactions` for an ascending, seq-contiguous page with one grouped query.
    private func attachReactions(org: String, room: String, to messages: inout [ChatMessage]) async throws {
        guard let first = messages.first, let last = messages.last else { return }
        let page = try await rows("""
            SELECT r.msg_id, r.emoji, count(*)
            FROM messages m
            JOIN reactions r ON r.org = m.org AND r.room = m.room AND r.msg_id = m.id
            WHERE m.org = \(esc(org)) AND m.room = \(esc(room)) AND m.seq BETWEEN \(esc(first.seq)) AND \(esc(last.seq))
            GROUP BY r.msg_id, r.emoji
            """)
        if page.isEmpty { return }
        var counts: [String: [String: Int]] = [:]
        for row in page {
            let (msgID, emoji, count) = try row.decode((String, String, Int).self)
            counts[unesc(msgID), default: [:]][unesc(emoji)] = count
        }
        for index in messages.indices {
            if let byEmoji = counts[messages[index].id] { messages[index].reactions = byEmoji }
        }
    }
}
