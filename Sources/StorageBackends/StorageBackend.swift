import Configuration
import Logging
import Storage
import StorageSQLite

/// Opens the store the configuration names: the SQLite file by default.
public enum StorageBackend {
    public static func open(_ config: ServerConfig, logger: Logger) async throws -> any ServerStore {
        try SQLiteChatStore(path: config.sqlitePath, durableCommits: config.sqliteSynchronous == .full, logger: logger)
    }
}
