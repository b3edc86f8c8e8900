import ArgumentParser
import Configuration
import Foundation
import Storage
import StorageBackends

/// Encryption at rest: making keys, and re-sealing stored values with the current one.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Encryption-at-rest keys: generate one, or rotate stored data to the current one.",
        subcommands: [Generate.self, Rotate.self])

    /// Prints a new key entry for the key file.
    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a new key entry (<id>:<base64 key>) for encryption_keys_file.",
            discussion: "Put it first in the key file to make it the current key; keep the older entries until `keys rotate` has finished.")

        func run() async throws {
            FileHandle.standardOutput.write(Data((Keyring.generateEntry() + "\n").utf8))
        }
    }

    /// Re-seals every plaintext value, and every value of an older key, with the current key.
    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-seal stored personal data with the current key, online.",
            discussion: """
                Walks every sealed column (message text, names, titles, reasons, audit details) and
                re-seals what is plaintext (written before encryption was on) or sealed with an older
                key, in short transactions, while servers keep serving. Give every server the new key
                first (first in its key file) and restart them; once this has finished, older keys can
                be removed. Running it again finds nothing to do.
                """)

        @OptionGroup var options: ConfigOption
        @Option(help: "Rows per transaction.") var batch: Int = 500

        func validate() throws {
            guard (1...10_000).contains(batch) else { throw ValidationError("--batch must be 1 to 10000") }
        }

        func run() async throws {
            let config = try ServerConfig.load(path: options.config, environment: ProcessInfo.processInfo.environment)
            let logger = LogSetup.quiet("keys")
            guard let keyring = try StorageBackend.cipher(config, logger: logger).keyring else {
                throw CommandFailure("no encryption keys are configured (set encryption_keys_file or RTS_ENCRYPTION_KEYS)")
            }
            let store = try await StorageBackend.open(config, logger: logger)
            var total = 0
            do {
                for table in OrgTables.all where !table.sealedColumns.isEmpty {
                    var count = 0
                    while true {
                        let done = try await store.resealBatch(table, limit: batch)
                        if done == 0 { break }
                        count += done
                    }
                    total += count
                    FileHandle.standardError.write(Data("\(table.name): \(count) rows re-sealed\n".utf8))
                }
                try await store.close()
            } catch {
                try? await store.close()
                throw error
            }
            FileHandle.standardOutput.write(Data("re-sealed \(total) rows with key \(keyring.currentID)\n".utf8))
        }
    }
}
