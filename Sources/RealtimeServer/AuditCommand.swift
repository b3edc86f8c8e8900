import ArgumentParser
import Configuration
import Foundation
import Logging
import Storage
import StorageBackends

/// The audit trail: listing it, and checking its hash chains.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "The audit trail: print it (default) or verify its hash chains.",
        subcommands: [List.self, Verify.self], defaultSubcommand: List.self)

    /// Prints audit records (newest first) as JSON lines.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print audit records as JSON lines, newest first.")

        @OptionGroup var options: ConfigOption
        @Option(help: "Only this org.") var org: String?
        @Option(help: "Only records at or after this time (ms since the epoch).") var since: Int64?
        @Option(help: "Only this action (ban, block, approve, …).") var action: String?
        @Option(help: "At most this many records.") var limit: Int = 100

        func run() async throws {
            let config = try ServerConfig.load(path: options.config, environment: ProcessInfo.processInfo.environment)
            let store = try await StorageBackend.open(config, logger: LogSetup.quiet("audit"))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            for record in try await store.audit(org: org, query: AuditQuery(since: since, action: action), limit: limit) {
                FileHandle.standardOutput.write(try encoder.encode(record) + Data("\n".utf8))
            }
            try await store.close()
        }
    }

    /// Recomputes every org's chain; exits 1 at the first entry that does not hold.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that no audit entry was edited, removed or reordered.",
            discussion: """
                Recomputes each org's hash chain from its first stored entry and prints, per org, the
                number of entries and the head hash (keep it elsewhere to pin the chain), or where it
                breaks. Exits 1 when any chain breaks.
                """)

        @OptionGroup var options: ConfigOption
        @Option(help: "Only this org.") var org: String?

        func run() async throws {
            let config = try ServerConfig.load(path: options.config, environment: ProcessInfo.processInfo.environment)
            let store = try await StorageBackend.open(config, logger: LogSetup.quiet("audit"))
            var broken = 0
            do {
                let orgs = if let org { [org] } else { try await store.auditOrgs() }
                for org in orgs {
                    let (count, head, failure) = try await Self.verify(org: org, in: store)
                    let line: String
                    if let failure {
                        broken += 1
                        line = "\(org): BROKEN at \(failure) (\(count) entries checked before it)"
                    } else {
                        line = "\(org): ok, \(count) entries, head \(head ?? AuditChain.genesis)"
                    }
                    FileHandle.standardOutput.write(Data((line + "\n").utf8))
                }
                try await store.close()
            } catch {
                try? await store.close()
                throw error
            }
            if broken > 0 { throw ExitCode.failure }
        }

        /// Pages through the org's chain in order, from its start or from where retention cut it.
        static func verify(org: String, in store: any ServerStore) async throws -> (count: Int, head: String?, failure: AuditChain.Break?) {
            var previous = try await store.auditAnchor(org: org)
            var count = 0
            while true {
                let page = try await store.auditChain(org: org, afterSeq: previous?.seq ?? 0, limit: 1000)
                if let failure = AuditChain.firstBreak(in: page, after: previous) { return (count, previous?.hash, failure) }
                guard let last = page.last else { return (count, previous?.hash, nil) }
                count += page.count
                previous = (last.seq, last.hash)
            }
        }
    }
}
