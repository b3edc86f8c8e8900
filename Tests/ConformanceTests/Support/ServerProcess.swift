import Foundation
import Synchronization
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The `realtime-server` executable run as a child process, configured only by `RTS_*` variables.
final class ServerProcess: Sendable {
    let process: Process
    let port: Int
    private let output: Output

    private final class Output: Sendable {
        let text = Mutex("")
    }

    /// The built executable: `RTS_SERVER_BINARY`, else next to the test bundle, else any `.build*/debug/` of the package.
    static func binary() throws -> URL {
        let fm = FileManager.default
        if let path = ProcessInfo.processInfo.environment["RTS_SERVER_BINARY"], !path.isEmpty {
            guard fm.isExecutableFile(atPath: path) else { throw XCTSkip("RTS_SERVER_BINARY=\(path) is not an executable") }
            return URL(fileURLWithPath: path)
        }
        var candidates: [URL] = []
        var bundleDir = Bundle.main.bundleURL
        for _ in 0..<3 {
            candidates.append(bundleDir.appendingPathComponent("realtime-server"))
            bundleDir.deleteLastPathComponent()
        }
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" && !fm.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
            dir.deleteLastPathComponent()
        }
        let builds = ((try? fm.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasPrefix(".build") }.sorted()
        for build in [".build-conf"] + builds {
            candidates.append(dir.appendingPathComponent(build).appendingPathComponent("debug/realtime-server"))
        }
        if let found = candidates.first(where: { fm.isExecutableFile(atPath: $0.path) }) { return found }
        throw XCTSkip("realtime-server executable not found (build it, or set RTS_SERVER_BINARY); looked in \(candidates.map(\.path))")
    }

    /// A free TCP port on 127.0.0.1 (bound and released).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw ConformanceError("could not find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func environment(dbPath: String, port: Int, extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("RTS_") }
        environment["RTS_HOST"] = "127.0.0.1"
        environment["RTS_PORT"] = "\(port)"
        environment["RTS_DB_PATH"] = dbPath
        environment["RTS_JWT_SECRET"] = TestServer.secret
        environment["RTS_LOG_LEVEL"] = "info"
        environment["RTS_CONN_RATE_PER_IP"] = "1000"
        environment["RTS_CONN_BURST_PER_IP"] = "1000"
        for (key, value) in extra { environment[key] = value }
        return environment
    }

    private init(process: Process, port: Int, output: Output) {
        self.process = process
        self.port = port
        self.output = output
    }

    /// Starts `realtime-server serve` and returns once it logged `listening` (with the port).
    static func start(dbPath: String, workingDirectory: URL, extra: [String: String] = [:]) async throws -> ServerProcess {
        let port = try freePort()
        let process = Process()
        process.executableURL = try binary()
        process.arguments = ["serve"]
        process.environment = environment(dbPath: dbPath, port: port, extra: extra)
        process.currentDirectoryURL = workingDirectory
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let output = Output()
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            guard !data.isEmpty else {
                handle.readabilityHandler = nil
                return
            }
            output.text.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
        let server = ServerProcess(process: process, port: port, output: output)
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let log = server.log
            if log.split(separator: "\n").contains(where: { $0.contains("listening") && $0.contains("\(port)") }) { return server }
            guard process.isRunning else { throw ConformanceError("realtime-server exited (\(process.terminationStatus)) before listening:\n\(log)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        server.kill()
        throw ConformanceError("realtime-server did not log 'listening' with port \(port) within 20 s:\n\(server.log)")
    }

    var log: String { output.text.withLock { $0 } }

    func terminate() { process.terminate() }

    /// Sends `signal` (SIGINT is what Ctrl-C in a terminal sends).
    func send(signal: Int32) { Glibc.kill(process.processIdentifier, signal) }

    func kill() {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
    }

    /// Waits for exit; nil when still running after `timeout`.
    func waitForExit(timeout: Duration) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else { return nil }
            try await Task.sleep(for: .milliseconds(50))
        }
        return process.terminationReason == .exit ? process.terminationStatus : -process.terminationStatus
    }

    /// Runs `realtime-server token …` with the same environment and returns the printed token.
    static func cliToken(sub: String, org: String, role: String, ttl: Int? = nil, dbPath: String, workingDirectory: URL) async throws -> String {
        let arguments = ["token", "--sub", sub, "--org", org, "--role", role] + (ttl.map { ["--ttl", "\($0)"] } ?? [])
        let (status, output) = try await runCLI(arguments, dbPath: dbPath, workingDirectory: workingDirectory)
        let token = output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard status == 0, token.split(separator: ".").count == 3 else {
            throw ConformanceError("`realtime-server token` failed (\(status)): \(token)")
        }
        return token
    }

    /// Runs a one-shot `realtime-server` command with the test environment, feeding `input` on stdin;
    /// returns its exit status and stdout.
    static func runCLI(
        _ arguments: [String], input: String? = nil, dbPath: String, workingDirectory: URL, extra: [String: String] = [:]
    ) async throws -> (Int32, String) {
        let process = Process()
        process.executableURL = try binary()
        process.arguments = arguments
        process.environment = environment(dbPath: dbPath, port: 0, extra: extra)
        process.currentDirectoryURL = workingDirectory
        let output = Pipe()
        let stdin = Pipe()
        process.standardOutput = output
        process.standardInput = stdin
        process.standardError = FileHandle.nullDevice
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let deadline = ContinuousClock.now + .seconds(20)
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
