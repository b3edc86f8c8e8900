import ArgumentParser
import Configuration
import Foundation
import Storage
import StorageBackends
import Wire

/// `gdpr export`: the data-subject access requests of GDPR (articles 15 and 20).
struct GDPRCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gdpr", abstract: "Personal-data requests against the configured store.", subcommands: [Export.self])

    /// Everything held about one user, as one JSON document on stdout.
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print everything held about a user as one JSON document.",
            discussion: """
                Every row that is about the user, table by table: their account, rooms they created,
                memberships, messages (with their text), reactions, read positions, idempotency keys,
                points, streaks, achievements and helpful awards, held messages, mutes, bans, and audit
                entries where they acted or were acted upon. Read in one consistent snapshot.
                """)

        @OptionGroup var options: ConfigOption
        @Option(help: "The user's org.") var org: String
        @Option(help: "The user's id.") var user: String

        func validate() throws {
            guard Identifier.isValid(org) else { throw ValidationError("'\(org)' is not a valid org id") }
            guard Identifier.isValid(user) else { throw ValidationError("'\(user)' is not a valid user id") }
        }

        func run() async throws {
            let config = try ServerConfig.load(path: options.config, environment: ProcessInfo.processInfo.environment)
            let store = try await StorageBackend.open(config, logger: LogSetup.quiet("gdpr"))
            let data: OrgRows
            do {
                data = try await store.orgRows(org: org, user: user)
                try await store.close()
            } catch {
                try? await store.close()
                throw error
            }
            let document = PersonalDataExport(
                org: org, user: user, exportedAt: Int64(Date().timeIntervalSince1970 * 1000), data: data)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
            FileHandle.standardOutput.write(try encoder.encode(document) + Data("\n".utf8))
        }
    }
}

/// The export document: who, when, and the rows about them by table.
struct PersonalDataExport: Encodable {
    var org: String
    var user: String
    var exportedAt: Int64
    var data: OrgRows

    enum CodingKeys: String, CodingKey {
        case org, user, data
        case exportedAt = "exported_at"
    }
}
