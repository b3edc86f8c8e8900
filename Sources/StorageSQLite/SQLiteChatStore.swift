import Foundation
import GRDB
import Storage
import Logging
import Wire

/// The default `ChatStore`: one SQLite file in WAL mode, accessed through a GRDB `DatabasePool`.
///
/// Why a pool: WAL lets readers (history, recovery on join) run concurrently with the single
/// writer, so a burst of joins never queues behind message appends. Every call uses GRDB's
/// async `read`/`write`, which run SQLite on GRDB's own dispatch queues: no thread of the
/// Swift cooperative pool ever blocks on disk or on the write lock.
///
/// Writes are serialized by GRDB's single writer connection, so per-room seq assignment
/// (read `last_seq`, insert, bump `last_seq` in one transaction) is gap-free and unique even
/// when several tasks append to the same room at once.
public final class SQLiteChatStore: ChatStore, Sendable {
    let pool: DatabasePool
    /// Seals and opens the personal columns (`OrgTables`) when encryption at rest is on.
    let cipher: FieldCipher
    private let path: String
    private let logger: Logger

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    ///
    /// `durableCommits` (the default) fsyncs every commit (`synchronous=FULL`): an `ack` then
    /// means the message survives a power cut. Without it (`NORMAL`) a process crash still loses
    /// nothing committed, but a power cut or kernel crash may drop the last commits before a
    /// checkpoint (never corrupting the file).
    ///
    /// Synchronous on purpose: it runs once at startup, before anything awaits the store.
    public init(path: String, durableCommits: Bool = true, cipher: FieldCipher = .plaintext, logger: Logger) throws {
        self.path = path
        self.cipher = cipher
        self.logger = logger
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)

        var config = Configuration()
        config.label = "ChatStore"
        config.foreignKeysEnabled = true
        // Another process (a backup, a second server by mistake) may hold the write lock briefly:
        // wait for it rather than failing the append at once.
        config.busyMode = .timeout(5)
        if cipher.isEnabled {
            // Deleted and overwritten content (plaintext re-sealed by `keys rotate`, erased messages)
            // is zeroed, not left in free pages.
            config.prepareDatabase { db in try db.execute(sql: "PRAGMA secure_delete = ON") }
        }

        pool = try DatabasePool(path: path, configuration: config)
        // Set on the one writer connection, after GRDB's WAL setup (which sets NORMAL itself).
        // In WAL mode FULL costs one fsync of the WAL per commit; rooms append whole batches
        // of sends in one transaction, so the cost is per batch, not per message.
        let synchronous = durableCommits ? "FULL" : "NORMAL"
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = \(synchronous)") }
        try SQLiteSchema.migrator.migrate(pool)
        try StoreGeneration.open(pool, databasePath: path, logger: logger)
        logger.info("SQLite chat store opened", metadata: ["path": "\(path)", "synchronous": "\(synchronous)"])
    }

    // MARK: Users

    public func recordSignIns(_ signIns: [UserSignIn]) async throws -> [AccessDenial?] {
        try await pool.write { db in
            let upsert = try db.cachedStatement(sql: """
                INSERT INTO users (org, id, name, role, last_seen) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (org, id) DO UPDATE SET
                    name = excluded.name, role = excluded.role, last_seen = max(last_seen, excluded.last_seen)
                """)
            return try signIns.map { signIn in
                if let denial = try Self.accessDenial(db, org: signIn.org, user: signIn.id, now: signIn.at, tokenIssuedAt: signIn.tokenIssuedAt) {
                    return denial
                }
                try upsert.execute(arguments: [signIn.org, signIn.id, cipher.seal(signIn.name, .userName), signIn.role.rawValue, signIn.at])
                return nil
            }
        }
    }

    public func user(org: String, id: String) async throws -> UserRecord? {
        try await pool.read { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT id, name, role, last_seen FROM users WHERE org = ? AND id = ?"),
                arguments: [org, id]
            ).map(self.decodeUser)
        }
    }

    public func users(org: String, ids: [String]) async throws -> [UserRecord] {
        var unique: [String] = []
        var seen = Set<String>()
        for id in ids where seen.insert(id).inserted { unique.append(id) }
        if unique.isEmpty { return [] }
        let wanted = unique
        return try await pool.read { db in
            var found: [String: UserRecord] = [:]
            // Chunked to stay far below SQLite's bound-parameter limit.
            for start in stride(from: 0, to: wanted.count, by: 500) {
                let chunk = Array(wanted[start..<min(start + 500, wanted.count)])
                let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
                var arguments: StatementArguments = [org]
                arguments += StatementArguments(chunk)
                let rows = try Row.fetchAll(
                    db,
                    sql: "SELECT id, name, role, last_seen FROM users WHERE org = ? AND id IN (\(placeholders))",
                    arguments: arguments
                )
                for row in rows {
                    let user = try self.decodeUser(row)
                    found[user.id] = user
                }
            }
            // Keep the caller's order.
            return wanted.compactMap { found[$0] }
        }
    }

    public func users(org: String, after: String?, limit: Int) async throws -> [UserRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: "SELECT id, name, role, last_seen FROM users WHERE org = ? AND id > ? ORDER BY id LIMIT ?"),
                arguments: [org, after ?? "", limit]
            ).map(self.decodeUser)
        }
    }

    // MARK: Bans

    private static let activeBanSQL = """
        SELECT user, reason, expires_at, by, at FROM bans
        WHERE org = ? AND user = ? AND (expires_at IS NULL OR expires_at > ?)
        """

    public func setBan(org: String, _ ban: UserBan) async throws {
        try await pool.write { db in
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO bans (org, user, reason, expires_at, by, at) VALUES (?, ?, ?, ?, ?, ?)")
                .execute(arguments: [org, ban.user, ban.reason.map { cipher.seal($0, .banReason) }, ban.expiresAt, ban.by, ban.at])
        }
    }

    public func removeBan(org: String, user: String, now: Int64) async throws -> Bool {
        try await pool.write { db in
            let active = try Row.fetchOne(db.cachedStatement(sql: Self.activeBanSQL), arguments: [org, user, now]) != nil
            try db.cachedStatement(sql: "DELETE FROM bans WHERE org = ? AND user = ?").execute(arguments: [org, user])
            return active
        }
    }

    public func ban(org: String, user: String, now: Int64) async throws -> UserBan? {
        try await pool.read { db in
            try Row.fetchOne(db.cachedStatement(sql: Self.activeBanSQL), arguments: [org, user, now]).map(self.decodeBan)
        }
    }

    public func bans(org: String, now: Int64) async throws -> [UserBan] {
        try await pool.read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: """
                    SELECT user, reason, expires_at, by, at FROM bans
                    WHERE org = ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY user
                    """),
                arguments: [org, now]
            ).map(self.decodeBan)
        }
    }

    // MARK: Sign-outs

    public func signOut(org: String, user: String, before: Int64) async throws {
        try await pool.write { db in
            try db.cachedStatement(sql: """
                INSERT INTO sign_outs (org, user, before) VALUES (?, ?, ?)
                ON CONFLICT (org, user) DO UPDATE SET before = max(before, excluded.before)
                """).execute(arguments: [org, user, before])
        }
    }

    public func accessDenial(org: String, user: String, now: Int64, tokenIssuedAt: Int64) async throws -> AccessDenial? {
        try await pool.read { db in try Self.accessDenial(db, org: org, user: user, now: now, tokenIssuedAt: tokenIssuedAt) }
    }

    private static func accessDenial(_ db: Database, org: String, user: String, now: Int64, tokenIssuedAt: Int64) throws -> AccessDenial? {
        if try Row.fetchOne(db.cachedStatement(sql: activeBanSQL), arguments: [org, user, now]) != nil { return .banned }
        let signedOut = try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT 1 FROM sign_outs WHERE org = ? AND user = ? AND before > ?"),
            arguments: [org, user, tokenIssuedAt])
        return signedOut == nil ? nil : .signedOut
    }

    public func purgeExpiredBans(now: Int64) async throws -> Int {
        try await pool.write { db in
            try db.cachedStatement(sql: "DELETE FROM bans WHERE expires_at IS NOT NULL AND expires_at <= ?").execute(arguments: [now])
            return db.changesCount
        }
    }

    // MARK: Rooms

    public func createRoom(org: String, info: RoomInfo, epoch: String) async throws -> Bool {
        var members: [String] = []
        var seen = Set<String>()
        for member in info.members + [info.createdBy] where seen.insert(member).inserted { members.append(member) }
        let memberIDs = members
        return try await pool.write { db in
            try db.cachedStatement(sql: """
                INSERT INTO rooms (org, id, kind, title, visibility, created_by, created_at, epoch, last_seq)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)
                ON CONFLICT (org, id) DO NOTHING
                """).execute(arguments: [
                    org, info.id, info.kind.rawValue, cipher.seal(info.title, .roomTitle), info.visibility.rawValue,
                    info.createdBy, info.createdAt, epoch,
                ])
            if db.changesCount == 0 { return false }
            let insertMember = try db.cachedStatement(sql: "INSERT INTO room_members (org, room, user, joined_at) VALUES (?, ?, ?, ?)")
            for member in memberIDs {
                try insertMember.execute(arguments: [org, info.id, member, info.createdAt])
            }
            return true
        }
    }

    public func room(org: String, id: String) async throws -> StoredRoom? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(
                db.cachedStatement(sql: """
                    SELECT kind, title, visibility, created_by, created_at, epoch, last_seq, archived_at
                    FROM rooms WHERE org = ? AND id = ?
                    """),
                arguments: [org, id]
            ) else { return nil }
            let members = try String.fetchAll(
                db.cachedStatement(sql: "SELECT user FROM room_members WHERE org = ? AND room = ? ORDER BY joined_at, user"),
                arguments: [org, id]
            )
            let info = RoomInfo(
                id: id,
                kind: try StoredValue.decodeEnum(RoomKind.self, row.decode(atIndex: 0), column: "rooms.kind"),
                title: try cipher.open(row.decode(String.self, atIndex: 1), .roomTitle),
                visibility: try StoredValue.decodeEnum(Visibility.self, row.decode(atIndex: 2), column: "rooms.visibility"),
                members: members,
                createdBy: try row.decode(atIndex: 3),
                createdAt: try row.decode(atIndex: 4),
                archivedAt: try row.decode(atIndex: 7)
            )
            return StoredRoom(info: info, epoch: try row.decode(atIndex: 5), lastSeq: try row.decode(atIndex: 6))
        }
    }

    public func setTitle(org: String, room: String, title: String) async throws {
        try await pool.write { db in
            try db.cachedStatement(sql: "UPDATE rooms SET title = ? WHERE org = ? AND id = ?").execute(arguments: [cipher.seal(title, .roomTitle), org, room])
            if db.changesCount == 0 { throw StorageError.roomNotFound(org: org, room: room) }
        }
    }

    public func setArchived(org: String, room: String, at: Int64?) async throws {
        try await pool.write { db in
            try db.cachedStatement(sql: "UPDATE rooms SET archived_at = ? WHERE org = ? AND id = ?").execute(arguments: [at, org, room])
            if db.changesCount == 0 { throw StorageError.roomNotFound(org: org, room: room) }
        }
    }

    public func roomIDs(org: String, after: String?, limit: Int) async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(
                db.cachedStatement(sql: "SELECT id FROM rooms WHERE org = ? AND id > ? ORDER BY id LIMIT ?"), arguments: [org, after ?? "", limit])
        }
    }

    public func addMember(org: String, room: String, user: String, at: Int64) async throws {
        try await pool.write { db in
            try Self.requireRoom(db, org: org, room: room)
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO room_members (org, room, user, joined_at) VALUES (?, ?, ?, ?)")
                .execute(arguments: [org, room, user, at])
        }
    }

    public func removeMember(org: String, room: String, user: String) async throws {
        try await pool.write { db in
            try db.cachedStatement(sql: "DELETE FROM room_members WHERE org = ? AND room = ? AND user = ?")
                .execute(arguments: [org, room, user])
        }
    }

    // MARK: Messages

    /// Identifies one idempotency key inside a batch (the org and room are the batch's).
    private struct BatchKey: Hashable {
        var user: String
        var clientMsgID: String
    }

    /// The idempotency key's `created_at` is the message's `ts` (server time, ms), so a key is
    /// live while `ts >= idempotentSince`; an expired key is replaced by the new message's.
    public func appendMessages(org: String, room: String, _ batch: [NewMessage], idempotentSince: Int64) async throws -> [AppendOutcome] {
        if batch.isEmpty { return [] }
        // Encode outside the write transaction: the writer is the one serialized resource.
        let moderationJSON = try batch.map { try $0.moderation.map(StoredValue.encodeModeration) }
        let sealed = batch.map { (name: cipher.seal($0.from.name, .messageUserName), text: cipher.seal($0.text, .messageText)) }
        return try await pool.write { db in
            guard let lastSeq = try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT last_seq FROM rooms WHERE org = ? AND id = ?"),
                arguments: [org, room]
            ) else {
                throw StorageError.roomNotFound(org: org, room: room)
            }
            let findKey = try Self.findKey(db)
            let insertMessage = try db.cachedStatement(sql: """
                INSERT INTO messages (org, room, seq, id, user_id, user_name, user_role, text, ts, reply_to, client_msg_id, moderation)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let upsertKey = try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO idempotency_keys (org, room, user, client_msg_id, msg_id, seq, ts, status, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)

            var seq = lastSeq
            var storedInBatch: [BatchKey: StoredAck] = [:]
            var outcomes: [AppendOutcome] = []
            outcomes.reserveCapacity(batch.count)
            for (index, item) in batch.enumerated() {
                let key = BatchKey(user: item.from.id, clientMsgID: item.clientMsgID)
                // Same user + client_msg_id twice in one batch: the second replays the first.
                if let ack = storedInBatch[key] {
                    outcomes.append(.duplicate(ack))
                    continue
                }
                if let ack = try Self.storedAck(findKey, [org, room, item.from.id, item.clientMsgID, idempotentSince]), !ack.isHold(of: item.id) {
                    outcomes.append(.duplicate(ack))
                    continue
                }
                seq += 1
                try insertMessage.execute(arguments: [
                    org, room, seq, item.id, item.from.id, sealed[index].name, item.from.role.rawValue,
                    sealed[index].text, item.ts, item.replyTo, item.clientMsgID, moderationJSON[index],
                ])
                try upsertKey.execute(arguments: [
                    org, room, item.from.id, item.clientMsgID, item.id, seq, item.ts, item.status, item.ts,
                ])
                storedInBatch[key] = StoredAck(msgID: item.id, seq: seq, ts: item.ts, status: item.status)
                outcomes.append(.stored(ChatMessage(
                    id: item.id, seq: seq, from: item.from, text: item.text, ts: item.ts,
                    replyTo: item.replyTo, clientMsgID: item.clientMsgID, moderation: item.moderation
                )))
            }
            if seq != lastSeq {
                try db.cachedStatement(sql: "UPDATE rooms SET last_seq = ? WHERE org = ? AND id = ?")
                    .execute(arguments: [seq, org, room])
            }
            return outcomes
        }
    }

    public func storedAck(org: String, room: String, user: String, clientMsgID: String, idempotentSince: Int64) async throws -> StoredAck? {
        try await pool.read { db in try Self.storedAck(Self.findKey(db), [org, room, user, clientMsgID, idempotentSince]) }
    }

    /// Arguments: org, room, user, client_msg_id, idempotentSince.
    static func findKey(_ db: Database) throws -> Statement {
        try db.cachedStatement(sql: """
            SELECT msg_id, seq, ts, status FROM idempotency_keys
            WHERE org = ? AND room = ? AND user = ? AND client_msg_id = ? AND created_at >= ?
            """)
    }

    static func storedAck(_ findKey: Statement, _ arguments: StatementArguments) throws -> StoredAck? {
        guard let row = try Row.fetchOne(findKey, arguments: arguments) else { return nil }
        return StoredAck(msgID: try row.decode(atIndex: 0), seq: try row.decode(atIndex: 1), ts: try row.decode(atIndex: 2), status: try row.decode(atIndex: 3))
    }

    public func messages(org: String, room: String, afterSeq: Int64, limit: Int) async throws -> [ChatMessage] {
        let limit = max(0, limit)
        return try await pool.read { db in
            let rows = try Row.fetchAll(
                db.cachedStatement(sql: "SELECT \(Self.messageColumns) FROM messages WHERE org = ? AND room = ? AND seq > ? ORDER BY seq LIMIT ?"),
                arguments: [org, room, afterSeq, limit]
            )
            var messages = try rows.map(self.decodeMessage)
            try Self.attachReactions(db, org: org, room: room, to: &messages)
            return messages
        }
    }

    public func history(org: String, room: String, beforeSeq: Int64?, limit: Int) async throws -> (messages: [ChatMessage], hasMore: Bool) {
        let limit = max(0, limit)
        let before = beforeSeq ?? Int64.max
        let page = try await pool.read { db in
            // One row more than asked tells whether older messages remain.
            let rows = try Row.fetchAll(
                db.cachedStatement(sql: "SELECT \(Self.messageColumns) FROM messages WHERE org = ? AND room = ? AND seq < ? ORDER BY seq DESC LIMIT ?"),
                arguments: [org, room, before, limit + 1]
            )
            var messages = try rows.prefix(limit).reversed().map(self.decodeMessage)
            try Self.attachReactions(db, org: org, room: room, to: &messages)
            return HistoryPage(messages: messages, hasMore: rows.count > limit)
        }
        return (page.messages, page.hasMore)
    }

    private struct HistoryPage: Sendable {
        var messages: [ChatMessage]
        var hasMore: Bool
    }

    public func message(org: String, room: String, id: String) async throws -> ChatMessage? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT \(Self.messageColumns) FROM messages WHERE org = ? AND room = ? AND id = ?"),
                arguments: [org, room, id]
            ) else { return nil }
            var message = try self.decodeMessage(row)
            var counts: [String: Int] = [:]
            let reactionRows = try Row.fetchAll(
                db.cachedStatement(sql: "SELECT emoji, COUNT(*) FROM reactions WHERE org = ? AND room = ? AND msg_id = ? GROUP BY emoji"),
                arguments: [org, room, id]
            )
            for reaction in reactionRows {
                counts[try reaction.decode(atIndex: 0)] = try reaction.decode(atIndex: 1)
            }
            message.reactions = counts.isEmpty ? nil : counts
            return message
        }
    }

    public func editMessage(org: String, room: String, id: String, text: String, editedAt: Int64) async throws {
        try await pool.write { db in
            try Self.requireLiveMessage(db, org: org, room: room, id: id)
            try db.cachedStatement(sql: "UPDATE messages SET text = ?, edited_at = ? WHERE org = ? AND room = ? AND id = ?")
                .execute(arguments: [cipher.seal(text, .messageText), editedAt, org, room, id])
        }
    }

    /// Deleting twice is a no-op (the first deletion time is kept).
    public func deleteMessage(org: String, room: String, id: String, at: Int64) async throws {
        try await pool.write { db in
            guard let deleted = try Bool.fetchOne(
                db.cachedStatement(sql: "SELECT deleted FROM messages WHERE org = ? AND room = ? AND id = ?"),
                arguments: [org, room, id]
            ) else {
                throw StorageError.messageNotFound(org: org, room: room, id: id)
            }
            if deleted { return }
            try db.cachedStatement(sql: "UPDATE messages SET text = NULL, deleted = 1, deleted_at = ? WHERE org = ? AND room = ? AND id = ?")
                .execute(arguments: [at, org, room, id])
        }
    }

    public func purgeIdempotencyKeys(before: Int64) async throws -> Int {
        let removed = try await pool.write { db in
            try db.execute(sql: "DELETE FROM idempotency_keys WHERE created_at < ?", arguments: [before])
            return db.changesCount
        }
        if removed > 0 { logger.debug("purged idempotency keys", metadata: ["count": "\(removed)"]) }
        return removed
    }

    public func purgeMessages(org: String, before: Int64, limit: Int) async throws -> Int {
        try await pool.write { db in
            // Reactions go with them (foreign key cascade).
            try db.execute(
                sql: "DELETE FROM messages WHERE rowid IN (SELECT rowid FROM messages WHERE org = ? AND ts < ? LIMIT ?)",
                arguments: [org, before, limit])
            return db.changesCount
        }
    }

    public func roomOrgs() async throws -> [String] {
        try await pool.read { db in try String.fetchAll(db, sql: "SELECT DISTINCT org FROM rooms ORDER BY org") }
    }

    // MARK: Reactions and reads

    public func setReaction(org: String, room: String, msgID: String, user: String, emoji: String, on: Bool, at: Int64) async throws -> Int {
        try await pool.write { db in
            guard try Bool.fetchOne(
                db.cachedStatement(sql: "SELECT 1 FROM messages WHERE org = ? AND room = ? AND id = ?"),
                arguments: [org, room, msgID]
            ) != nil else {
                throw StorageError.messageNotFound(org: org, room: room, id: msgID)
            }
            if on {
                // Turning on twice keeps the first time: idempotent.
                try db.cachedStatement(sql: "INSERT OR IGNORE INTO reactions (org, room, msg_id, user, emoji, at) VALUES (?, ?, ?, ?, ?, ?)")
                    .execute(arguments: [org, room, msgID, user, emoji, at])
            } else {
                try db.cachedStatement(sql: "DELETE FROM reactions WHERE org = ? AND room = ? AND msg_id = ? AND emoji = ? AND user = ?")
                    .execute(arguments: [org, room, msgID, emoji, user])
            }
            return try Int.fetchOne(
                db.cachedStatement(sql: "SELECT COUNT(*) FROM reactions WHERE org = ? AND room = ? AND msg_id = ? AND emoji = ?"),
                arguments: [org, room, msgID, emoji]
            ) ?? 0
        }
    }

    public func setReadSeq(org: String, room: String, user: String, seq: Int64) async throws -> Int64 {
        try await pool.write { db in
            try Self.requireRoom(db, org: org, room: room)
            try db.cachedStatement(sql: """
                INSERT INTO read_positions (org, room, user, seq) VALUES (?, ?, ?, ?)
                ON CONFLICT (org, room, user) DO UPDATE SET seq = max(seq, excluded.seq)
                """).execute(arguments: [org, room, user, seq])
            return try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT seq FROM read_positions WHERE org = ? AND room = ? AND user = ?"),
                arguments: [org, room, user]
            ) ?? seq
        }
    }

    public func readSeqs(org: String, room: String) async throws -> [String: Int64] {
        try await pool.read { db in
            var result: [String: Int64] = [:]
            let rows = try Row.fetchAll(
                db.cachedStatement(sql: "SELECT user, seq FROM read_positions WHERE org = ? AND room = ?"),
                arguments: [org, room]
            )
            for row in rows {
                result[try row.decode(atIndex: 0)] = try row.decode(atIndex: 1)
            }
            return result
        }
    }

    // MARK: Operations

    public func isHealthy() async -> Bool {
        do {
            return try await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") } == 1
        } catch {
            logger.warning("SQLite health check failed", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// Waits for pending reads and writes, then closes every connection. Calls after this fail.
    public func close() async throws {
        let pool = self.pool
        let path = self.path
        // Both block (the last write, then until in-flight accesses finish): run them off the cooperative pool.
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            DispatchQueue.global().async {
                continuation.resume(with: Result {
                    try StoreGeneration.close(pool, databasePath: path)
                    // Everything into the main file: a stopped server's database is that one file.
                    try pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
                    try pool.close()
                })
            }
        }
        logger.info("SQLite chat store closed")
    }

    // MARK: Helpers (run inside a database access)

    private static let messageColumns =
        "id, seq, user_id, user_name, user_role, text, ts, reply_to, client_msg_id, moderation, edited_at, deleted"

    private func decodeMessage(_ row: Row) throws -> ChatMessage {
        let moderation: String? = try row.decode(atIndex: 9)
        let deleted: Bool = try row.decode(atIndex: 11)
        return ChatMessage(
            id: try row.decode(atIndex: 0),
            seq: try row.decode(atIndex: 1),
            from: UserRef(
                id: try row.decode(atIndex: 2),
                name: try cipher.open(row.decode(String.self, atIndex: 3), .messageUserName),
                role: try StoredValue.decodeEnum(Role.self, row.decode(atIndex: 4), column: "messages.user_role")
            ),
            text: deleted ? nil : try cipher.open(row.decode(String?.self, atIndex: 5), .messageText),
            ts: try row.decode(atIndex: 6),
            replyTo: try row.decode(atIndex: 7),
            clientMsgID: try row.decode(atIndex: 8),
            moderation: try moderation.map(StoredValue.decodeModeration),
            editedAt: try row.decode(atIndex: 10),
            deleted: deleted ? true : nil,
            reactions: nil
        )
    }

    private func decodeUser(_ row: Row) throws -> UserRecord {
        UserRecord(
            id: try row.decode(atIndex: 0),
            name: try cipher.open(row.decode(String.self, atIndex: 1), .userName),
            role: try StoredValue.decodeEnum(Role.self, row.decode(atIndex: 2), column: "users.role"),
            lastSeen: try row.decode(atIndex: 3)
        )
    }

    private func decodeBan(_ row: Row) throws -> UserBan {
        UserBan(
            user: try row.decode(atIndex: 0), reason: try cipher.open(row.decode(String?.self, atIndex: 1), .banReason), expiresAt: try row.decode(atIndex: 2),
            by: try row.decode(atIndex: 3), at: try row.decode(atIndex: 4))
    }

    /// Fills `reactions` for an ascending, seq-contiguous page with one grouped query.
    private static func attachReactions(_ db: Database, org: String, room: String, to messages: inout [ChatMessage]) throws {
        guard let first = messages.first, let last = messages.last else { return }
        let rows = try Row.fetchAll(
            db.cachedStatement(sql: """
                SELECT r.msg_id, r.emoji, COUNT(*)
                FROM messages m
                JOIN reactions r ON r.org = m.org AND r.room = m.room AND r.msg_id = m.id
                WHERE m.org = ? AND m.room = ? AND m.seq BETWEEN ? AND ?
                GROUP BY r.msg_id, r.emoji
                """),
            arguments: [org, room, first.seq, last.seq]
        )
        if rows.isEmpty { return }
        var counts: [String: [String: Int]] = [:]
        for row in rows {
            let msgID: String = try row.decode(atIndex: 0)
            let emoji: String = try row.decode(atIndex: 1)
            counts[msgID, default: [:]][emoji] = try row.decode(atIndex: 2)
        }
        for index in messages.indices {
            if let byEmoji = counts[messages[index].id] { messages[index].reactions = byEmoji }
        }
    }

    private static func requireRoom(_ db: Database, org: String, room: String) throws {
        guard try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT 1 FROM rooms WHERE org = ? AND id = ?"),
            arguments: [org, room]
        ) != nil else {
            throw StorageError.roomNotFound(org: org, room: room)
        }
    }

    private static func requireLiveMessage(_ db: Database, org: String, room: String, id: String) throws {
        guard let deleted = try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT deleted FROM messages WHERE org = ? AND room = ? AND id = ?"),
            arguments: [org, room, id]
        ) else {
            throw StorageError.messageNotFound(org: org, room: room, id: id)
        }
        if deleted { throw StorageError.messageDeleted(org: org, room: room, id: id) }
    }
}
