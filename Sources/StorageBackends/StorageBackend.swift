import Configuration
import Foundation
import Logging
import Storage
import StoragePostgres
import StorageSQLite

/// Opens the store the configuration names: PostgreSQL when `database_url` is set (cluster
/// mode: every node shares it), else the SQLite file; both seal personal columns with the
/// configured encryption keys.
public enum StorageBackend {
    public static func open(_ config: ServerConfig, logger: Logger) async throws -> any ServerStore {
        let cipher = try cipher(config, logger: logger)
        if let url = config.databaseURL, isPostgres(url) {
            return try await PostgresStore.connect(url: url, cipher: cipher, logger: logger)
        }
        return try SQLiteChatStore(path: config.sqlitePath, durableCommits: config.sqliteSynchronous == .full, cipher: cipher, logger: logger)
    }

    /// The keyring of `encryption_keys_file` or `encryption_keys`; plaintext when neither is set.
    public static func cipher(_ config: ServerConfig, logger: Logger) throws -> FieldCipher {
        let (key, text): (String, String)
        if let file = config.encryptionKeysFile {
            key = "encryption_keys_file"
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw ConfigError(key: key, "encryption_keys_file \(file) cannot be read: \(error.localizedDescription)")
            }
            if let mode = (try? FileManager.default.attributesOfItem(atPath: file))?[.posixPermissions] as? Int, mode & 0o077 != 0 {
                logger.warning("the encryption key file is readable by others than its owner; chmod 600 it", metadata: ["file": "\(file)"])
            }
        } else if let inline = config.encryptionKeys {
            (key, text) = ("encryption_keys", inline)
        } else {
            logger.notice("encryption at rest is off: message text and names are stored as plaintext (set encryption_keys_file)")
            return .plaintext
        }
        do {
            let keyring = try Keyring(parsing: text)
            logger.info("encryption at rest is on", metadata: ["current_key": "\(keyring.currentID)", "keys": "\(keyring.ids.count)"])
            return FieldCipher(keyring: keyring)
        } catch {
            throw ConfigError(key: key, "\(key): \(error.description)")
        }
    }

    /// `postgres://` or `postgresql://` (validation refuses any other scheme).
    static func isPostgres(_ url: String) -> Bool {
        let lowered = url.lowercased()
        return lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://")
    }
}
