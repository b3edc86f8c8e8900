import ArgumentParser

@main
struct RealtimeServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "realtime-server",
        abstract: "The live collaboration core: WebSocket chat, presence and typing (protocol v1).",
        subcommands: [
            ServeCommand.self, TokenCommand.self, ModerateCommand.self, ModerationEvalCommand.self, ModerationFeaturesCommand.self, AuditCommand.self, BackupCommand.self,
            RestoreCommand.self, GDPRCommand.self, KeysCommand.self,
        ],
        defaultSubcommand: ServeCommand.self
    )
}

/// `--config PATH`, shared by every subcommand that reads the configuration.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "Configuration file (YAML). Default: config/realtime-server.yaml when present.")
    var config: String?
}
