import Auth
import Configuration
import Foundation
import Gateway
import Logging
import StoragePostgres
import Wire
import Synchronization
import XCTest

/// One in-process server node on an ephemeral port with its own SQLite file, or, when env
/// `RTS_CONFORMANCE_DATABASE_URL` names a PostgreSQL server, its own fresh database there.
final class TestServer: Sendable {
    static let secret = "conformance-secret-0123456789abcdef"

    let node: RealtimeNode
    let config: ServerConfig
    let port: Int
    let minter: TokenMinter
    let directory: URL
    /// The PostgreSQL database this server created for itself (dropped on stop).
    private let database: ConformanceDatabase?

    /// A node started elsewhere (a cluster's), with the test secret's minter; the cluster owns its database.
    convenience init(node: RealtimeNode, config: ServerConfig, directory: URL) throws {
        self.init(node: node, config: config, minter: try TokenMinter(hmacSecret: Self.secret), directory: directory, database: nil)
    }

    private init(node: RealtimeNode, config: ServerConfig, minter: TokenMinter, directory: URL, database: ConformanceDatabase?) {
        self.node = node
        self.config = config
        self.port = node.port
        self.minter = minter
        self.directory = directory
        self.database = database
    }

    /// Test defaults: loopback, port 0, a fresh database, known secret, and rate limits high enough
    /// that only tests about rate limits meet them.
    static func baseConfig(directory: URL) -> ServerConfig {
        var config = ServerConfig()
        config.host = "127.0.0.1"
        config.port = 0
        config.jwtSecret = secret
        config.dataDir = directory.path
        config.dbPath = directory.appendingPathComponent("chat.sqlite").path
        // The PostgreSQL run of scripts/test.sh also seals personal columns.
        config.encryptionKeys = ProcessInfo.processInfo.environment["RTS_CONFORMANCE_ENCRYPTION_KEYS"]
        config.logLevel = "error"
        // The shipped moderation rules, wherever the tests run from.
        config.moderationDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("config/moderation").path
        config.shutdownGraceMS = 2000
        config.sendRate = 10_000
        config.sendBurst = 10_000
        config.frameRate = 10_000
        config.frameBurst = 10_000
        config.connRatePerIP = 10_000
        config.connBurstPerIP = 10_000
        for (rate, burst) in [
            (\.editRate, \.editBurst), (\.reactRate, \.reactBurst), (\.signalRate, \.signalBurst), (\.historyRate, \.historyBurst),
            (\.roomRate, \.roomBurst), (\.subscribeRate, \.subscribeBurst),
        ] as [(WritableKeyPath<ServerConfig, Double>, WritableKeyPath<ServerConfig, Int>)] {
            config[keyPath: rate] = 10_000
            config[keyPath: burst] = 10_000
        }
        config.httpRatePerIP = 10_000
        config.httpBurstPerIP = 10_000
        return config
    }

    static func start(clock: any WallClock = SystemClock(), _ configure: (inout ServerConfig) -> Void = { _ in }) async throws -> TestServer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rts-conformance-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var config = baseConfig(directory: directory)
        configure(&config)
        var logger = Logger(label: "conformance.server")
        logger.logLevel = ProcessInfo.processInfo.environment["CONFORMANCE_SERVER_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        let database = try await ConformanceDatabase.createIfConfigured(logger: logger)
        if let database, config.databaseURL == nil { config.databaseURL = database.url }
        do {
            let node = try await RealtimeNode.open(config: config, logger: logger, clock: clock)
            try await node.start()
            return TestServer(node: node, config: config, minter: try TokenMinter(hmacSecret: secret), directory: directory, database: database)
        } catch {
            await database?.drop()
            throw error
        }
    }

    func stop() async {
        await node.shutdown()
        await database?.drop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// `RTS_*` variables that point a CLI run (`realtime-server audit`, …) at this server's store.
    var storeEnvironment: [String: String] {
        var environment = config.databaseURL.map { ["RTS_DATABASE_URL": $0] } ?? [:]
        environment["RTS_ENCRYPTION_KEYS"] = config.encryptionKeys
        return environment
    }

    // MARK: Tokens and clients

    func token(user: String, org: String, role: String, name: String? = nil, ttl: Int = 3600, now: Date = Date()) async throws -> String {
        try await minter.mint(sub: user, org: org, role: role, name: name, ttlSeconds: ttl, now: now)
    }

    func connect(subprotocols: [String]? = nil, label: String = "client") async throws -> TestClient {
        try await TestClient.connect(port: port, subprotocols: subprotocols, label: label)
    }

    /// Connects, authenticates and returns the client once `hello` arrived (kept in `client.hello`).
    func connectAuthed(
        user: String, org: String, role: String = "student", name: String? = nil, ttl: Int = 3600,
        file: StaticString = #filePath, line: UInt = #line
    ) async throws -> TestClient {
        let token = try await token(user: user, org: org, role: role, name: name, ttl: ttl)
        return try await connectAuthed(token: token, label: "\(user)@\(org)", file: file, line: line)
    }

    func connectAuthed(token: String, label: String, file: StaticString = #filePath, line: UInt = #line) async throws -> TestClient {
        let client = try await connect(label: label)
        try await client.send(json: ["type": "auth", "id": "auth", "token": token])
        let hello = try await client.next()
        guard hello.type == "hello" else {
            let close = try? await client.closeInfo(timeout: .milliseconds(500))
            throw ConformanceError("\(label): expected hello, got \(hello) \(close.map(String.init(describing:)) ?? "")")
        }
        client.hello.withLock { $0 = hello }
        return client
    }
}

/// Fresh ids so tests never share state (ids match `[A-Za-z0-9._:@-]`).
enum Fresh {
    static func id(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }
}

/// Shared servers, one per test class (started on first use, stopped in the class's `tearDown`).
enum SharedServers {
    private static let servers = Mutex<[String: Task<TestServer, any Error>]>([:])

    static func server(for key: String, _ configure: @escaping @Sendable (inout ServerConfig) -> Void) async throws -> TestServer {
        let task = servers.withLock { servers in
            if let existing = servers[key] { return existing }
            let task = Task { try await TestServer.start(configure) }
            servers[key] = task
            return task
        }
        return try await task.value
    }

    /// Blocking: XCTest's class-level tearDown is synchronous.
    static func stop(_ key: String) {
        guard let task = servers.withLock({ $0.removeValue(forKey: key) }) else { return }
        let done = DispatchSemaphore(value: 0)
        Task {
            if let server = try? await task.value { await server.stop() }
            done.signal()
        }
        _ = done.wait(timeout: .now() + 15)
    }
}

/// Base class: each test class gets one shared in-process node (configured by `configure`), and
/// each test a fresh org id so tests never see each other's data.
class ConformanceTestCase: XCTestCase {
    /// Override to adjust the class's server configuration.
    class var configure: @Sendable (inout ServerConfig) -> Void { { _ in } }

    private(set) var server: TestServer!
    private(set) var org: String!

    override func setUp() async throws {
        try await super.setUp()
        server = try await SharedServers.server(for: String(describing: Self.self), Self.configure)
        org = Fresh.id("org")
    }

    override class func tearDown() {
        SharedServers.stop(String(describing: self))
        super.tearDown()
    }

    /// Shorthand: an authenticated client in this test's org.
    func user(_ id: String, _ role: String = "student", name: String? = nil, org: String? = nil,
              file: StaticString = #filePath, line: UInt = #line) async throws -> TestClient {
        try await server.connectAuthed(user: id, org: org ?? self.org, role: role, name: name, file: file, line: line)
    }
}

/// Runs `body` against a dedicated server, stopping it afterwards even when `body` throws.
func withServer<T>(
    clock: any WallClock = SystemClock(), _ configure: (inout ServerConfig) -> Void, _ body: (TestServer) async throws -> T
) async throws -> T {
    let server = try await TestServer.start(clock: clock, configure)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

/// The conformance suite on PostgreSQL: env `RTS_CONFORMANCE_DATABASE_URL` (a superuser URL to a
/// running server) gives every `TestServer` a fresh database of its own.
struct ConformanceDatabase: Sendable {
    let server: PostgresURL
    let name: String
    let logger: Logger

    var url: String { server.with(database: name).urlString }

    static var isConfigured: Bool { !(ProcessInfo.processInfo.environment["RTS_CONFORMANCE_DATABASE_URL"] ?? "").isEmpty }

    static func createIfConfigured(logger: Logger) async throws -> ConformanceDatabase? {
        guard let raw = ProcessInfo.processInfo.environment["RTS_CONFORMANCE_DATABASE_URL"], !raw.isEmpty else { return nil }
        let server = try PostgresURL(raw)
        let name = "rts_c_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        try await PostgresDatabases.create(name, on: server, logger: logger)
        return ConformanceDatabase(server: server, name: name, logger: logger)
    }

    func drop() async {
        do {
            try await PostgresDatabases.drop(name, on: server, logger: logger)
        } catch {
            XCTFail("could not drop conformance database \(name): \(String(reflecting: error))")
        }
    }
}

/// For tests of what only the SQLite file has (restoring a copy of the file, its generation sidecar).
func skipOnPostgres(_ reason: String) throws {
    if ConformanceDatabase.isConfigured {
        throw XCTSkip("SQLite only (RTS_CONFORMANCE_DATABASE_URL is set): \(reason)")
    }
}
