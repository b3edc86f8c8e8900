import Foundation
import Synchronization
import XCTest

/// A real `realtime-server` started for a test: free port (RTS_PORT=0, read back from its
/// `listening` log line), temporary database, rate limits lifted.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    let directory: URL
    /// Everything the server printed (a class box, so the pipe handler can share it).
    private final class Output: Sendable {
        let text = Mutex("")
    }
    private let output = Output()

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The built binary: $RTS_SERVER_BINARY, else the one built with these tests (so never a
    /// stale one), else the usual scratch paths (release first).
    static func binary() -> URL? {
        if let path = ProcessInfo.processInfo.environment["RTS_SERVER_BINARY"] { return URL(fileURLWithPath: path) }
        // The test bundle sits in (or a level or two below) the build directory.
        var bundleDirectory = Bundle.main.bundleURL
        var buildDirectories: [URL] = []
        for _ in 0..<3 {
            buildDirectories.append(bundleDirectory)
            bundleDirectory.deleteLastPathComponent()
        }
        let root = packageRoot
        let candidates = buildDirectories + [".build-lt/release", ".build/release", ".build-lt/debug", ".build/debug"].map { root.appendingPathComponent($0) }
        for directory in candidates {
            let url = directory.appendingPathComponent("realtime-server")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }

    init(binary: URL) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("lt-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        process.executableURL = binary
        process.currentDirectoryURL = Self.packageRoot
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in [
            "RTS_PORT": "0", "RTS_HOST": "127.0.0.1", "RTS_DB_PATH": directory.appendingPathComponent("db.sqlite").path,
            "RTS_DATA_DIR": directory.path, "RTS_LOG_LEVEL": "info",
            "RTS_CONN_RATE_PER_IP": "100000", "RTS_CONN_BURST_PER_IP": "100000", "RTS_MAX_CONNECTIONS_PER_IP": "1000000", "RTS_SEND_RATE": "100000",
            "RTS_SEND_BURST": "100000", "RTS_FRAME_RATE": "100000", "RTS_FRAME_BURST": "100000",
            "RTS_ROOM_RATE": "100000", "RTS_ROOM_BURST": "100000", "RTS_SIGNAL_RATE": "100000", "RTS_SIGNAL_BURST": "100000",
            "RTS_HISTORY_RATE": "100000", "RTS_HISTORY_BURST": "100000", "RTS_REACT_RATE": "100000", "RTS_REACT_BURST": "100000",
            "RTS_EDIT_RATE": "100000", "RTS_EDIT_BURST": "100000", "RTS_SUBSCRIBE_RATE": "100000", "RTS_SUBSCRIBE_BURST": "100000",
        ] { environment[key] = value }
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let output = self.output
        // Keep draining so a chatty server never blocks on a full pipe.
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let text = String(decoding: handle.availableData, as: UTF8.self)
            output.text.withLock { $0 += text }
        }
        try process.run()

        let deadline = Date().addingTimeInterval(20)
        var found: Int?
        while Date() < deadline, found == nil, process.isRunning {
            Thread.sleep(forTimeInterval: 0.05)
            found = output.text.withLock { Self.listeningPort(in: $0) }
        }
        guard let found else {
            process.terminate()
            throw XCTSkip("realtime-server did not report listening; output:\n\(output.text.withLock { $0 })")
        }
        port = found
    }

    var url: String { "ws://127.0.0.1:\(port)/ws" }
    var pid: Int { Int(process.processIdentifier) }
    var log: String { output.text.withLock { $0 } }

    /// The port in the `listening on <host>:<port>` line.
    static func listeningPort(in text: String) -> Int? {
        for line in text.split(separator: "\n") where line.contains("listening on") {
            guard let range = line.range(of: "listening on ") else { continue }
            let rest = line[range.upperBound...]
            guard let colon = rest.lastIndex(of: ":") else { continue }
            let digits = rest[rest.index(after: colon)...].prefix { $0.isNumber }
            if let port = Int(digits), port > 0 { return port }
        }
        return nil
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
