import ArgumentParser
import Foundation
import LoadTestKit
import Logging

/// Runs one scenario with the resolved settings, then writes and summarises the report.
enum ScenarioExecution {
    static func execute(_ options: RunOptions, scenario: ScenarioKind?) async throws {
        let settings = try options.settings(scenario: scenario)
        let level = Logger.Level(rawValue: options.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "rts-loadtest")
        do {
            let result = try await ScenarioRunner(settings: settings, logger: logger).run()
            let directory = ReportWriter.directory(for: result, out: settings.out)
            try ReportWriter.write(result, to: directory)
            FileHandle.standardOutput.write(Data((ReportWriter.summary(result, directory: directory) + "\n").utf8))
        } catch let error as RunError {
            logger.error("\(error.description)")
            throw ExitCode.failure
        }
    }
}

struct IdleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "idle", abstract: "Hold N authenticated connections; server RSS per connection.")
    @OptionGroup var options: RunOptions
    func run() async throws { try await ScenarioExecution.execute(options, scenario: .idle) }
}

struct FanoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fanout", abstract: "R rooms × M members, P publishers at a total rate.")
    @OptionGroup var options: RunOptions
    func run() async throws { try await ScenarioExecution.execute(options, scenario: .fanout) }
}

struct MentoringCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mentoring", abstract: "1:1 mentor rooms plus groups, with typing and read receipts.")
    @OptionGroup var options: RunOptions
    func run() async throws { try await ScenarioExecution.execute(options, scenario: .mentoring) }
}

struct StormCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "storm", abstract: "Clients drop at once and recover with since; time until all recovered.")
    @OptionGroup var options: RunOptions
    func run() async throws { try await ScenarioExecution.execute(options, scenario: .storm) }
}

struct RampCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ramp", abstract: "Raise the rate until p99 passes the target or loss appears.")
    @OptionGroup var options: RunOptions
    func run() async throws { try await ScenarioExecution.execute(options, scenario: .ramp) }
}

struct SoakCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak", abstract: "Mixed traffic with clients leaving and coming back (30 min unless --duration); RSS and fd slopes.")
    @OptionGroup var options: RunOptions
    func run() async throws { try await ScenarioExecution.execute(options, scenario: .soak) }
}

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the scenario a --config file names.")
    @OptionGroup var options: RunOptions
    func run() async throws {
        guard options.config != nil else { throw ValidationError("run needs --config FILE") }
        try await ScenarioExecution.execute(options, scenario: nil)
    }
}

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan", abstract: "Capacity plan from saved result.json files (e.g. an idle and a ramp run).")
    @Argument(help: "result.json files") var results: [String]
    @Option(help: "Users U.") var users: Int = 100_000
    @Option(help: "% concurrently online A.") var onlinePercent: Double = 10
    @Option(help: "Messages per online user per minute S.") var msgsPerMinute: Double = 2
    @Option(help: "Deliveries per message.") var recipients: Double = 2
    @Option(help: "Run nodes at this % of measured capacity.") var headroomPercent: Double = 70
    @Option(help: "Connections per node (default: most held in the results).") var nodeConnections: Int?
    @Option(help: "p99 target the rates were measured against, ms.") var p99TargetMs: Double?

    func run() async throws {
        let loaded = try results.map { try ReportWriter.decode(Data(contentsOf: URL(fileURLWithPath: $0))) }
        let assumptions = CapacityPlan.Assumptions(
            users: users, onlinePercent: onlinePercent, msgsPerMinute: msgsPerMinute, recipientsPerMessage: recipients,
            headroomPercent: headroomPercent)
        guard let plan = CapacityPlanner.plan(results: loaded, assumptions: assumptions, nodeConnections: nodeConnections, p99TargetMS: p99TargetMs) else {
            throw ValidationError("no step in these results met its targets: nothing to plan with")
        }
        FileHandle.standardOutput.write(Data((CapacityReport.markdown(plan).joined(separator: "\n") + "\n").utf8))
    }
}

struct SettingsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "settings", abstract: "List every setting (scenario-file keys and --set names).")

    func run() async throws {
        var lines: [String] = []
        for key in SettingKey.all {
            lines.append(key.name.padding(toLength: 24, withPad: " ", startingAt: 0) + key.help)
        }
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }
}
