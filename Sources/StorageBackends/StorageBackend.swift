import Configuration
import Logging
import Storage
import StoragePostgres
import StorageSQLite

/// Opens the store the configuration names: PostgreSQL when `database_url` is set (cluster
/// mode: every node shares it), else the SQLite file.
public enum StorageBackend {
    public static func open(_ config: ServerConfig, logger: Logger) async throws -> any ServerStore {
        if let url = config.databaseURL, isPostgres(url) {
            return try await PostgresStore.connect(url: url, logger: logger)
        }
        return try SQLiteChatStore(path: config.sqlitePath, durableCommits: config.sqliteSynchronous == .full, logger: logger)
    }

    /// `postgres://` or `postgresql://` (validation refuses any other scheme).
    static func isPostgres(_ url: String) -> Bool {
        let lowered = url.lowercased()
        return lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://")
    }
}
