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
    @Option(help: "User the lines come from (spam checks count per user).") var user: String = "operator"

    func run() async throws {
        let config = try ServerConfig.load(path: options.config, environment: ProcessInfo.processInfo.environment)
        let pipeline = try ModerationPipeline(directory: config.moderationDir, logger: LogSetup.quiet("moderate"))
        let context = ModerationContext(org: org, room: "cli", user: user)
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
    @Option(help: "Labelled set (TSV: action, category, user, text).") var set: String = "config/moderation/eval/labelled.tsv"
    @Option(help: "Timed runs of each line.") var iterations: Int = 200

    func run() async throws {
        let config = try ServerConfig.load(path: options.config, environment: ProcessInfo.processInfo.environment)
        let pipeline = try ModerationPipeline(directory: config.moderationDir, logger: LogSetup.quiet("moderation-eval"))
        let report = try ModerationBenchmark.run(pipeline: pipeline, setPath: set, iterations: iterations)
        FileHandle.standardOutput.write(Data("\(report)\n".utf8))
    }
}
