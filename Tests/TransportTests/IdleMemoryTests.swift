import Foundation
import Transport
import XCTest

/// Measures the server's resident memory per idle WebSocket connection.
/// Opt-in: `RTS_MEMORY=1 swift test --filter testIdleMemoryPerConnection` (RTS_MEMORY_CONNECTIONS, default 5000).
/// The clients are raw sockets, which cost this process no user-space memory, so the RSS
/// growth is the transport's (lws + Swift) per-connection cost, plus the test delegate's array slot.
final class IdleMemoryTests: XCTestCase {
    func testIdleMemoryPerConnection() async throws {
        let environment = ProcessInfo.processInfo.environment
        try XCTSkipUnless(environment["RTS_MEMORY"] == "1", "set RTS_MEMORY=1 to measure idle memory")
        let count = Int(environment["RTS_MEMORY_CONNECTIONS"] ?? "") ?? 5000

        let (server, delegate) = try makeServer { $0.heartbeatMS = 600_000 }
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 1000) } }
        // Warm up allocator arenas and lws' lazily created pools with a first batch.
        var sockets = try openIdle(port: server.port, count: 200)
        await eventually(30) { delegate.opened.count == 200 }
        try await Task.sleep(for: .milliseconds(300))
        let before = residentBytes()

        sockets += try openIdle(port: server.port, count: count)
        await eventually(60) { delegate.opened.count == count + 200 }
        try await Task.sleep(for: .milliseconds(500))
        let after = residentBytes()

        let perConnection = Double(after - before) / Double(count)
        print("idle memory: \(count) connections, RSS +\(after - before) bytes, \(Int(perConnection)) bytes/connection")
        for fd in sockets { close(fd) }
        XCTAssertLessThan(perConnection, 16 * 1024)
    }

    /// Opens `count` WebSocket connections on raw sockets and completes their handshakes.
    private func openIdle(port: Int, count: Int) throws -> [Int32] {
        var sockets: [Int32] = []
        var buffer = [UInt8](repeating: 0, count: 512)
        for batchStart in stride(from: 0, to: count, by: 100) {
            var batch: [Int32] = []
            for _ in batchStart..<min(count, batchStart + 100) {
                let fd = try RawHTTP.connectLoopback(port: port)
                RawHTTP.write(fd, RawHTTP.upgradeRequest)
                batch.append(fd)
            }
            for fd in batch {
                // The 101 response fits in one read.
                _ = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            }
            sockets += batch
        }
        return sockets
    }

    private func residentBytes() -> Int {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = statm.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
