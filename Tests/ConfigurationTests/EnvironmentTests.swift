import Configuration
import Testing

@Suite struct EnvironmentTests {
    func load(_ env: [String: String], yaml: String = "") -> Result<ServerConfig, ConfigError> {
        Fixtures.load(yaml, env: env)
    }

    @Test func everyKeyHasAVariable() throws {
        let env = [
            "RTS_HOST": "0.0.0.0", "RTS_PORT": "1234", "RTS_DATA_DIR": "/var/rts", "RTS_DB_PATH": "/db.sqlite",
            "RTS_DATABASE_URL": "postgres://u:p@h/db", "RTS_REDIS_URL": "redis://r:6379", "RTS_NODE_ID": "n",
            "RTS_CONFORMANCE_ECHO": "1", "RTS_METRICS_PORT": "9100", "RTS_LOG_LEVEL": "warning", "RTS_LOG_FORMAT": "json",
            "RTS_ALLOWED_ORIGINS": "https://a.example, https://b.example,", "RTS_MAX_FRAME_BYTES": "1000",
            "RTS_AUTH_TIMEOUT_MS": "1", "RTS_HEARTBEAT_MS": "2", "RTS_MAX_TEXT": "3", "RTS_RECOVERY_MAX": "4",
            "RTS_PRESENCE_GRACE_MS": "0", "RTS_MAX_OUTBOUND_BYTES": "6", "RTS_SHUTDOWN_GRACE_MS": "7",
            "RTS_DAILY_MESSAGE_POINTS": "8", "RTS_REVIEW_TIMEOUT_MS": "9", "RTS_HOLD_DEFAULT": "approve",
            "RTS_SEND_RATE": "1.5", "RTS_SEND_BURST": "11", "RTS_FRAME_RATE": "12", "RTS_FRAME_BURST": "13",
            "RTS_CONN_RATE_PER_IP": "1000", "RTS_CONN_BURST_PER_IP": "2000", "RTS_TYPING_TIMEOUT_MS": "14",
            "RTS_TYPING_DEDUP_MS": "15", "RTS_IDEMPOTENCY_WINDOW_MS": "16", "RTS_ORG_TIMEZONE": "Europe/Paris",
            "RTS_RATE_LIMITED_CLOSE_THRESHOLD": "17",
        ]
        let config = try load(env).get()
        #expect(config.host == "0.0.0.0" && config.port == 1234 && config.dataDir == "/var/rts")
        #expect(config.sqlitePath == "/db.sqlite" && config.databaseURL == "postgres://u:p@h/db")
        #expect(config.redisURL == "redis://r:6379" && config.nodeID == "n" && config.conformanceEcho)
        #expect(config.metricsPort == 9100 && config.logLevel == "warning" && config.logFormat == .json)
        #expect(config.allowedOrigins == ["https://a.example", "https://b.example"])
        #expect(config.maxFrameBytes == 1000 && config.authTimeoutMS == 1 && config.heartbeatMS == 2)
        #expect(config.maxText == 3 && config.recoveryMax == 4 && config.presenceGraceMS == 0)
        #expect(config.maxOutboundBytes == 6 && config.shutdownGraceMS == 7 && config.dailyMessagePoints == 8)
        #expect(config.reviewTimeoutMS == 9 && config.holdDefault == .approve)
        #expect(config.sendRate == 1.5 && config.sendBurst == 11 && config.frameRate == 12 && config.frameBurst == 13)
        #expect(config.connRatePerIP == 1000 && config.connBurstPerIP == 2000)
        #expect(config.typingTimeoutMS == 14 && config.typingDedupMS == 15 && config.idempotencyWindowMS == 16)
        #expect(config.orgTimezone == "Europe/Paris" && config.rateLimitedCloseThreshold == 17)
        #expect(config.jwtSecret == Fixtures.secret)
    }

    @Test(arguments: [("1", true), ("true", true), ("TRUE", true), ("yes", true), ("0", false), ("false", false), ("no", false)])
    func booleans(value: String, expected: Bool) throws {
        #expect(try load(["RTS_CONFORMANCE_ECHO": value], yaml: "conformance_echo: \(!expected)").get().conformanceEcho == expected)
    }

    @Test func badBooleanNamesTheVariable() {
        let error = Fixtures.error("", env: ["RTS_CONFORMANCE_ECHO": "enabled"])
        #expect(error?.key == "conformance_echo")
        #expect(error?.message == #"RTS_CONFORMANCE_ECHO must be a boolean (true/false/1/0), got "enabled""#)
    }

    @Test func badNumbersNameTheVariable() {
        let error = Fixtures.error("", env: ["RTS_MAX_TEXT": "4k"])
        #expect(error?.message == #"RTS_MAX_TEXT must be an integer, got "4k""#)
        #expect(Fixtures.error("", env: ["RTS_PORT": "80.5"])?.message.hasPrefix("RTS_PORT must be an integer") == true)
        #expect(Fixtures.error("", env: ["RTS_SEND_RATE": "fast"])?.message == #"RTS_SEND_RATE must be a number, got "fast""#)
        #expect(Fixtures.error("", env: ["RTS_SEND_RATE": "inf"])?.message.hasPrefix("RTS_SEND_RATE must be a number") == true)
        #expect(Fixtures.error("", env: ["RTS_FRAME_RATE": "nan"])?.key == "frame_rate")
        #expect(Fixtures.error("", env: ["RTS_MAX_TEXT": "99999999999999999999999"])?.key == "max_text")
    }

    @Test func numbersToleratePaddingAndSeparators() throws {
        let config = try load(["RTS_MAX_TEXT": " 500 ", "RTS_MAX_OUTBOUND_BYTES": "2_000_000", "RTS_SEND_RATE": "1e2"]).get()
        #expect(config.maxText == 500 && config.maxOutboundBytes == 2_000_000 && config.sendRate == 100)
    }

    @Test func emptyVariableResetsToDefault() throws {
        let yaml = "redis_url: redis://x\nmax_text: 10\nallowed_origins: [a]\nhost: 0.0.0.0\n"
        let config = try load(["RTS_REDIS_URL": "", "RTS_MAX_TEXT": "", "RTS_ALLOWED_ORIGINS": " ", "RTS_HOST": ""], yaml: yaml).get()
        #expect(config.redisURL == nil && config.maxText == 4000 && config.allowedOrigins.isEmpty && config.host == "127.0.0.1")
    }

    @Test func emptySecretVariableDoesNotFallBackSilently() {
        // Resets to the built-in default (none), even though the file has one: a blank secret is never used.
        #expect(Fixtures.error("jwt_secret: from-file\n", env: ["RTS_JWT_SECRET": ""])?.key == "jwt_secret")
    }

    @Test func validationErrorsNameTheVariable() {
        let error = Fixtures.error("", env: ["RTS_PORT": "70000"])
        #expect(error?.message == "port (RTS_PORT) must be between 0 and 65535, got 70000")
    }

    @Test func enumValuesFromEnvironment() {
        #expect(Fixtures.error("", env: ["RTS_HOLD_DEFAULT": "maybe"])?.message == #"RTS_HOLD_DEFAULT must be reject or approve, got "maybe""#)
        #expect(Fixtures.error("", env: ["RTS_LOG_FORMAT": "xml"])?.message == #"RTS_LOG_FORMAT must be plain or json, got "xml""#)
    }
}
