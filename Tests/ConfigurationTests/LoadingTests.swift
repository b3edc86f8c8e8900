import Configuration
import Foundation
import Testing

@Suite struct LoadingTests {
    @Test func builtInDefaults() {
        let config = ServerConfig.defaults
        #expect(config.host == "127.0.0.1" && config.port == 8080)
        #expect(config.jwtSecret.isEmpty && config.jwtPublicKeyFile == nil)
        #expect(config.dataDir == "data" && config.dbPath == nil && config.sqlitePath == "data/realtime.sqlite")
        #expect(config.databaseURL == nil && config.redisURL == nil && config.tlsCert == nil && config.tlsKey == nil)
        #expect(!config.conformanceEcho && config.metricsPort == nil && config.allowedOrigins.isEmpty)
        #expect(config.logLevel == "info" && config.logFormat == .plain)
        #expect(config.maxFrameBytes == 65536 && config.authTimeoutMS == 5000 && config.heartbeatMS == 25000)
        #expect(config.maxText == 4000 && config.recoveryMax == 500 && config.presenceGraceMS == 5000)
        #expect(config.maxOutboundBytes == 1_048_576 && config.shutdownGraceMS == 10000)
        #expect(config.dailyMessagePoints == 20 && config.reviewTimeoutMS == 60000 && config.holdDefault == .reject)
        #expect(config.sendRate == 5 && config.sendBurst == 10 && config.frameRate == 50 && config.frameBurst == 100)
        #expect(config.connRatePerIP == 20 && config.connBurstPerIP == 40)
        #expect(config.typingTimeoutMS == 6000 && config.typingDedupMS == 2000)
        #expect(config.idempotencyWindowMS == 86_400_000 && config.orgTimezone == "UTC")
        #expect(config.rateLimitedCloseThreshold == 50)
    }

    @Test func defaultsNeedOnlyASecret() throws {
        var config = ServerConfig.defaults
        #expect(throws: ConfigError.self) { try config.validate() }
        config.jwtSecret = Fixtures.secret
        try config.validate()
    }

    @Test func emptyFileGivesDefaults() throws {
        let config = try Fixtures.load("").get()
        var expected = ServerConfig.defaults
        expected.jwtSecret = Fixtures.secret
        expected.nodeID = config.nodeID
        #expect(config == expected)
        #expect(try Fixtures.load("# only a comment\n").get() == config)
    }

    @Test func shippedFileIsAWorkingDevelopmentConfig() throws {
        let config = try ServerConfig.load(path: Fixtures.shippedConfigPath, environment: [:])
        #expect(config.jwtSecret == ServerConfig.developmentSecret)
        #expect(config.host == "127.0.0.1" && config.port == 8080 && config.dataDir == "data")
        var expected = ServerConfig.defaults
        expected.jwtSecret = config.jwtSecret
        expected.nodeID = config.nodeID
        #expect(config == expected)
    }

    @Test func shippedFileDocumentsEveryKeyAndVariable() throws {
        let text = try String(contentsOfFile: Fixtures.shippedConfigPath, encoding: .utf8)
        for key in ServerConfig.keys {
            #expect(text.contains("\(key):"), "\(key)")
            #expect(text.contains(ServerConfig.environmentName(for: key)), "\(key)")
        }
    }

    @Test func environmentOverridesFile() throws {
        let yaml = "port: 9000\nmax_text: 100\nhost: 0.0.0.0\n"
        let config = try Fixtures.load(yaml, env: ["RTS_PORT": "9100", "RTS_LOG_LEVEL": "debug"]).get()
        #expect(config.port == 9100)  // env beats file
        #expect(config.maxText == 100 && config.host == "0.0.0.0")  // file beats defaults
        #expect(config.logLevel == "debug")  // env beats defaults
    }

    @Test func environmentSecretOverridesShippedDevSecret() throws {
        let config = try ServerConfig.load(path: Fixtures.shippedConfigPath, environment: Fixtures.secretEnv)
        #expect(config.jwtSecret == Fixtures.secret)
    }

    @Test func sectionsAreFlattened() throws {
        let yaml = """
            limits:
              max_text: 123
              nested:
                deeper:
                  recovery_max: 7
            port: 9001
            empty_section:
            rate_limits: {send_rate: 2.5, send_burst: 3}
            """
        let config = try Fixtures.load(yaml).get()
        #expect(config.maxText == 123 && config.recoveryMax == 7 && config.port == 9001)
        #expect(config.sendRate == 2.5 && config.sendBurst == 3)
        #expect(try Fixtures.load("max_text: 123").get().maxText == 123)
    }

    @Test func keySetInTwoSectionsIsAnError() {
        let error = Fixtures.error("a:\n  max_text: 1\nb:\n  max_text: 2\n")
        #expect(error?.key == "max_text")
        #expect(error?.message.contains("a.max_text") == true && error?.message.contains("b.max_text") == true)
        #expect(Fixtures.error("max_text: 1\nlimits:\n  max_text: 2\n")?.key == "max_text")
    }

    @Test func unknownKeysAreNamed() {
        let top = Fixtures.error("max_txt: 5\n")
        #expect(top?.key == "max_txt" && top?.message.contains("unknown config key max_txt") == true)
        let nested = Fixtures.error("limits:\n  max_txt: 5\n")
        #expect(nested?.key == "max_txt" && nested?.message.contains("limits.max_txt") == true)
    }

    @Test func malformedFiles() {
        #expect(Fixtures.error("port: [1, 2\n")?.message.contains("invalid YAML") == true)
        #expect(Fixtures.error("- port\n- 8080\n")?.message.contains("must be a mapping") == true)
        #expect(Fixtures.error("port:\n  inner: 1\n")?.key == "port")
        #expect(Fixtures.error("port: 1\nport: 2\n") != nil)  // duplicate within one mapping (YAML error)
        #expect(Fixtures.error("allowed_origins: [[a]]\n")?.key == "allowed_origins")
    }

    @Test func explicitPathMustExist() {
        #expect(throws: ConfigError(key: nil, "config file not found: /nonexistent/rts.yaml")) {
            try ServerConfig.load(path: "/nonexistent/rts.yaml", environment: Fixtures.secretEnv)
        }
    }

    @Test func yamlNullResetsToDefault() throws {
        let config = try Fixtures.load("max_text: ~\nredis_url: null\ndb_path:\nallowed_origins: ~\n").get()
        #expect(config.maxText == 4000 && config.redisURL == nil && config.dbPath == nil && config.allowedOrigins.isEmpty)
        // A quoted "null" is a string, not null.
        #expect(try Fixtures.load("host: 'null'\n").get().host == "null")
    }

    @Test func valueTypesFromYAML() throws {
        let yaml = """
            allowed_origins: [https://a.example, "https://b.example"]
            conformance_echo: true
            max_outbound_bytes: 2_097_152
            frame_rate: 12.5
            log_format: JSON
            hold_default: approve
            metrics_port: 9464
            db_path: /tmp/x.sqlite
            """
        let config = try Fixtures.load(yaml).get()
        #expect(config.allowedOrigins == ["https://a.example", "https://b.example"])
        #expect(config.conformanceEcho && config.maxOutboundBytes == 2_097_152 && config.frameRate == 12.5)
        #expect(config.logFormat == .json && config.holdDefault == .approve && config.metricsPort == 9464)
        #expect(config.sqlitePath == "/tmp/x.sqlite")
        // A comma-separated string works for lists in the file as well.
        #expect(try Fixtures.load("allowed_origins: 'a, b'\n").get().allowedOrigins == ["a", "b"])
    }

    @Test func badTypesInFileNameKeyAndValue() {
        let error = Fixtures.error("port: eighty\n")
        #expect(error?.key == "port")
        #expect(error?.message.contains("port (in ") == true && error?.message.contains("\"eighty\"") == true)
        #expect(Fixtures.error("conformance_echo: maybe\n")?.key == "conformance_echo")
        #expect(Fixtures.error("send_rate: fast\n")?.key == "send_rate")
        #expect(Fixtures.error("host: [a, b]\n")?.key == "host")
    }

    @Test func nodeIDDefaultsToHostnameAndPid() throws {
        let config = try Fixtures.load("").get()
        #expect(config.nodeID.hasSuffix("-\(ProcessInfo.processInfo.processIdentifier)"))
        #expect(try Fixtures.load("node_id: edge-7\n").get().nodeID == "edge-7")
        #expect(try Fixtures.load("", env: ["RTS_NODE_ID": "n2"]).get().nodeID == "n2")
    }

    @Test func webAppIsOnByDefaultAndTurnsOff() throws {
        #expect(try Fixtures.load("").get().webApp)
        #expect(try Fixtures.load("", env: ["RTS_WEB_APP": "0"]).get().webApp == false)
        #expect(try Fixtures.load("web_dir: /srv/app\n").get().webDir == "/srv/app")
    }

    @Test func environmentNames() {
        #expect(ServerConfig.environmentName(for: "conn_rate_per_ip") == "RTS_CONN_RATE_PER_IP")
        #expect(ServerConfig.keys.count == 69)
        let unknown = ServerConfig.unknownEnvironmentVariables(in: ["RTS_PORT": "1", "RTS_PROT": "1", "HOME": "/"])
        #expect(unknown == ["RTS_PROT"])
    }
}

/// Tests that depend on the current directory; serialized because it is process-wide.
@Suite(.serialized) struct DefaultPathTests {
    func inDirectory<T>(_ body: (String) throws -> T) throws -> T {
        let previous = FileManager.default.currentDirectoryPath
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rts-cwd-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer {
            _ = FileManager.default.changeCurrentDirectoryPath(previous)
            try? FileManager.default.removeItem(atPath: directory)
        }
        try #require(FileManager.default.changeCurrentDirectoryPath(directory))
        return try body(directory)
    }

    @Test func withoutAFileOnlyDefaultsAndEnvironmentApply() throws {
        let config = try inDirectory { _ in
            try ServerConfig.load(path: nil, environment: ["RTS_JWT_SECRET": Fixtures.secret, "RTS_PORT": "7000"], installDirectory: nil)
        }
        #expect(config.port == 7000 && config.jwtSecret == Fixtures.secret && config.maxText == 4000)
        let error = try inDirectory { _ in
            Result { () throws(ConfigError) in try ServerConfig.load(path: nil, environment: [:], installDirectory: nil) }
        }
        #expect(throws: ConfigError.self) { try error.get() }
    }

    @Test func picksUpConfigDirectoryFile() throws {
        let config = try inDirectory { directory in
            try FileManager.default.createDirectory(atPath: directory + "/config", withIntermediateDirectories: true)
            try Data("jwt_secret: \(Fixtures.secret)\nport: 6001\n".utf8).write(to: URL(fileURLWithPath: directory + "/" + ServerConfig.defaultPath))
            return try ServerConfig.load(path: nil, environment: [:])
        }
        #expect(config.port == 6001 && config.jwtSecret == Fixtures.secret)
    }
}
