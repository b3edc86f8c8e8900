import ArgumentParser
import Configuration
import Foundation
import Logging
import Storage
import StorageBackends

/// Prints the moderation audit trail (newest first) as JSON lines.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Print moderation audit records as JSON lines.")

    @OptionGroup var options: ConfigOption
    @Option(help: "Only this org.") var org: String?
    @Option(help: "Only records at or after this time (ms since the epoch).") var since: Int64?
    @Option(help: "At most this many records.") var limit: Int = 100

    func run() async throws {
        let config = try ServerConfig.load(path: options.config, environment: ProcessInfo.processInfo.environment)
        let store = try await StorageBackend.open(config, logger: LogSetup.quiet("audit"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for record in try await store.audit(org: org, since: since, limit: limit) {
            FileHandle.standardOutput.write(try encoder.encode(record) + Data("\n".utf8))
        }
        try await store.close()
    }
}
