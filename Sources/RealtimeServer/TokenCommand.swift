import ArgumentParser
import Auth
import Configuration
import Foundation

/// Prints an HS256 token signed with the configured secret, for development and tests.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "token", abstract: "Print a signed HS256 token for the given claims.")

    @OptionGroup var options: ConfigOption
    @Option(help: "User id (sub).") var sub: String
    @Option(help: "Organisation id (org).") var org: String
    @Option(help: "admin | mentor | student | guest") var role: String
    @Option(help: "Display name.") var name: String?
    @Option(help: "IANA time zone, e.g. Asia/Jerusalem.") var tz: String?
    @Option(help: "Scope entries, e.g. --scope moderation.") var scope: [String] = []
    @Option(help: "Lifetime in seconds.") var ttl: Int = 3600

    func run() async throws {
        let config = try ServerConfig.load(path: options.config, environment: ProcessInfo.processInfo.environment)
        // The server refuses longer-lived tokens; better to say so now than at the first connect.
        guard ttl <= config.maxTokenLifetimeS else {
            throw ValidationError("--ttl \(ttl) exceeds max_token_lifetime_s (\(config.maxTokenLifetimeS)); the server would refuse the token")
        }
        let minter = try TokenMinter(hmacSecret: config.jwtSecret)
        let token = try await minter.mint(sub: sub, org: org, role: role, name: name, tz: tz, scope: scope, ttlSeconds: ttl, now: Date())
        FileHandle.standardOutput.write(Data((token + "\n").utf8))
    }
}
