import Foundation
import PostgresNIO
import Storage

extension PostgresStore { // OrgDataStore
    public func readOrg(org: String, user: String?, _ emit: @escaping @Sendable (String, StoredRow) throws -> Void) async throws {
        try await snapshot { connection in
            for table in OrgTables.all where user == nil || !table.userColumns.isEmpty {
                let columns = table.columns.map { Self.quoted($0.postgresName) }.joined(separator: ", ")
                var sql = "SELECT \(columns) FROM \(table.name) WHERE org = $1"
                var bindings = PostgresBindings()
                bindings.append(esc(org))
                if let user {
                    bindings.append(esc(user))
                    sql += " AND (" + table.userColumns.map { "\(Self.quoted(table.postgresName(of: $0))) = $2" }.joined(separator: " OR ") + ")"
                }
                sql += " ORDER BY " + table.orderBy.map { Self.quoted(table.postgresName(of: $0)) }.joined(separator: ", ")
                // Rows stream in as PostgreSQL sends them.
                for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: self.logger) {
                    var cells: StoredRow = [:]
                    for (column, cell) in zip(table.columns, row.makeRandomAccess()) {
                        cells[column.name] = try self.cipher.open(Self.storedCell(cell), column)
                    }
                    try emit(table.name, cells)
                }
            }
        }
    }

    public func replaceOrg(_ org: String, from source: any OrgRowSource) async throws -> Int {
        try await bulkTransaction { connection in
            // Children first, so no foreign key ever points at a deleted row.
            for table in OrgTables.all.reversed() {
                _ = try await connection.query(
                    PostgresQuery(unsafeSQL: "DELETE FROM \(table.name) WHERE org = $1", binds: Self.bindings(esc(org))), logger: self.logger
                ).collect()
            }
            let tables = Dictionary(uniqueKeysWithValues: OrgTables.all.map { ($0.name, $0) })
            var written = 0
            var pending: (table: OrgTables.Table, rows: [StoredRow])?
            // Rows go in as JSON arrays of up to 5 000, keyed by PostgreSQL's column names; PostgreSQL
            // converts each value to its column's type (0 and 1 to booleans).
            func flush() async throws {
                guard let batch = pending, !batch.rows.isEmpty else { return }
                let objects = batch.rows.map { row in
                    var object: StoredRow = ["org": .text(esc(org))]
                    for column in batch.table.columns {
                        object[column.postgresName] = Self.escaped(self.cipher.seal(row[column.name] ?? .null, column))
                    }
                    return object
                }
                let json = String(decoding: try JSONEncoder().encode(objects), as: UTF8.self)
                let names = (["org"] + batch.table.columns.map(\.postgresName)).map(Self.quoted).joined(separator: ", ")
                _ = try await connection.query(
                    PostgresQuery(
                        unsafeSQL: "INSERT INTO \(batch.table.name) (\(names)) SELECT \(names) FROM jsonb_populate_recordset(NULL::\(batch.table.name), $1::jsonb)",
                        binds: Self.bindings(json)),
                    logger: self.logger
                ).collect()
                written += objects.count
                pending?.rows.removeAll(keepingCapacity: true)
            }
            while let (name, row) = try source.next() {
                guard let table = tables[name] else { throw StorageError.invalidData("a backup row for unknown table '\(name)'") }
                if pending?.table.name != name {
                    try await flush()
                    pending = (table, [])
                }
                pending?.rows.append(row)
                if pending?.rows.count ?? 0 >= 5000 { try await flush() }
            }
            try await flush()
            // Random per room, like the epochs rooms are created with.
            _ = try await connection.query(
                PostgresQuery(
                    unsafeSQL: "UPDATE rooms SET epoch = 'e' || replace(gen_random_uuid()::text, '-', '') WHERE org = $1",
                    binds: Self.bindings(esc(org))),
                logger: self.logger
            ).collect()
            return written
        }
    }

    public func resealBatch(_ table: OrgTables.Table, limit: Int) async throws -> Int {
        guard let prefix = cipher.currentPrefix, !table.sealedColumns.isEmpty else { return 0 }
        let keys = (["org"] + table.orderBy).map { table.postgresName(of: $0) }
        let sealed = table.sealedColumns
        let stale = sealed.map { "(\(Self.quoted($0.postgresName)) IS NOT NULL AND substr(\(Self.quoted($0.postgresName)), 1, \(prefix.count)) <> $1)" }
        let select = """
            SELECT \((keys + sealed.map(\.postgresName)).map(Self.quoted).joined(separator: ", ")) FROM \(table.name)
            WHERE \(stale.joined(separator: " OR ")) LIMIT \(limit) FOR UPDATE
            """
        let update = """
            UPDATE \(table.name) SET \(sealed.enumerated().map { "\(Self.quoted($1.postgresName)) = $\($0 + 1)" }.joined(separator: ", "))
            WHERE \(keys.enumerated().map { "\(Self.quoted($1)) = $\(sealed.count + $0 + 1)" }.joined(separator: " AND "))
            """
        return try await transaction { connection in
            // Locked until the commit: an edit on a live node waits instead of being overwritten.
            let rows = try await connection.query(PostgresQuery(unsafeSQL: select, binds: Self.bindings(prefix)), logger: self.logger).collect()
            for row in rows {
                let cells = Array(row.makeRandomAccess())
                var bindings = PostgresBindings()
                for (offset, column) in sealed.enumerated() {
                    switch try self.cipher.reseal(Self.storedCell(cells[keys.count + offset]), column) {
                    case .text(let text): bindings.append(esc(text))
                    default: bindings.appendNull()
                    }
                }
                for index in keys.indices {
                    // Keys as stored (escaped text, or seq numbers).
                    switch cells[index].dataType {
                    case .int2, .int4, .int8: bindings.append(try cells[index].decode(Int64.self))
                    default: bindings.append(try cells[index].decode(String.self))
                    }
                }
                _ = try await connection.query(PostgresQuery(unsafeSQL: update, binds: bindings), logger: self.logger).collect()
            }
            return rows.count
        }
    }

    public func eraseUser(org: String, user: String, at: Int64) async throws -> ErasedUser {
        let erasedName = esc(cipher.seal("", .messageUserName))
        let (org, user) = (esc(org), esc(user))
        return try await transaction { connection in
            func run(_ query: PostgresQuery) async throws -> [PostgresRow] {
                try await connection.query(query, logger: self.logger).collect()
            }
            let messages = try await run("""
                SELECT room, id FROM messages WHERE org = \(org) AND user_id = \(user) AND NOT deleted ORDER BY room, seq FOR UPDATE
                """).map { row in
                let (room, id) = try row.decode((String, String).self)
                return (room: unesc(room), msgID: unesc(id))
            }
            _ = try await run("""
                UPDATE messages SET text = NULL, user_name = \(erasedName), deleted = TRUE, deleted_at = coalesce(deleted_at, \(at))
                WHERE org = \(org) AND user_id = \(user)
                """)
            // Theirs, and everyone's on their messages (which are gone).
            let reactions = try await run("""
                DELETE FROM reactions WHERE org = \(org)
                AND (user_id = \(user) OR (room, msg_id) IN (SELECT room, id FROM messages WHERE org = \(org) AND user_id = \(user)))
                RETURNING 1
                """).count
            let held = try await run("DELETE FROM held_messages WHERE org = \(org) AND user_id = \(user) RETURNING 1").count
            _ = try await run("DELETE FROM gam_progress WHERE org = \(org) AND user_id = \(user)")
            _ = try await run("DELETE FROM gam_scores WHERE org = \(org) AND user_id = \(user)")
            _ = try await run("DELETE FROM gam_achievements WHERE org = \(org) AND user_id = \(user)")
            _ = try await run("DELETE FROM gam_helpful_awards WHERE org = \(org) AND (author = \(user) OR mentor = \(user))")
            _ = try await run("DELETE FROM users WHERE org = \(org) AND id = \(user)")
            return ErasedUser(messages: messages, reactions: reactions, heldMessages: held)
        }
    }

    public func hasOrg(_ org: String) async throws -> Bool {
        try await rows("""
            SELECT EXISTS (SELECT 1 FROM users WHERE org = \(esc(org))) OR EXISTS (SELECT 1 FROM rooms WHERE org = \(esc(org)))
            """).first?.decode(Bool.self) ?? false
    }

    private static func quoted(_ name: String) -> String { "\"\(name)\"" }

    private static func bindings(_ value: String) -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(value)
        return bindings
    }

    /// A cell as SQLite would hold it: booleans become 0 and 1, text is unescaped.
    private static func storedCell(_ cell: PostgresCell) throws -> StoredCell {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
        case .float4, .float8, .numeric: return .real(try cell.decode(Double.self))
        default: return .text(unesc(try cell.decode(String.self)))
        }
    }

    private static func escaped(_ cell: StoredCell) -> StoredCell {
        if case .text(let text) = cell { return .text(esc(text)) }
        return cell
    }
}
