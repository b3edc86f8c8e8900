import Configuration
import Foundation
import Testing

/// The start-up refusals of the hardening keys: short or shipped secrets, bad limits, and the production example.
struct HardeningConfigTests {
    @Test func secretOf31BytesIsRefusedAt32Accepted() throws {
        let short = String(repeating: "k", count: 31)
        let error = Fixtures.error("", env: ["RTS_JWT_SECRET": short])
        #expect(error?.key == "jwt_secret")
        #expect(error?.message.contains("at least 32 bytes, got 31") == true)
        #expect(error?.message.contains("RTS_JWT_SECRET") == true)
        #expect(error?.message.contains(short) == false)  // never echoed
        #expect(try Fixtures.load("", env: ["RTS_JWT_SECRET": String(repeating: "k", count: 32)]).get().jwtSecret.count == 32)
    }

    @Test(arguments: ["0.0.0.0", "::", "10.1.2.3", "example.com", "128.0.0.1"])
    func developmentSecretIsRefusedOffLoopback(host: String) {
        let error = Fixtures.error("", env: ["RTS_JWT_SECRET": ServerConfig.developmentSecret, "RTS_HOST": host])
        #expect(error?.key == "jwt_secret")
        #expect(error?.message.contains("RTS_JWT_SECRET") == true && error?.message.contains("development secret") == true)
    }

    @Test(arguments: ["127.0.0.1", "127.8.9.10", "localhost", "::1", "[::1]"])
    func developmentSecretIsAcceptedOnLoopback(host: String) throws {
        let config = try Fixtures.load("", env: ["RTS_JWT_SECRET": ServerConfig.developmentSecret, "RTS_HOST": host]).get()
        #expect(config.host == host)
    }

    @Test func shippedSecretIsLongEnoughAndRecognised() throws {
        #expect(ServerConfig.developmentSecret.utf8.count >= ServerConfig.minimumSecretBytes)
        let shipped = try ServerConfig.load(path: Fixtures.shippedConfigPath, environment: [:])
        #expect(shipped.jwtSecret == ServerConfig.developmentSecret)
        #expect(throws: ConfigError.self) {
            try ServerConfig.load(path: Fixtures.shippedConfigPath, environment: ["RTS_HOST": "0.0.0.0"])
        }
    }

    @Test func newKeysLoadFromFileAndEnvironment() throws {
        let yaml = """
            trusted_proxies: [10.0.0.0/8, "::1"]
            jwt_issuer: https://auth.example
            jwt_audience: realtime
            max_token_lifetime_s: 3600
            max_connections_per_ip: 5
            http_rate_per_ip: 2.5
            http_burst_per_ip: 4
            metrics_host: 0.0.0.0
            """
        let config = try Fixtures.load(yaml).get()
        #expect(config.trustedProxies == ["10.0.0.0/8", "::1"])
        #expect(config.jwtIssuer == "https://auth.example" && config.jwtAudience == "realtime")
        #expect(config.maxTokenLifetimeS == 3600 && config.maxConnectionsPerIP == 5)
        #expect(config.httpRatePerIP == 2.5 && config.httpBurstPerIP == 4 && config.metricsHost == "0.0.0.0")
        let fromEnv = try Fixtures.load("", env: ["RTS_TRUSTED_PROXIES": "10.0.0.1, 192.168.0.0/16", "RTS_MAX_CONNECTIONS_PER_IP": "7"]).get()
        #expect(fromEnv.trustedProxies == ["10.0.0.1", "192.168.0.0/16"] && fromEnv.maxConnectionsPerIP == 7)
    }

    @Test func newLimitsMustBePositive() {
        #expect(Fixtures.error("max_connections_per_ip: 0")?.key == "max_connections_per_ip")
        #expect(Fixtures.error("max_token_lifetime_s: -1")?.key == "max_token_lifetime_s")
        #expect(Fixtures.error("http_rate_per_ip: 0")?.key == "http_rate_per_ip")
        #expect(Fixtures.error("http_burst_per_ip: 0")?.key == "http_burst_per_ip")
        #expect(Fixtures.error("metrics_host: ''")?.key == "metrics_host")
    }

    @Test func productionExampleNeedsASecretAndKeepsMetricsOffThePublicPort() throws {
        let path = URL(fileURLWithPath: Fixtures.shippedConfigPath).deletingLastPathComponent().appendingPathComponent("production.yaml").path
        #expect(throws: ConfigError.self) { try ServerConfig.load(path: path, environment: [:]) }
        let config = try ServerConfig.load(path: path, environment: Fixtures.secretEnv)
        #expect(config.host == "0.0.0.0" && config.jwtSecret == Fixtures.secret)
        #expect(config.metricsPort != nil && config.metricsPort != config.port && config.metricsHost == "127.0.0.1")
    }
}
