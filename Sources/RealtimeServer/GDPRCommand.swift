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
                With a server running (the configured host and port, or --url) the erasure goes
                through its admin API, POST /v1/admin/users/{user}/erase: the user's sessions close,
                leaderboards update and everyone watching gets message.deleted, on every node. When
                no server answers, or with --offline, it is done in the store directly (running
                nodes then show the user's points until they restart).
                """)

        @OptionGroup var subject: DataSubject
        @Option(help: "A running node to erase through (default: the configured host and port).") var url: String?
        @Flag(help: "Erase in the store even if a server is running.") var offline = false

        func run() async throws {
            let (org, user) = (subject.org, subject.user)
            if !offline, let answer = try await throughRunningNode() {
                FileHandle.standardOutput.write(answer + Data("\n".utf8))
                return
            }
            let erased = try await subject.withStore { store in
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                _ = try await store.appendAudit(AuditRecord(org: org, at: now, actor: "operator", action: "erase", subject: user))
                try await store.signOut(org: org, user: user, before: now)
                return try await store.eraseUser(org: org, user: user, at: now)
            }
            // The admin API's answer, field for field.
            let summary: [String: Any] = [
                "user": user, "messages": erased.messages.count, "reactions": erased.reactions, "held_messages": erased.heldMessages,
            ]
            FileHandle.standardOutput.write(try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys]) + Data("\n".utf8))
        }

        /// The running node's answer, or nil when none answers.
        private func throughRunningNode() async throws -> Data? {
            let config = try ServerConfig.load(path: subject.options.config, environment: ProcessInfo.processInfo.environment)
            let node = try await RunningNode(config: config, url: url, org: subject.org)
            guard let (status, body) = try await node.post("v1/admin/users/\(subject.user)/erase") else {
                FileHandle.standardError.write(Data("no server answers at \(node.base); erasing in the store\n".utf8))
                return nil
            }
            guard status == 200 else {
                throw CommandFailure("the server at \(node.base) answered \(status): \(String(decoding: body, as: UTF8.self))")
            }
            return body
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
