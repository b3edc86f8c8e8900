import Foundation
import Wire

#if canImport(Glibc)
    import Glibc
#endif

extension ServerConfig {
    /// Largest accepted integer setting: keeps ms → ns and byte arithmetic far from overflow.
    static let maxInteger = Int(Int32.max)
    static let maxRate = 1_000_000_000.0

    /// Checks every rule; `load` calls this. Useful for configs built in code too.
    public func validate() throws(ConfigError) {
        try validate(origins: [:])
    }

    func validate(origins: [String: Origin]) throws(ConfigError) {
        let check = Validator(origins: origins)

        try check.nonEmpty("host", host)
        try check.range("port", port, 0...65535)
        if let metricsPort {
            try check.range("metrics_port", metricsPort, 0...65535)
            if metricsPort != 0 && metricsPort == port {
                throw check.error("metrics_port", "must differ from port", metricsPort)
            }
        }
        // HS256 is required by the protocol; a public key only adds RS256/ES256.
        if jwtSecret.isEmpty {
            throw ConfigError(key: "jwt_secret", "jwt_secret is required (set RTS_JWT_SECRET)")
        }
        // The secret itself is never echoed: only its length.
        if jwtSecret.utf8.count < Self.minimumSecretBytes {
            throw ConfigError(
                key: "jwt_secret",
                "\(check.name("jwt_secret")) must be at least \(Self.minimumSecretBytes) bytes, got \(jwtSecret.utf8.count) (e.g. RTS_JWT_SECRET=$(openssl rand -base64 48))")
        }
        // Everybody has the shipped secret, so anybody could mint an admin token for a reachable server.
        if jwtSecret == Self.developmentSecret && !Self.isLoopback(host) {
            throw ConfigError(
                key: "jwt_secret",
                "\(check.name("jwt_secret")) is the shipped development secret, allowed only when host is loopback (host is \(Field.quoted(host))): set RTS_JWT_SECRET to a random value")
        }
        if let file = jwtPublicKeyFile { try check.readableFile("jwt_public_key_file", file) }
        if let file = encryptionKeysFile {
            guard encryptionKeys == nil else {
                throw ConfigError(key: "encryption_keys", "set encryption_keys_file or encryption_keys, not both")
            }
            try check.readableFile("encryption_keys_file", file)
        }
        switch (tlsCert, tlsKey) {
        case (nil, nil): break
        case (let cert?, let key?):
            try check.readableFile("tls_cert", cert)
            try check.readableFile("tls_key", key)
        case (nil, _?): throw ConfigError(key: "tls_cert", "tls_cert and tls_key must be set together (tls_key is set, tls_cert is not)")
        case (_?, nil): throw ConfigError(key: "tls_key", "tls_cert and tls_key must be set together (tls_cert is set, tls_key is not)")
        }
        try check.nonEmpty("metrics_host", metricsHost)
        for proxy in trustedProxies where proxy.isEmpty {
            throw check.error("trusted_proxies", "must not contain empty entries", trustedProxies.joined(separator: ","))
        }
        if let jwtIssuer { try check.nonEmpty("jwt_issuer", jwtIssuer) }
        if let jwtAudience { try check.nonEmpty("jwt_audience", jwtAudience) }
        for origin in allowedOrigins where origin.isEmpty {
            throw check.error("allowed_origins", "must not contain empty entries", allowedOrigins.joined(separator: ","))
        }

        try check.nonEmpty("data_dir", dataDir)
        if let dbPath { try check.nonEmpty("db_path", dbPath) }
        if let databaseURL { try check.scheme("database_url", databaseURL, ["postgres", "postgresql"]) }
        if let redisURL { try check.scheme("redis_url", redisURL, ["redis", "rediss"]) }
        if redisURL != nil && databaseURL == nil {
            throw ConfigError(
                key: "redis_url",
                "cluster mode (redis_url) needs a store every node shares: set database_url (RTS_DATABASE_URL) to a postgres:// URL")
        }
        if !Self.isValidNodeID(nodeID) {
            throw check.error("node_id", "must match [A-Za-z0-9._:@-]{1,128}", nodeID)
        }

        if !Self.logLevels.contains(logLevel) {
            throw check.error("log_level", "must be one of \(Self.logLevels.joined(separator: ", "))", logLevel)
        }

        let positive: [(String, Int)] = [
            ("max_frame_bytes", maxFrameBytes), ("auth_timeout_ms", authTimeoutMS), ("heartbeat_ms", heartbeatMS),
            ("max_text", maxText), ("recovery_max", recoveryMax), ("max_outbound_bytes", maxOutboundBytes),
            ("shutdown_grace_ms", shutdownGraceMS), ("typing_timeout_ms", typingTimeoutMS),
            ("idempotency_window_ms", idempotencyWindowMS), ("review_timeout_ms", reviewTimeoutMS),
            ("send_burst", sendBurst), ("frame_burst", frameBurst), ("conn_burst_per_ip", connBurstPerIP),
            ("rate_limited_close_threshold", rateLimitedCloseThreshold), ("max_token_lifetime_s", maxTokenLifetimeS),
            ("max_connections_per_ip", maxConnectionsPerIP), ("http_burst_per_ip", httpBurstPerIP),
            ("edit_burst", editBurst), ("react_burst", reactBurst), ("signal_burst", signalBurst), ("history_burst", historyBurst),
            ("room_burst", roomBurst), ("subscribe_burst", subscribeBurst), ("max_sessions_per_user", maxSessionsPerUser),
            ("retention_interval_s", retentionIntervalS),
        ]
        for (key, value) in positive { try check.range(key, value, 1...Self.maxInteger) }
        // Zero is meaningful here: no grace, no de-duplication, no points.
        let nonNegative: [(String, Int)] = [
            ("presence_grace_ms", presenceGraceMS), ("typing_dedup_ms", typingDedupMS),
            ("daily_message_points", dailyMessagePoints),
        ]
        for (key, value) in nonNegative { try check.range(key, value, 0...Self.maxInteger) }
        for (key, value) in [("message_retention_days", messageRetentionDays), ("audit_retention_days", auditRetentionDays)] {
            try check.range(key, value, 0...Self.maxRetentionDays)
        }
        _ = try retentionOverridesByOrg()
        let rates = [
            ("send_rate", sendRate), ("frame_rate", frameRate), ("conn_rate_per_ip", connRatePerIP), ("http_rate_per_ip", httpRatePerIP),
            ("edit_rate", editRate), ("react_rate", reactRate), ("signal_rate", signalRate), ("history_rate", historyRate),
            ("room_rate", roomRate), ("subscribe_rate", subscribeRate),
        ]
        for (key, value) in rates {
            guard value > 0, value <= Self.maxRate else {
                throw check.error(key, "must be a positive number of events per second", value)
            }
        }

        if orgTimezone.isEmpty || TimeZone(identifier: orgTimezone) == nil {
            throw check.error("org_timezone", "must be a known IANA time zone", orgTimezone)
        }
    }

    /// `localhost`, `::1` or an address in 127.0.0.0/8: reachable from this machine only.
    public static func isLoopback(_ host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if bare == "localhost" || bare == "::1" { return true }
        var address = in_addr()
        return inet_pton(AF_INET, bare, &address) == 1 && UInt32(bigEndian: address.s_addr) >> 24 == 127
    }

    static func isValidNodeID(_ id: String) -> Bool {
        Identifier.isValid(id)
    }
}

/// Builds messages like `port (RTS_PORT) must be between 0 and 65535, got 70000`.
private struct Validator {
    let origins: [String: Origin]

    func name(_ key: String) -> String {
        switch origins[key] {
        case .environment(let variable)?: "\(key) (\(variable))"
        case .file(let path)?: "\(key) (in \(path))"
        case nil: key
        }
    }

    func error(_ key: String, _ rule: String, _ value: Any) -> ConfigError {
        let shown = value is String ? Field.quoted("\(value)") : "\(value)"
        return ConfigError(key: key, "\(name(key)) \(rule), got \(shown)")
    }

    func range(_ key: String, _ value: Int, _ range: ClosedRange<Int>) throws(ConfigError) {
        guard range.contains(value) else {
            throw error(key, "must be between \(range.lowerBound) and \(range.upperBound)", value)
        }
    }

    func nonEmpty(_ key: String, _ value: String) throws(ConfigError) {
        guard !value.trimmingSpaces().isEmpty else { throw ConfigError(key: key, "\(name(key)) must not be empty") }
    }

    func scheme(_ key: String, _ url: String, _ schemes: [String]) throws(ConfigError) {
        let scheme = url.range(of: "://").map { url[..<$0.lowerBound].lowercased() }
        guard let scheme, schemes.contains(scheme) else {
            let expected = schemes.map { "\($0)://" }.joined(separator: " or ")
            throw ConfigError(key: key, "\(name(key)) must be a \(expected) URL")  // no echo: URLs carry passwords
        }
    }

    /// Fails at start-up rather than at the first TLS handshake or token.
    func readableFile(_ key: String, _ path: String) throws(ConfigError) {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw error(key, "must be a readable file", path)
        }
    }
}
