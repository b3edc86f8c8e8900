import Auth
import Foundation
import Logging
import StoragePostgres
import XCTest

/// The real cluster's dependencies for the multi-process tests: PostgreSQL from
/// `scripts/services.sh` (a fresh database per cluster) and a redis-server of the test's own, on a
/// free port, so a test can kill and restart it. Missing services skip the tests, unless
/// `RTS_REQUIRE_SERVICES=1` (scripts/test.sh) makes that a failure.
enum ClusterServices {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// The PostgreSQL superuser URL, or a skip (a failure under RTS_REQUIRE_SERVICES=1).
    static func databaseServerURL() throws -> String {
        if let url = environment["RTS_TEST_DATABASE_URL"], !url.isEmpty { return url }
        try missing("RTS_TEST_DATABASE_URL is not set (eval \"$(scripts/services.sh start)\")")
    }

    static func redisServerPath() throws -> String {
        for path in ["/usr/bin/redis-server", "/usr/local/bin/redis-server"] where FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        try missing("redis-server is not installed (apt-get install redis-server)")
    }

    private static func missing(_ what: String) throws -> Never {
        if environment["RTS_REQUIRE_SERVICES"] == "1" { throw ConformanceError("required test service missing: \(what)") }
        throw XCTSkip(what)
    }

    /// Creates an empty database on the test server (dropped by `ProcessCluster.stop`).
    static func freshDatabase(logger: Logger) async throws -> ConformanceDatabase {
        let server = try PostgresURL(try databaseServerURL())
        let name = "rts_cluster_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        try await PostgresDatabases.create(name, on: server, logger: logger)
        return ConformanceDatabase(server: server, name: name, logger: logger)
    }

    /// Stops the test PostgreSQL server (scripts/services.sh's) and returns a way to start it again.
    static func stopPostgres() async throws -> @Sendable () async throws -> Void {
        guard let data = environment["RTS_TEST_PGDATA"], let dir = environment["RTS_TEST_SERVICES_DIR"],
              let port = URLComponents(string: try databaseServerURL())?.port
        else { throw XCTSkip("RTS_TEST_PGDATA and RTS_TEST_SERVICES_DIR come from scripts/services.sh") }
        let user = environment["RTS_TEST_PG_CTL_USER"] ?? ""
        try await pgCtl(user: user, ["-D", data, "-m", "fast", "-w", "stop"])
        return {
            try await pgCtl(user: user, [
                "-D", data, "-l", "\(dir)/pg/server.log", "-w", "-t", "30", "start",
                "-o", "-p \(port) -c listen_addresses=127.0.0.1 -k \(dir)/pg-socket -c max_connections=400",
            ])
        }
    }

    private static func pgCtl(user: String, _ arguments: [String]) async throws {
        let pgCtl = ["/usr/local/bin/pg_ctl", "/usr/lib/postgresql/15/bin/pg_ctl"].first { FileManager.default.isExecutableFile(atPath: $0) }
            ?? "pg_ctl"
        let command = user.isEmpty ? [pgCtl] + arguments : ["/usr/sbin/runuser", "-u", user, "--", pgCtl] + arguments
        let (status, output) = try await run(command[0], Array(command.dropFirst()))
        guard status == 0 else { throw ConformanceError("pg_ctl \(arguments.joined(separator: " ")) failed (\(status)): \(output)") }
    }

    /// Runs a command to its end (at most a minute). Output goes to a file, not a pipe: `pg_ctl
    /// start` leaves a server behind that would hold a pipe open for good.
    static func run(_ executable: String, _ arguments: [String]) async throws -> (Int32, String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("rts-run-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let output = try FileHandle(forWritingTo: log)
        defer { try? output.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = output
        try process.run()
        // Reaped here: Foundation's own child monitoring has been seen to miss an exit (a zombie
        // `runuser`), leaving `terminationHandler` and `waitUntilExit` waiting for good.
        let pid = process.processIdentifier
        let deadline = ContinuousClock.now + .seconds(60)
        var status: Int32 = -1
        while ContinuousClock.now < deadline {
            var raw: Int32 = 0
            let reaped = waitpid(pid, &raw, WNOHANG)
            if reaped == pid {
                status = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : -(raw & 0x7f)
                break
            }
            if reaped == -1, !process.isRunning {
                status = process.terminationStatus
                break
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return (status, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }
}

/// A redis-server of one test's own: killed and restarted on the same port at will.
final class RedisProcess: @unchecked Sendable {
    let port: Int
    private let directory: URL
    private var process: Process?

    init() throws {
        port = try ServerProcess.freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("rts-redis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    var url: String { "redis://127.0.0.1:\(port)" }

    func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try ClusterServices.redisServerPath())
        process.arguments = ["--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if (try? RawSocket(port: port)) != nil { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ConformanceError("redis-server did not listen on \(port)")
    }

    func kill() {
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        // SIGKILL cannot be ignored: the port is free once the process is reaped.
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { usleep(10_000) }
    }

    deinit {
        kill()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Several `realtime-server` processes sharing one PostgreSQL database and one Redis.
final class ProcessCluster: @unchecked Sendable {
    let redis: RedisProcess
    let database: ConformanceDatabase
    private(set) var nodes: [ServerProcess] = []
    let minter: TokenMinter
    private let directory: URL
    private let extra: [String: String]

    private init(redis: RedisProcess, database: ConformanceDatabase, extra: [String: String]) throws {
        self.redis = redis
        self.database = database
        self.extra = extra
        minter = try TokenMinter(hmacSecret: TestServer.secret)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("rts-process-cluster-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    static func start(nodes count: Int, extra: [String: String] = [:]) async throws -> ProcessCluster {
        let redis = try RedisProcess()
        try await redis.start()
        let database = try await ClusterServices.freshDatabase(logger: Logger(label: "conformance.cluster"))
        let cluster = try ProcessCluster(redis: redis, database: database, extra: extra)
        for index in 0..<count { try await cluster.startNode(index) }
        return cluster
    }

    /// Starts node `index` (again, after a kill) on a new port.
    @discardableResult
    func startNode(_ index: Int) async throws -> ServerProcess {
        var environment = [
            "RTS_REDIS_URL": redis.url, "RTS_DATABASE_URL": database.url, "RTS_NODE_ID": "node-\(index)", "RTS_LOG_LEVEL": "info",
            "RTS_SEND_RATE": "10000", "RTS_SEND_BURST": "10000", "RTS_FRAME_RATE": "10000", "RTS_FRAME_BURST": "10000",
            "RTS_SIGNAL_RATE": "10000", "RTS_SIGNAL_BURST": "10000", "RTS_ROOM_RATE": "10000", "RTS_ROOM_BURST": "10000",
        ]
        for (key, value) in extra { environment[key] = value }
        let node = try await ServerProcess.start(
            dbPath: directory.appendingPathComponent("unused-\(index).sqlite").path, workingDirectory: directory, extra: environment)
        if index < nodes.count { nodes[index] = node } else { nodes.append(node) }
        return node
    }

    func client(_ node: Int, user: String, org: String, role: String = "student") async throws -> TestClient {
        let token = try await minter.mint(sub: user, org: org, role: role, name: user.capitalized, ttlSeconds: 3600)
        let client = try await TestClient.connect(port: nodes[node].port, label: "\(user)@node-\(node)")
        try await client.send(json: ["type": "auth", "id": "auth", "token": token])
        let hello = try await client.next()
        guard hello.type == "hello" else { throw ConformanceError("\(user)@node-\(node): expected hello, got \(hello)") }
        return client
    }

    func readyz(_ node: Int) async -> Int? {
        try? await RawHTTP.get(port: nodes[node].port, path: "/readyz").status
    }

    /// Waits until `/readyz` of `node` answers `status`.
    func waitForReadyz(_ node: Int, _ status: Int, within timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if await readyz(node) == status { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ConformanceError("node-\(node) /readyz never answered \(status); log:\n\(nodes[node].log.suffix(2000))")
    }

    func stop() async {
        for node in nodes {
            node.terminate()
            _ = try? await node.waitForExit(timeout: .seconds(10))
            node.kill()
        }
        redis.kill()
        await database.drop()
        try? FileManager.default.removeItem(at: directory)
    }
}
