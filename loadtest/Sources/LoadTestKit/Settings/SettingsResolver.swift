import Foundation
import Yams

/// Builds the settings of a run: defaults, then a scenario file, then overrides
/// (`name=value` pairs from the command line), each later source winning.
public enum SettingsResolver {
    public static func resolve(
        scenario: ScenarioKind?, fileText: String?, overrides: [(name: String, values: [String])]
    ) throws(SettingsError) -> LoadTestSettings {
        var settings = LoadTestSettings()
        let filePairs = try fileText.map { text throws(SettingsError) in try ScenarioFile.pairs(fromYAML: text) } ?? []
        for pair in filePairs {
            try apply(pair.name, pair.values, to: &settings)
        }
        if let scenario { settings.scenario = scenario }
        for pair in overrides {
            try apply(pair.name, pair.values, to: &settings)
        }
        // A soak is long unless told otherwise; every other scenario keeps the common default.
        let durationGiven = (filePairs.map(\.name) + overrides.map(\.name)).contains("duration")
        if settings.scenario == .soak && !durationGiven { settings.durationSeconds = LoadTestSettings.soakDefaultSeconds }
        try validate(settings)
        return settings
    }

    /// Parses one `--set name=value` argument.
    public static func parseAssignment(_ text: String) throws(SettingsError) -> (name: String, values: [String]) {
        guard let equals = text.firstIndex(of: "=") else { throw SettingsError("'\(text)' is not name=value") }
        let name = String(text[..<equals]).trimmingCharacters(in: .whitespaces)
        return (name, [String(text[text.index(after: equals)...])])
    }

    public static func apply(_ name: String, _ values: [String], to settings: inout LoadTestSettings) throws(SettingsError) {
        guard let key = SettingKey.named(name) else { throw SettingsError("unknown setting '\(name)'") }
        try key.apply(&settings, values)
    }

    static func validate(_ settings: LoadTestSettings) throws(SettingsError) {
        for url in settings.urls { _ = try ServerEndpoint(url: url) }
        guard settings.rooms >= 1, settings.members >= 1 else { throw SettingsError("rooms and members must be at least 1") }
        guard settings.publishers >= 1 else { throw SettingsError("publishers must be at least 1") }
        guard settings.publishers <= settings.rooms * settings.members else {
            throw SettingsError("publishers (\(settings.publishers)) exceed rooms × members (\(settings.rooms * settings.members))")
        }
        guard settings.messageBytes >= 24, settings.messageBytes <= 4000 else { throw SettingsError("message_bytes must be 24…4000 (max_text)") }
        guard settings.connectConcurrency >= 1 else { throw SettingsError("connect_concurrency must be at least 1") }
        guard settings.rampTopology == .fanout || settings.rampTopology == .mentoring else {
            throw SettingsError("ramp_topology must be fanout or mentoring")
        }
        guard settings.connections.allSatisfy({ $0 >= 1 }) else { throw SettingsError("connections must be positive") }
        guard settings.mentors >= 1 else { throw SettingsError("mentors must be at least 1") }
        guard settings.sampleSeconds > 0, settings.churnIntervalSeconds > 0 else { throw SettingsError("sample_seconds and churn_interval must be positive") }
    }
}
