import Wire

/// How long an org's messages and audit entries are kept, in days (0: forever).
public struct RetentionDays: Sendable, Equatable {
    public var messages: Int
    public var audit: Int

    public init(messages: Int, audit: Int) {
        self.messages = messages
        self.audit = audit
    }
}

extension ServerConfig {
    /// Longest retention that can be set: a century (and far from overflowing milliseconds).
    static let maxRetentionDays = 36_500

    /// Every org's retention but those in `retention_overrides`.
    public var defaultRetention: RetentionDays {
        RetentionDays(messages: messageRetentionDays, audit: auditRetentionDays)
    }

    /// `retention_overrides` by org: entries `<org>=<message days>/<audit days>` (0 keeps forever).
    public func retentionOverridesByOrg() throws(ConfigError) -> [String: RetentionDays] {
        var overrides: [String: RetentionDays] = [:]
        for entry in retentionOverrides {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            let days = parts.count == 2 ? parts[1].split(separator: "/", omittingEmptySubsequences: false).map { Int($0) } : []
            guard parts.count == 2, Identifier.isValid(parts[0]), days.count == 2,
                let messages = days[0], let audit = days[1],
                (0...Self.maxRetentionDays).contains(messages), (0...Self.maxRetentionDays).contains(audit)
            else {
                throw ConfigError(
                    key: "retention_overrides",
                    "retention_overrides entry \(Field.quoted(entry)) must be <org>=<message days>/<audit days>, each 0 to \(Self.maxRetentionDays) (0 keeps forever), e.g. acme=30/365")
            }
            guard overrides[parts[0]] == nil else {
                throw ConfigError(key: "retention_overrides", "retention_overrides lists org \(Field.quoted(parts[0])) twice")
            }
            overrides[parts[0]] = RetentionDays(messages: messages, audit: audit)
        }
        return overrides
    }
}
