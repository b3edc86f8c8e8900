/// How one config key is read into `ServerConfig`. The table below is the single list of
/// keys: the file loader rejects anything else, and env names are derived from it.
struct Setting: Sendable {
    let key: String
    let apply: @Sendable (inout ServerConfig, Field) throws(ConfigError) -> Void

    /// `RTS_` + the key in upper case.
    var environmentName: String { ServerConfig.environmentPrefix + key.uppercased() }
}

enum Settings {
    static let all: [Setting] = [
        make("host", \.host) { try $0.string() },
        make("port", \.port) { try $0.int() },
        make("jwt_secret", \.jwtSecret) { try $0.string() },
        make("jwt_public_key_file", \.jwtPublicKeyFile) { try $0.optionalString() },
        make("tls_cert", \.tlsCert) { try $0.optionalString() },
        make("tls_key", \.tlsKey) { try $0.optionalString() },
        make("allowed_origins", \.allowedOrigins) { try $0.list() },
        make("conformance_echo", \.conformanceEcho) { try $0.bool() },
        make("web_app", \.webApp) { try $0.bool() },
        make("web_dir", \.webDir) { try $0.string() },
        make("metrics_port", \.metricsPort) { try $0.int() },
        make("metrics_host", \.metricsHost) { try $0.string() },
        make("trusted_proxies", \.trustedProxies) { try $0.list() },
        make("jwt_issuer", \.jwtIssuer) { try $0.optionalString() },
        make("jwt_audience", \.jwtAudience) { try $0.optionalString() },
        make("max_token_lifetime_s", \.maxTokenLifetimeS) { try $0.int() },

        make("data_dir", \.dataDir) { try $0.string() },
        make("db_path", \.dbPath) { try $0.optionalString() },
        make("database_url", \.databaseURL) { try $0.optionalString() },
        make("redis_url", \.redisURL) { try $0.optionalString() },
        make("node_id", \.nodeID) { try $0.string() },
        make("sqlite_synchronous", \.sqliteSynchronous) { try $0.oneOf(ServerConfig.SQLiteSynchronous.self) },
        make("encryption_keys_file", \.encryptionKeysFile) { try $0.optionalString() },
        make("encryption_keys", \.encryptionKeys) { try $0.optionalString() },

        make("log_level", \.logLevel) { try $0.string().lowercased() },
        make("log_format", \.logFormat) { try $0.oneOf(ServerConfig.LogFormat.self) },

        make("max_frame_bytes", \.maxFrameBytes) { try $0.int() },
        make("auth_timeout_ms", \.authTimeoutMS) { try $0.int() },
        make("heartbeat_ms", \.heartbeatMS) { try $0.int() },
        make("max_text", \.maxText) { try $0.int() },
        make("recovery_max", \.recoveryMax) { try $0.int() },
        make("presence_grace_ms", \.presenceGraceMS) { try $0.int() },
        make("max_outbound_bytes", \.maxOutboundBytes) { try $0.int() },
        make("shutdown_grace_ms", \.shutdownGraceMS) { try $0.int() },
        make("typing_timeout_ms", \.typingTimeoutMS) { try $0.int() },
        make("typing_dedup_ms", \.typingDedupMS) { try $0.int() },
        make("idempotency_window_ms", \.idempotencyWindowMS) { try $0.int() },

        make("message_retention_days", \.messageRetentionDays) { try $0.int() },
        make("audit_retention_days", \.auditRetentionDays) { try $0.int() },
        make("retention_overrides", \.retentionOverrides) { try $0.list() },
        make("retention_interval_s", \.retentionIntervalS) { try $0.int() },

        make("daily_message_points", \.dailyMessagePoints) { try $0.int() },
        make("org_timezone", \.orgTimezone) { try $0.string() },

        make("review_timeout_ms", \.reviewTimeoutMS) { try $0.int() },
        make("hold_default", \.holdDefault) { try $0.oneOf(ServerConfig.HoldDefault.self) },
        make("moderation_dir", \.moderationDir) { try $0.string() },

        make("send_rate", \.sendRate) { try $0.double() },
        make("send_burst", \.sendBurst) { try $0.int() },
        make("frame_rate", \.frameRate) { try $0.double() },
        make("frame_burst", \.frameBurst) { try $0.int() },
        make("conn_rate_per_ip", \.connRatePerIP) { try $0.double() },
        make("conn_burst_per_ip", \.connBurstPerIP) { try $0.int() },
        make("rate_limited_close_threshold", \.rateLimitedCloseThreshold) { try $0.int() },
        make("edit_rate", \.editRate) { try $0.double() },
        make("edit_burst", \.editBurst) { try $0.int() },
        make("react_rate", \.reactRate) { try $0.double() },
        make("react_burst", \.reactBurst) { try $0.int() },
        make("signal_rate", \.signalRate) { try $0.double() },
        make("signal_burst", \.signalBurst) { try $0.int() },
        make("history_rate", \.historyRate) { try $0.double() },
        make("history_burst", \.historyBurst) { try $0.int() },
        make("room_rate", \.roomRate) { try $0.double() },
        make("room_burst", \.roomBurst) { try $0.int() },
        make("subscribe_rate", \.subscribeRate) { try $0.double() },
        make("subscribe_burst", \.subscribeBurst) { try $0.int() },
        make("max_sessions_per_user", \.maxSessionsPerUser) { try $0.int() },
        make("max_connections_per_ip", \.maxConnectionsPerIP) { try $0.int() },
        make("http_rate_per_ip", \.httpRatePerIP) { try $0.double() },
        make("http_burst_per_ip", \.httpBurstPerIP) { try $0.int() },
    ]

    static let byKey: [String: Setting] = Dictionary(uniqueKeysWithValues: all.map { ($0.key, $0) })

    /// A null value (YAML `~`, empty env var) puts the built-in default back.
    private static func make<Value: Sendable>(
        _ key: String,
        _ path: WritableKeyPath<ServerConfig, Value> & Sendable,
        // Untyped: closures don't infer typed throws from context yet; every parser throws ConfigError.
        _ parse: @escaping @Sendable (Field) throws -> Value
    ) -> Setting {
        Setting(key: key) { config, field throws(ConfigError) in
            guard field.value != .null else {
                config[keyPath: path] = ServerConfig.defaults[keyPath: path]
                return
            }
            do {
                config[keyPath: path] = try parse(field)
            } catch let error as ConfigError {
                throw error
            } catch {
                throw field.invalid("valid")
            }
        }
    }
}

extension Field {
    /// For optional paths and files: an empty string means "not set".
    func optionalString() throws(ConfigError) -> String? {
        let text = try string().trimmingSpaces()
        return text.isEmpty ? nil : text
    }

    func oneOf<Choice: RawRepresentable & CaseIterable>(_: Choice.Type) throws(ConfigError) -> Choice
    where Choice.RawValue == String {
        let names = Choice.allCases.map(\.rawValue).joined(separator: " or ")
        guard let choice = Choice(rawValue: try scalar(names).trimmingSpaces().lowercased()) else {
            throw invalid(names)
        }
        return choice
    }
}
