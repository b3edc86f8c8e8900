import ArgumentParser
import Configuration
import Foundation
import Logging
import Moderation

/// Reads text lines on stdin and prints one JSON verdict per line: how an operator tunes rules
/// and thresholds before deploying them.
struct ModerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moderate", abstract: "Screen stdin lines with the moderation pipeline; one JSON verdict per line.")

    @OptionGroup var options: ConfigOption
    @Option(help: "Org whose rules apply (config/moderation/orgs/<org>.json).") var org: String = "default"
    @Option(help: "User the lines come from (spam checks and conversations count per user).") var user: String = "operator"
    @Option(help: "The sender's role (admin, mentor, student, guest).") var role: String?
    @Option(help: "Who reads the lines: a role for a 1:1 room with someone of that role, or `group`. Default: not known, judged as the riskiest conversation.")
    var to: String?

    func run() async throws {
        let config = try ServerConfig.load(path: options.config, environment: ProcessInfo.processInfo.environment)
        let pipeline = try ModerationPipeline(directory: config.moderationDir, logger: LogSetup.quiet("moderate"))
        let audience: ModerationContext.Audience = switch to {
        case nil: .unknown
        case "group"?: .group
        case let role?: .direct(peer: "cli-peer", peerRole: role)
        }
        let context = ModerationContext(org: org, room: "cli", user: user, role: role, audience: audience)
        while let line = readLine(strippingNewline: true) {
            let verdict = pipeline.screen(line, context: context)
            FileHandle.standardOutput.write(Data((verdictJSON(verdict) + "\n").utf8))
        }
    }
}

/// Precision and recall per category and the latency distribution on a labelled set.
struct ModerationEvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moderation-eval", abstract: "Evaluate the moderation pipeline on a labelled set and measure its latency.")

    @OptionGroup var options: ConfigOption
    @Option(help: "Labelled set (TSV: action, category, user[@FROM>TO], text); repeat for several. Default: every .tsv in the moderation directory's eval/.")
    var set: [String] = []
    @Option(help: "Timed runs of each line.") var iterations: Int = 200

    func run() async throws {
        let config = try ServerConfig.load(path: options.config, environment: ProcessInfo.processInfo.environment)
        let pipeline = try ModerationPipeline(directory: config.moderationDir, logger: LogSetup.quiet("moderation-eval"))
        let sets = set.isEmpty ? try ModerationBenchmark.evaluationSets(in: config.moderationDir) : set
        let report = try ModerationBenchmark.run(pipeline: pipeline, setPaths: sets, iterations: iterations)
        FileHandle.standardOutput.write(Data("\(report)\n".utf8))
    }
}
