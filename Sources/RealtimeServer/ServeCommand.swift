import ArgumentParser
import Configuration
import Foundation
import Gateway
import Logging
import ServiceLifecycle
import UnixSignals

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the server (the default).")

    @OptionGroup var options: ConfigOption

    func run() async throws {
        let config = try ServerConfig.load(path: options.config, environment: ProcessInfo.processInfo.environment)
        LogSetup.bootstrap(level: config.logLevel, format: config.logFormat.rawValue)
        var logger = Logger(label: "realtime-server")
        logger[metadataKey: "node"] = "\(config.nodeID)"
        if config.jwtSecret == ServerConfig.developmentSecret {
            logger.warning("using the development JWT secret; set RTS_JWT_SECRET in production")
        }
        let node = try await RealtimeNode.open(config: config, logger: logger)
        let group = ServiceGroup(
            configuration: .init(services: [node], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        // SIGHUP re-reads the moderation rules without a restart.
        let reloads = Task {
            for await _ in await UnixSignalsSequence(trapping: .sighup) { node.reloadModeration() }
        }
        defer { reloads.cancel() }
        try await group.run()
    }
}
