import ArgumentParser
import Configuration
import Foundation
import Storage
import StorageBackends
import Wire

/// `backup --org ORG FILE`: one org's data, read in one consistent snapshot while the server runs.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Write a consistent backup of one org (online) to FILE.")

    @OptionGroup var options: ConfigOption
    @Option(help: "The org to back up.") var org: String
    @Argument(help: "Where to write the backup (JSON Lines, readable by its owner only; sealed when encryption keys are configured).") var file: String

    func validate() throws {
        guard Identifier.isValid(org) else { throw ValidationError("'\(org)' is not a valid org id") }
    }

    func run() async throws {
        let config = try ServerConfig.load(path: options.config, environment: ProcessInfo.processInfo.environment)
        let logger = LogSetup.quiet("backup")
        let store = try await StorageBackend.open(config, logger: logger)
        let writer = try OrgBackupWriter(path: file, org: org, cipher: try StorageBackend.cipher(config, logger: logger))
        do {
            try await store.readOrg(org: org, user: nil) { table, row in try writer.write(table: table, row: row) }
            try writer.finish()
            try await store.close()
        } catch {
            writer.abandon()
            try? await store.close()
            throw error
        }
        FileHandle.standardError.write(Data("backed up org \(org): \(writer.rows) rows, \(writer.rooms) rooms, to \(file)\n".utf8))
    }
}

/// `restore FILE`: puts one org's backup into the configured store.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore one org from a backup written by `backup`.",
        discussion: """
            Everything of the org is replaced in one transaction, and every restored room gets a new
            epoch, so clients reload history instead of recovering across seqs they may already hold.
            Other orgs are untouched. Run it while no server is serving the org (stop the server, or
            every node of a cluster): a running node keeps its loaded rooms in memory.
            """)

    @OptionGroup var options: ConfigOption
    @Argument(help: "A backup file written by `backup`.") var file: String
    @Flag(help: "Replace the org when the store already holds data of it.") var replace = false

    func run() async throws {
        let config = try ServerConfig.load(path: options.config, environment: ProcessInfo.processInfo.environment)
        let logger = LogSetup.quiet("restore")
        let backup = try OrgBackupReader(path: file, cipher: try StorageBackend.cipher(config, logger: logger))
        let org = backup.header.org
        let store = try await StorageBackend.open(config, logger: logger)
        do {
            if try await store.hasOrg(org), !replace {
                throw CommandFailure("the store already holds org \(org); pass --replace to replace it with the backup")
            }
            let rows = try await store.replaceOrg(org, from: backup)
            try await store.close()
            FileHandle.standardError.write(Data(
                "restored org \(org) from \(file): \(rows) rows, \(backup.rooms) rooms with new epochs\n".utf8))
        } catch {
            try? await store.close()
            throw error
        }
    }
}
