import Configuration
import Foundation

/// Temporary files for config tests; each call gets its own path.
enum Fixtures {
    /// Long enough for the 32-byte minimum.
    static let secret = "test-secret-0123456789abcdef-0123"
    static let secretEnv = ["RTS_JWT_SECRET": secret]

    static func file(_ contents: String, suffix: String = ".yaml") -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("rts-config-\(UUID().uuidString)\(suffix)").path
        try? Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Loads YAML (with a secret unless the YAML or env sets one) and returns the config or the error.
    static func load(_ yaml: String, env: [String: String] = [:]) -> Result<ServerConfig, ConfigError> {
        let path = file(yaml)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return Result { () throws(ConfigError) in
            try ServerConfig.load(path: path, environment: secretEnv.merging(env) { _, new in new })
        }
    }

    static func error(_ yaml: String, env: [String: String] = [:]) -> ConfigError? {
        if case .failure(let error) = load(yaml, env: env) { return error }
        return nil
    }

    /// The repository's shipped config file.
    static let shippedConfigPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("config/realtime-server.yaml").path
}
