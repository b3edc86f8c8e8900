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
    @Argument(help: "Where to write the backup (JSON, readable by its owner only).") var file: String

    func validate() throws {
        guard Identifier.isValid(org) else { throw ValidationError("'\(org)' is not a valid org id") }
    }

    func run() async throws {
        let config = try ServerConfig.load(path: options.config, environment: ProcessInfo.processInfo.environment)
        let store = try await StorageBackend.open(config, logger: LogSetup.quiet("backup"))
        do {
            let createdAt = Int64(Date().timeIntervalSince1970 * 1000)
            let tables = try await store.orgRows(org: org, user: nil)
            try OrgBackupFile(org: org, createdAt: createdAt, tables: tables).write(to: file)
            try await store.close()
            let rows = tables.values.reduce(0) { $0 + $1.count }
            FileHandle.standardError.write(Data("backed up org \(org): \(rows) rows, \(tables["rooms"]?.count ?? 0) rooms, to \(file)\n".utf8))
        } catch {
            try? await store.close()
            throw error
        }
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
        let backup = try OrgBackupFile.read(from: file)
        let config = try ServerConfig.load(path: options.config, environment: ProcessInfo.processInfo.environment)
        let store = try await StorageBackend.open(config, logger: LogSetup.quiet("restore"))
        do {
            if try await store.hasOrg(backup.org), !replace {
                throw CommandFailure("the store already holds org \(backup.org); pass --replace to replace it with the backup")
            }
            let rows = try await store.replaceOrg(backup.org, with: backup.tables)
            try await store.close()
            FileHandle.standardError.write(Data(
                "restored org \(backup.org) from \(file): \(rows) rows, \(backup.tables["rooms"]?.count ?? 0) rooms with new epochs\n".utf8))
        } catch {
            try? await store.close()
            throw error
        }
    }
}
