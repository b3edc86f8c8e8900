import BrokerRedis
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A real redis-server on a free loopback port, in its own temp dir, that a test can kill and
/// start again on the same port. Skips the test when redis-server is not installed, unless
/// RTS_REQUIRE_SERVICES=1 (then the test fails).
final class RedisServer: @unchecked Sendable {
    static let executable = ProcessInfo.processInfo.environment["RTS_REDIS_SERVER"] ?? "/usr/bin/redis-server"

    let port: Int
    let directory: URL
    private(set) var process: Process?
    private let extraArguments: [String]

    init(extraArguments: [String] = []) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable) else {
            if ProcessInfo.processInfo.environment["RTS_REQUIRE_SERVICES"] == "1" {
                XCTFail("\(Self.executable) is missing and RTS_REQUIRE_SERVICES=1")
                throw RedisServerError.missing
            }
            throw XCTSkip("\(Self.executable) is not installed (set RTS_REQUIRE_SERVICES=1 to fail instead)")
        }
        port = try freeLoopbackPort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("rts-redis-\(port)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.extraArguments = extraArguments
        try start()
    }

    var url: RedisURL { RedisURL(host: "127.0.0.1", port: port) }
    var pid: Int32? { process?.processIdentifier }

    /// Starts redis-server and waits until it accepts connections.
    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = [
            "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", directory.path, "--logfile", directory.appendingPathComponent("redis.log").path,
        ] + extraArguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if canConnect(port: port) { return }
            if !process.isRunning { throw RedisServerError.exited(log) }
            usleep(20_000)
        }
        throw RedisServerError.notReady(log)
    }

    /// SIGKILL: the server vanishes mid-stream, connections are reset.
    func kill() {
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    /// Also SIGKILL: nothing is persisted, and a server started from a Swift concurrency thread
    /// inherits that thread's blocked signals (SIGTERM would stay pending forever).
    func stop() { kill() }

    /// CPU seconds (user + system) the running server has used.
    func cpuSeconds() -> Double? {
        guard let pid, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command: state is field 3, utime 14 and stime 15 (1-based over the whole line).
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    var log: String { (try? String(contentsOf: directory.appendingPathComponent("redis.log"), encoding: .utf8)) ?? "" }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }
}

enum RedisServerError: Error {
    case missing
    case exited(String)
    case notReady(String)
}

/// A port nothing listens on right now (bound to 0, read back, closed).
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EMFILE) }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

func canConnect(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually(_ timeout: Duration = .seconds(10), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}

/// Runs a command and checks its reply.
func expectReply(
    _ connection: RedisConnection, _ args: [String], _ expected: RedisReply, file: StaticString = #filePath, line: UInt = #line
) async throws {
    let reply = try await connection.command(args)
    XCTAssertEqual(reply, expected, "\(args)", file: file, line: line)
}

func expectReply(
    _ connection: RedisConnection, _ args: [[UInt8]], _ expected: RedisReply, file: StaticString = #filePath, line: UInt = #line
) async throws {
    let reply = try await connection.command(args)
    XCTAssertEqual(reply, expected, file: file, line: line)
}

/// CPU seconds used between two readings, per second of `elapsed`.
func cpuShare(_ before: Double?, _ after: Double?, over elapsed: Duration) -> Double? {
    guard let before, let after else { return nil }
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return seconds > 0 ? (after - before) / seconds : nil
}
