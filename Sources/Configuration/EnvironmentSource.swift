/// Reads `RTS_<KEY>` variables into fields; they are applied after the file, so they win.
enum EnvironmentSource {
    static func fields(_ environment: [String: String]) -> [Field] {
        Settings.all.compactMap { setting in
            guard let raw = environment[setting.environmentName] else { return nil }
            // An empty variable (as compose files often pass) resets the key rather than being a value.
            let value: Field.Value = raw.trimmingSpaces().isEmpty ? .null : .scalar(raw)
            return Field(key: setting.key, value: value, origin: .environment(setting.environmentName))
        }
    }

    /// `RTS_*` variables that match no key, most likely typos; the caller may warn about them.
    static func unknownNames(_ environment: [String: String]) -> [String] {
        let known = Set(Settings.all.map(\.environmentName))
        return environment.keys
            .filter { $0.hasPrefix(ServerConfig.environmentPrefix) && !known.contains($0) }
            .sorted()
    }
}
