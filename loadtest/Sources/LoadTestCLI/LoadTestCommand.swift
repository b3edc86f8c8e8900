import ArgumentParser

/// `rts-loadtest`: the load generator and capacity planner of realtime-server.
@main
struct LoadTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rts-loadtest",
        abstract: "Drive realtime-server with thousands of protocol-v1 clients and plan capacity.",
        discussion: """
        Each scenario reads defaults, then --config FILE (YAML, keys as in `rts-loadtest settings`), \
        then command-line options; later sources win. Reports go to loadtest/reports/<timestamp>-<scenario>/ \
        unless --out is given.
        """,
        subcommands: [
            IdleCommand.self, FanoutCommand.self, MentoringCommand.self, StormCommand.self, RampCommand.self, SoakCommand.self,
            RunCommand.self, PlanCommand.self, SettingsCommand.self,
        ])
}
