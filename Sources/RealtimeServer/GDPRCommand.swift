import ArgumentParser
import Configuration
import Foundation
import Storage
import StorageBackends
import Wire

/// `gdpr export` and `gdpr erase`: the data-subject requests of GDPR (access and portability,
/// articles 15 and 20; erasure, article 17).
struct GDPRCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gdpr", abstract: "Personal-data requests against the configured store.", subcommands: [Export.self, Erase.self])

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

        @OptionGroup var subject: DataSubject

        func run() async throws {
            let (org, user) = (subject.org, subject.user)
            let data = try await subject.withStore { store in try await store.orgRows(org: org, user: user) }
            let document = PersonalDataExport(
                org: org, user: user, exportedAt: Int64(Date().timeIntervalSince1970 * 1000), data: data)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
            FileHandle.standardOutput.write(try encoder.encode(document) + Data("\n".utf8))
        }
    }
}

extension GDPRCommand {
    /// Erases one user's personal data in the store.
    struct Erase: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Erase a user's personal data: messages become tombstones, the rest is removed.",
            discussion: """
                In one transaction: every message of the user keeps its seq but loses its text and
                the author's name (history shows it deleted, so rooms keep no gaps); their reactions,
                held messages, points, leaderboard entries, streaks, achievements and account are
                removed; every token issued to them so far is refused. Memberships, bans and audit
                entries keep the user's id. Audited first (actor "operator").
                Works on a stopped server. With servers running use the admin API instead
                (POST /v1/admin/users/{user}/erase): it also closes the user's sessions, updates
                leaderboards and pushes message.deleted to everyone watching, on every node.
                """)

        @OptionGroup var subject: DataSubject

        func run() async throws {
            let (org, user) = (subject.org, subject.user)
            let erased = try await subject.withStore { store in
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                _ = try await store.appendAudit(AuditRecord(org: org, at: now, actor: "operator", action: "erase", subject: user))
                try await store.signOut(org: org, user: user, before: now)
                return try await store.eraseUser(org: org, user: user, at: now)
            }
            let summary: [String: Int] = ["messages": erased.messages.count, "reactions": erased.reactions, "held_messages": erased.heldMessages]
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            FileHandle.standardOutput.write(try encoder.encode(summary) + Data("\n".utf8))
        }
    }
}

/// The person a request is about, and the store that holds their data.
struct DataSubject: ParsableArguments {
    @OptionGroup var options: ConfigOption
    @Option(help: "The user's org.") var org: String
    @Option(help: "The user's id.") var user: String

    func validate() throws {
        guard Identifier.isValid(org) else { throw ValidationError("'\(org)' is not a valid org id") }
        guard Identifier.isValid(user) else { throw ValidationError("'\(user)' is not a valid user id") }
    }

    /// Runs `body` on the configured store, closing it afterwards whatever happens.
    func withStore<T: Sendable>(_ body: (any ServerStore) async throws -> T) async throws -> T {
        let config = try ServerConfig.load(path: options.config, environment: ProcessInfo.processInfo.environment)
        let store = try await StorageBackend.open(config, logger: LogSetup.quiet("gdpr"))
        do {
            let result = try await body(store)
            try await store.close()
            return result
        } catch {
            try? await store.close()
            throw error
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
