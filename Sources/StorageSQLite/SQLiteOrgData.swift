import GRDB
import Storage

extension SQLiteChatStore: OrgDataStore {
    public func readOrg(org: String, user: String?, _ emit: @escaping @Sendable (String, StoredRow) throws -> Void) async throws {
        // One read transaction: a WAL snapshot, consistent across tables while writes go on.
        // A cursor hands over each row as SQLite steps to it.
        try await pool.read { db in
            for table in OrgTables.all where user == nil || !table.userColumns.isEmpty {
                let columns = table.columns.map { Self.quoted($0.name) }.joined(separator: ", ")
                var sql = "SELECT \(columns) FROM \(table.name) WHERE org = ?"
                var arguments: StatementArguments = [org]
                if let user {
                    sql += " AND (" + table.userColumns.map { "\(Self.quoted($0)) = ?" }.joined(separator: " OR ") + ")"
                    arguments += StatementArguments(Array(repeating: user, count: table.userColumns.count))
                }
                sql += " ORDER BY " + table.orderBy.map(Self.quoted).joined(separator: ", ")
                let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
                while let row = try rows.next() {
                    var cells: StoredRow = [:]
                    for (index, column) in table.columns.enumerated() {
                        cells[column.name] = try self.cipher.open(Self.cell(row[index] as DatabaseValue), column)
                    }
                    try emit(table.name, cells)
                }
            }
        }
    }

    public func replaceOrg(_ org: String, from source: any OrgRowSource) async throws -> Int {
        try await pool.write { db in
            // Children first, so no foreign key ever points at a deleted row.
            for table in OrgTables.all.reversed() {
                try db.execute(sql: "DELETE FROM \(table.name) WHERE org = ?", arguments: [org])
            }
            // One prepared insert per table.
            var inserts: [String: (table: OrgTables.Table, statement: Statement)] = [:]
            for table in OrgTables.all {
                let names = ["org"] + table.columns.map(\.name)
                inserts[table.name] = (table, try db.makeStatement(sql: """
                    INSERT INTO \(table.name) (\(names.map(Self.quoted).joined(separator: ", ")))
                    VALUES (\(Array(repeating: "?", count: names.count).joined(separator: ", ")))
                    """))
            }
            var written = 0
            while let (name, row) = try source.next() {
                guard let (table, statement) = inserts[name] else { throw StorageError.invalidData("a backup row for unknown table '\(name)'") }
                var values: [(any DatabaseValueConvertible)?] = [org]
                for column in table.columns {
                    values.append(Self.value(self.cipher.seal(row[column.name] ?? .null, column)))
                }
                try statement.execute(arguments: StatementArguments(values))
                written += 1
            }
            // Random per room, like the epochs rooms are created with.
            try db.execute(sql: "UPDATE rooms SET epoch = 'e' || lower(hex(randomblob(12))) WHERE org = ?", arguments: [org])
            return written
        }
    }

    public func resealBatch(_ table: OrgTables.Table, limit: Int) async throws -> Int {
        guard let prefix = cipher.currentPrefix, !table.sealedColumns.isEmpty else { return 0 }
        let keys = ["org"] + table.orderBy
        let sealed = table.sealedColumns
        let stale = sealed.map { "(\(Self.quoted($0.name)) IS NOT NULL AND substr(\(Self.quoted($0.name)), 1, ?) <> ?)" }
        var selectArguments = StatementArguments()
        for _ in sealed { selectArguments += [prefix.count, prefix] }
        selectArguments += [limit]
        let arguments = selectArguments
        return try await pool.write { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT \((keys + sealed.map(\.name)).map(Self.quoted).joined(separator: ", ")) FROM \(table.name)
                    WHERE \(stale.joined(separator: " OR ")) LIMIT ?
                    """,
                arguments: arguments)
            let update = try db.makeStatement(sql: """
                UPDATE \(table.name) SET \(sealed.map { "\(Self.quoted($0.name)) = ?" }.joined(separator: ", "))
                WHERE \(keys.map { "\(Self.quoted($0)) = ?" }.joined(separator: " AND "))
                """)
            for row in rows {
                var values: [DatabaseValue] = []
                for (offset, column) in sealed.enumerated() {
                    let stored = Self.cell(row[keys.count + offset] as DatabaseValue)
                    values.append(Self.value(try self.cipher.reseal(stored, column))?.databaseValue ?? .null)
                }
                values += keys.indices.map { row[$0] as DatabaseValue }
                try update.execute(arguments: StatementArguments(values))
            }
            return rows.count
        }
    }

    public func eraseUser(org: String, user: String, at: Int64) async throws -> ErasedUser {
        let erasedName = cipher.seal("", .messageUserName)
        return try await pool.writeWithoutTransaction { db in
            // Erased content is zeroed, not left in free pages (always so with encryption at rest).
            if !self.cipher.isEnabled { try db.execute(sql: "PRAGMA secure_delete = ON") }
            defer { if !self.cipher.isEnabled { try? db.execute(sql: "PRAGMA secure_delete = OFF") } }
            var erased = ErasedUser(messages: [], reactions: 0, heldMessages: 0)
            try db.inTransaction {
                erased.messages = try Row.fetchAll(
                    db, sql: "SELECT room, id FROM messages WHERE org = ? AND user_id = ? AND deleted = 0 ORDER BY room, seq",
                    arguments: [org, user]
                ).map { (room: $0[0] as String, msgID: $0[1] as String) }
                try db.execute(
                    sql: """
                        UPDATE messages SET text = NULL, user_name = ?, deleted = 1, deleted_at = coalesce(deleted_at, ?)
                        WHERE org = ? AND user_id = ?
                        """,
                    arguments: [erasedName, at, org, user])
                // Theirs, and everyone's on their messages (which are gone).
                try db.execute(
                    sql: """
                        DELETE FROM reactions WHERE org = ?
                        AND (user = ? OR (room, msg_id) IN (SELECT room, id FROM messages WHERE org = ? AND user_id = ?))
                        """,
                    arguments: [org, user, org, user])
                erased.reactions = db.changesCount
                try db.execute(sql: "DELETE FROM held_messages WHERE org = ? AND user_id = ?", arguments: [org, user])
                erased.heldMessages = db.changesCount
                for table in ["gam_progress", "gam_scores", "gam_achievements"] {
                    try db.execute(sql: "DELETE FROM \(table) WHERE org = ? AND user = ?", arguments: [org, user])
                }
                try db.execute(sql: "DELETE FROM gam_helpful_awards WHERE org = ? AND (author = ? OR mentor = ?)", arguments: [org, user, user])
                try db.execute(sql: "DELETE FROM users WHERE org = ? AND id = ?", arguments: [org, user])
                return .commit
            }
            return erased
        }
    }

    public func hasOrg(_ org: String) async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM users WHERE org = ?) OR EXISTS (SELECT 1 FROM rooms WHERE org = ?)",
                arguments: [org, org]) ?? false
        }
    }

    private static func quoted(_ name: String) -> String { "\"\(name)\"" }

    private static func cell(_ value: DatabaseValue) -> StoredCell {
        switch value.storage {
        case .null: .null
        case .int64(let integer): .integer(integer)
        case .double(let real): .real(real)
        case .string(let text): .text(text)
        case .blob(let data): .text(String(decoding: data, as: UTF8.self))  // the schema stores no blobs
        }
    }

    private static func value(_ cell: StoredCell) -> (any DatabaseValueConvertible)? {
        switch cell {
        case .null: nil
        case .integer(let integer): integer
        case .real(let real): real
        case .text(let text): text
        }
    }
}
