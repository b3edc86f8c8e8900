import ArgumentParser
import Foundation
import JSONValues
import RealtimeClient

/// A moderator bot on the Swift client: subscribes to its org's held messages and decides each
/// one by a simple policy (reject when the moderator's reasons include a listed category,
/// approve otherwise). The client reconnects and resubscribes by itself; messages still waiting
/// are shown again then.
@main
struct ModeratorBot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moderator-bot", abstract: "Approve or reject held messages by a simple policy.")

    @Option(help: "Server WebSocket URL.") var url = "ws://127.0.0.1:8080/ws"
    @Option(help: "A token with the moderation scope (see `realtime-server token --scope moderation`).") var token: String?
    @Option(help: "A shell command that prints a fresh token; run for every connection and refresh.") var tokenCommand: String?
    @Option(help: "Reject when any of the message's reasons starts with one of these (comma-separated).")
    var reject = "insult,threat,sexual,spam"
    @Flag(help: "Decide the messages waiting now, then exit.") var once = false

    func validate() throws {
        if (token == nil) == (tokenCommand == nil) { throw ValidationError("give exactly one of --token and --token-command") }
    }

    func run() async throws {
        let (fixed, command) = (token, tokenCommand)
        let client = RealtimeClient(ClientConfiguration(url: url, token: {
            if let fixed { return fixed }
            return try Self.shell(command ?? "")
        }))
        let rejected = reject.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let hello = try await client.connect()
        log("connected as \(hello["user"]?["id"]?.string ?? "?") in \(hello["user"]?["org"]?.string ?? "?")")
        try await client.subscribeModeration()
        if once {
            // Everything waiting arrives right after the subscription's `ok`.
            Task {
                try await Task.sleep(for: .seconds(1))
                await client.close()
            }
        }
        for await event in client.events {
            switch event {
            case .review(let review):
                await decide(review, rejecting: rejected, with: client)
            case .stopped(let error):
                if error.code != "closed" { throw error }
            default:
                break
            }
        }
    }

    private func decide(_ review: JSONValue, rejecting rejected: [String], with client: RealtimeClient) async {
        guard let room = review["room"]?.string, let msgID = review["msg"]?["id"]?.string else { return }
        let reasons = review["reasons"]?.array?.compactMap(\.string) ?? []
        let matched = reasons.first { reason in rejected.contains { reason.hasPrefix($0) } }
        do {
            if let matched {
                try await client.moderate(room: room, messageID: msgID, action: "reject", reason: matched)
            } else {
                try await client.moderate(room: room, messageID: msgID, action: "approve")
            }
            log("\(matched == nil ? "approved" : "rejected") \(msgID) in \(room) (reasons: \(reasons.joined(separator: ", ")))")
        } catch {
            // not_found: another bot (or the review timeout) decided first.
            log("could not decide \(msgID): \(error)")
        }
    }

    private func log(_ line: String) {
        FileHandle.standardError.write(Data("moderator-bot: \(line)\n".utf8))
    }

    private static func shell(_ command: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ValidationError("--token-command exited with \(process.terminationStatus)") }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
