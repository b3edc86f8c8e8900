import Foundation
import Wire

extension ServerConfig {
    public static let defaultPath = "config/realtime-server.yaml"
    public static let environmentPrefix = "RTS_"
    /// The secret in the shipped development config: accepted only on a loopback host (and warned about).
    public static let developmentSecret = "dev-secret-change-me-loopback-only-0123"
    /// Shortest accepted HS256 secret: the digest size (RFC 7518 §3.2).
    public static let minimumSecretBytes = 32

    /// Every config key, in file order.
    public static var keys: [String] { Settings.all.map(\.key) }

    /// The environment variable that overrides `key`: `RTS_` + the key in upper case.
    public static func environmentName(for key: String) -> String {
        environmentPrefix + key.uppercased()
    }

    /// `RTS_*` variables that match no key (likely typos), for the caller to warn about.
    public static func unknownEnvironmentVariables(in environment: [String: String]) -> [String] {
        EnvironmentSource.unknownNames(environment)
    }

    /// Loads the file (`path`, or `config/realtime-server.yaml` if present when nil, looked up in the
    /// working directory and then beside the executable), then applies
    /// `RTS_*` overrides from `environment`, then validates. An explicit `path` must exist.
    /// `installDirectory` is where shipped files are looked for after the working directory (tests pass nil).
    public static func load(
        path: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
        installDirectory: URL? = InstallLocation.executableDirectory()
    ) throws(ConfigError) -> ServerConfig {
        let file: String?
        if let path {
            guard FileManager.default.fileExists(atPath: path) else {
                throw ConfigError(key: nil, "config file not found: \(path)")
            }
            file = path
        } else {
            file = InstallLocation.find(defaultPath, beside: installDirectory)
        }

        var fields: [Field] = []
        if let file { fields = try YAMLSource.fields(path: file) }
        fields += EnvironmentSource.fields(environment)  // after the file: the environment wins

        var config = ServerConfig()
        var origins: [String: Origin] = [:]
        for field in fields {
            guard let setting = Settings.byKey[field.key] else { continue }
            try setting.apply(&config, field)
            origins[field.key] = field.origin
        }
        // Unset (or reset with null) node_id: the per-process default, not the static "node-1".
        if fields.last(where: { $0.key == "node_id" })?.value ?? .null == .null {
            config.nodeID = defaultNodeID()
        }
        // Relative shipped directories missing from the working directory: the ones beside the executable.
        if !config.moderationDir.isEmpty, !config.moderationDir.hasPrefix("/"), let shipped = InstallLocation.find(config.moderationDir, beside: installDirectory) {
            config.moderationDir = shipped
        }
        if !config.webDir.hasPrefix("/"), let shipped = InstallLocation.find(config.webDir, beside: installDirectory) {
            config.webDir = shipped
        }
        try config.validate(origins: origins)
        return config
    }

    /// `<hostname>-<pid>`: unique per process in a cluster without any setup.
    static func defaultNodeID() -> String {
        let host = String(decoding: ProcessInfo.processInfo.hostName.utf8.map { Identifier.isAllowed($0) ? $0 : UInt8(ascii: "-") }, as: UTF8.self)
        let pid = ProcessInfo.processInfo.processIdentifier
        guard !host.isEmpty else { return ServerConfig.defaults.nodeID }
        return String("\(host.prefix(100))-\(pid)")
    }
}
