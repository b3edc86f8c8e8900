import Foundation
import PostgresNIO
import Storage

extension PostgresStore { // OrgDataStore
    public func orgRows(org: String, user: String?) async throws -> OrgRows {
        try await snapshot { connection in
            var result: OrgRows = [:]
            for table in OrgTables.all {
                let columns = table.columns.map { Self.quoted($0.postgresName) }.joined(separator: ", ")
                var sql = "SELECT \(columns) FROM \(table.name) WHERE org = $1"
                var bindings = PostgresBindings()
                bindings.append(esc(org))
                if let user {
                    bindings.append(esc(user))
                    sql += " AND (" + table.userColumns.map { "\(Self.quoted(table.postgresName(of: $0))) = $2" }.joined(separator: " OR ") + ")"
                }
                sql += " ORDER BY " + table.orderBy.map { Self.quoted(table.postgresName(of: $0)) }.joined(separator: ", ")
                var rows: [[String: StoredCell]] = []
                for row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: self.logger).collect() {
                    var cells: [String: StoredCell] = [:]
                    for (column, cell) in zip(table.columns, row.makeRandomAccess()) {
                        cells[column.name] = try Self.storedCell(cell)
                    }
                    rows.append(cells)
                }
                result[table.name] = rows
            }
            return result
        }
    }

    public func replaceOrg(_ org: String, with rows: OrgRows) async throws -> Int {
        try await bulkTransaction { connection in
            // Children first, so no foreign key ever points at a deleted row.
            for table in OrgTables.all.reversed() {
                _ = try await connection.query(
                    PostgresQuery(unsafeSQL: "DELETE FROM \(table.name) WHERE org = $1", binds: Self.bindings(esc(org))), logger: self.logger
                ).collect()
            }
            var written = 0
            for table in OrgTables.all {
                let tableRows = rows[table.name] ?? []
                // The rows as a JSON array keyed by PostgreSQL's column names; PostgreSQL converts each
                // value to its column's type (0 and 1 to booleans).
                for start in stride(from: 0, to: tableRows.count, by: 5000) {
                    let chunk = tableRows[start..<min(start + 5000, tableRows.count)].map { row in
                        var object: [String: StoredCell] = ["org": .text(esc(org))]
                        for column in table.columns {
                            object[column.postgresName] = Self.escaped(row[column.name] ?? .null)
                        }
                        return object
                    }
                    let json = String(decoding: try JSONEncoder().encode(chunk), as: UTF8.self)
                    let names = (["org"] + table.columns.map(\.postgresName)).map(Self.quoted).joined(separator: ", ")
                    _ = try await connection.query(
                        PostgresQuery(
                            unsafeSQL: "INSERT INTO \(table.name) (\(names)) SELECT \(names) FROM jsonb_populate_recordset(NULL::\(table.name), $1::jsonb)",
                            binds: Self.bindings(json)),
                        logger: self.logger
                    ).collect()
                    written += chunk.count
                }
            }
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
