import Configuration
import Foundation
import Testing

@Suite struct ValidationTests {
    func error(_ yaml: String) -> ConfigError? { Fixtures.error(yaml) }

    @Test(arguments: ["-1", "65536", "70000"])
    func portOutOfRange(port: String) {
        #expect(error("port: \(port)")?.key == "port")
        #expect(error("metrics_port: \(port)")?.key == "metrics_port")
    }

    @Test func portBoundsAccepted() throws {
        #expect(try Fixtures.load("port: 0").get().port == 0)
        #expect(try Fixtures.load("port: 65535\nmetrics_port: 0").get().metricsPort == 0)
    }

    @Test func metricsPortMustDifferFromPort() {
        #expect(error("port: 9000\nmetrics_port: 9000")?.key == "metrics_port")
    }

    @Test(arguments: [
        "max_frame_bytes", "auth_timeout_ms", "heartbeat_ms", "max_text", "recovery_max", "max_outbound_bytes",
        "shutdown_grace_ms", "typing_timeout_ms", "idempotency_window_ms", "review_timeout_ms", "send_burst",
        "frame_burst", "conn_burst_per_ip", "rate_limited_close_threshold",
    ])
    func sizesMustBePositive(key: String) {
        let zero = error("\(key): 0")
        #expect(zero?.key == key)
        #expect(zero?.message.contains("must be between 1 and 2147483647, got 0") == true)
        #expect(error("\(key): -5")?.key == key)
        #expect(error("\(key): 3000000000")?.key == key)
    }

    @Test(arguments: ["presence_grace_ms", "typing_dedup_ms", "daily_message_points"])
    func zeroAllowedWhereMeaningful(key: String) throws {
        _ = try Fixtures.load("\(key): 0").get()
        #expect(error("\(key): -1")?.key == key)
    }

    @Test(arguments: ["send_rate", "frame_rate", "conn_rate_per_ip"])
    func ratesMustBePositive(key: String) throws {
        #expect(error("\(key): 0")?.key == key)
        #expect(error("\(key): -2.5")?.key == key)
        #expect(try Fixtures.load("\(key): 0.5").get() != ServerConfig.defaults)
    }

    @Test func enumsAreChecked() {
        #expect(error("hold_default: maybe")?.key == "hold_default")
        #expect(error("log_format: xml")?.key == "log_format")
        let level = error("log_level: verbose")
        #expect(level?.key == "log_level" && level?.message.contains("\"verbose\"") == true)
    }

    @Test func tlsNeedsBothFiles() {
        let cert = Fixtures.file("cert", suffix: ".pem")
        let key = Fixtures.file("key", suffix: ".pem")
        #expect(error("tls_cert: \(cert)")?.key == "tls_key")
        #expect(error("tls_key: \(key)")?.key == "tls_cert")
        #expect((try? Fixtures.load("tls_cert: \(cert)\ntls_key: \(key)").get()) != nil)
        let missing = error("tls_cert: \(cert)\ntls_key: /nonexistent/key.pem")
        #expect(missing?.key == "tls_key" && missing?.message.contains("/nonexistent/key.pem") == true)
    }

    @Test func publicKeyFileMustBeReadable() throws {
        let pem = Fixtures.file("-----BEGIN PUBLIC KEY-----", suffix: ".pem")
        #expect(try Fixtures.load("jwt_public_key_file: \(pem)").get().jwtPublicKeyFile == pem)
        #expect(error("jwt_public_key_file: /nonexistent.pem")?.key == "jwt_public_key_file")
    }

    @Test func secretIsRequiredEvenWithAPublicKey() throws {
        let pem = Fixtures.file("-----BEGIN PUBLIC KEY-----", suffix: ".pem")
        let path = Fixtures.file("jwt_public_key_file: \(pem)\n")
        #expect(throws: ConfigError(key: "jwt_secret", "jwt_secret is required (set RTS_JWT_SECRET)")) {
            try ServerConfig.load(path: path, environment: [:])
        }
        let blank = Fixtures.file("jwt_secret: ''\n")
        #expect(throws: ConfigError.self) { try ServerConfig.load(path: blank, environment: [:]) }
    }

    @Test(arguments: ["Mars/Base", "", "utc/x"])
    func unknownTimeZone(zone: String) {
        #expect(error("org_timezone: '\(zone)'")?.key == "org_timezone")
    }

    @Test func knownTimeZones() throws {
        #expect(try Fixtures.load("org_timezone: America/New_York").get().orgTimezone == "America/New_York")
    }

    @Test func urlsAndIdentifiers() throws {
        #expect(error("database_url: mysql://x/db")?.key == "database_url")
        #expect(error("redis_url: localhost:6379")?.key == "redis_url")
        #expect(try Fixtures.load("database_url: postgresql://h/db\nredis_url: rediss://h:1").get().redisURL == "rediss://h:1")
        // Cluster mode without a shared store would split into separate servers: refused.
        #expect(error("redis_url: redis://h:1")?.message.contains("database_url") == true)
        #expect(error("node_id: 'has space'")?.key == "node_id")
        #expect(error("host: ''")?.key == "host")
        #expect(error("data_dir: ' '")?.key == "data_dir")
        #expect(error("allowed_origins: ['', a]")?.key == "allowed_origins")
    }

    @Test func urlSecretsAreNotEchoed() {
        let message = error("database_url: mysql://user:hunter2@h/db")?.message ?? ""
        #expect(!message.contains("hunter2"))
    }
}
