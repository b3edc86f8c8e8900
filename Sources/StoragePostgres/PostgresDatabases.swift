import Logging
import PostgresNIO

/// Creating and dropping whole databases on a server (test suites give every test its own
/// database; operators may script a fresh one). Needs a role allowed to `CREATE DATABASE`.
public enum PostgresDatabases {
    /// Creates the database `name` on the server `server` names (connecting to `server`'s own
    /// database, `postgres` when it names none). `name` must be a plain identifier (`[a-z0-9_]`).
    public static func create(_ name: String, on server: PostgresURL, logger: Logger) async throws {
        try validate(name)
        try await withConnection(to: server, logger: logger) { connection in
            _ = try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger).collect()
        }
    }

    /// Drops the database `name` if it exists, ending its sessions first (`WITH (FORCE)`).
    public static func drop(_ name: String, on server: PostgresURL, logger: Logger) async throws {
        try validate(name)
        try await withConnection(to: server, logger: logger) { connection in
            _ = try await connection.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger).collect()
        }
    }

    private static func validate(_ name: String) throws {
        let allowed = name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
        guard allowed, !name.isEmpty, name.count <= 63, !("0"..."9").contains(name.unicodeScalars.first ?? "0") else {
            throw PostgresStoreError.invalidURL("database name '\(name)' is not a plain identifier")
        }
    }

    private static func withConnection(
        to server: PostgresURL, logger: Logger, _ body: (PostgresConnection) async throws -> Void
    ) async throws {
        let target = server.database == nil ? server.with(database: "postgres") : server
        let connection = try await PostgresConnection.connect(
            configuration: try target.connectionConfiguration(connectTimeout: .seconds(5)), id: 0, logger: logger)
        do {
            try await body(connection)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
