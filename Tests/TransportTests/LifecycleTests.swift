import Foundation
import NIOCore
import Outbound
import Transport
import WSClient
import XCTest

final class LifecycleTests: XCTestCase {
    func testCloseWithFlushDeliversQueuedFramesThenCloses() async throws {
        let (server, delegate) = try makeServer()
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        // Triggered by a client message rather than at open: WSClient can lose frames (and even the
        // server's FIN) that arrive in the same read as its 101 response.
        delegate.onMessage { connection, _ in
            for i in 1...5 { connection.send(SharedFrame(text: "frame \(i)")) }
            connection.close(code: 4001, reason: "unauthorized", flush: true)
            XCTAssertFalse(connection.send(SharedFrame(text: "too late")))
        }
        let got = Box<[WebSocketMessage]>([])
        let frame = try await runClient("ws://127.0.0.1:\(server.port)/ws") { inbound, outbound, _ in
            try await outbound.write(.text("go"))
            let collected = try await collectMessages(inbound)
            got.update { $0 = collected }
        }
        XCTAssertEqual(got.value, (1...5).map { .text("frame \($0)") })
        XCTAssertEqual(frame?.closeCode, closeCode(4001))
        XCTAssertEqual(frame?.reason, "unauthorized")
        await eventually { delegate.closed.count == 1 }
    }

    func testCloseWithoutFlushDropsQueuedFrames() async throws {
        let (server, delegate) = try makeServer()
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        delegate.onMessage { connection, _ in
            for i in 1...5 { connection.send(SharedFrame(text: "frame \(i)")) }
            connection.close(code: 4003, reason: "banned", flush: false)
        }
        let got = Box<[WebSocketMessage]>([])
        let frame = try await runClient("ws://127.0.0.1:\(server.port)/ws") { inbound, outbound, _ in
            try await outbound.write(.text("go"))
            let collected = try await collectMessages(inbound)
            got.update { $0 = collected }
        }
        XCTAssertEqual(got.value, [])
        XCTAssertEqual(frame?.closeCode, closeCode(4003))
    }

    func testDeadlineClosesWithItsCode() async throws {
        let (server, delegate) = try makeServer()
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        delegate.onOpen { connection in
            connection.setDeadline(afterMS: 200, closeCode: 4001, reason: "auth timeout")
        }
        let started = ContinuousClock.now
        let frame = try await runClient("ws://127.0.0.1:\(server.port)/ws") { inbound, _, _ in
            _ = try await collectMessages(inbound)
        }
        let elapsed = ContinuousClock.now - started
        XCTAssertEqual(frame?.closeCode, closeCode(4001))
        XCTAssertEqual(frame?.reason, "auth timeout")
        XCTAssertGreaterThanOrEqual(elapsed, .milliseconds(190))
        XCTAssertLessThan(elapsed, .seconds(3))
        XCTAssertEqual(delegate.deadlines.count, 1)
        XCTAssertEqual(delegate.deadlines, delegate.opened.map(\.connectionID))
    }

    func testDeadlineCanBeReplacedAndDisarmed() async throws {
        let (server, delegate) = try makeServer()
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        delegate.onOpen { connection in
            connection.setDeadline(afterMS: 150, closeCode: 4001, reason: "auth timeout")
        }
        let got = Box<[WebSocketMessage]>([])
        let frame = try await runClient("ws://127.0.0.1:\(server.port)/ws") { inbound, outbound, _ in
            // From another thread: disarm, wait past the old deadline, then arm a new one (token expiry).
            guard let connection = delegate.opened.first else { return }
            connection.setDeadline(afterMS: nil, closeCode: 0, reason: "")
            try await Task.sleep(for: .milliseconds(400))
            try await outbound.write(.text("still here"))
            connection.setDeadline(afterMS: 100, closeCode: 4010, reason: "token expired")
            let collected = try await collectMessages(inbound)
            got.update { $0 = collected }
        }
        XCTAssertEqual(got.value, [.text("still here")])
        XCTAssertEqual(frame?.closeCode, closeCode(4010))
        XCTAssertEqual(delegate.deadlines.count, 1)
    }

    func testShutdownClosesEveryConnectionWith1001() async throws {
        let (server, delegate) = try makeServer()
        let frames = Box<[WebSocketCloseFrame?]>([])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<3 {
                group.addTask {
                    let frame = try await runClient("ws://127.0.0.1:\(server.port)/ws") { inbound, _, _ in
                        _ = try await collectMessages(inbound)
                    }
                    frames.update { $0.append(frame) }
                }
            }
            await eventually { delegate.opened.count == 3 }
            delegate.opened.first?.send(SharedFrame(text: "last words"))
            let started = ContinuousClock.now
            await server.shutdown(closeCode: 1001, reason: "going away", graceMS: 3000)
            XCTAssertLessThan(ContinuousClock.now - started, .seconds(3))
            try await group.waitForAll()
        }
        XCTAssertEqual(frames.value.map { $0?.closeCode }, Array(repeating: closeCode(1001), count: 3))
        XCTAssertEqual(Set(delegate.closed), Set(delegate.opened.map(\.connectionID)))
        XCTAssertEqual(delegate.closed.count, 3, "connectionClosed exactly once each")
        // Idempotent, and sends after shutdown are refused.
        await server.shutdown(closeCode: 1001, reason: "going away", graceMS: 100)
        XCTAssertFalse(delegate.opened[0].send(SharedFrame(text: "x")))
        XCTAssertThrowsError(try RawHTTP.get(port: server.port, path: "/healthz"))
    }

    func testShutdownAfterGraceDropsConnectionsThatDoNotClose() async throws {
        let (server, delegate) = try makeServer()
        // A raw socket that completes the handshake but never answers the close frame.
        let silent = try SilentSocket(port: server.port)
        defer { silent.close() }
        await eventually { delegate.opened.count == 1 }
        let started = ContinuousClock.now
        await server.shutdown(closeCode: 1001, reason: "going away", graceMS: 200)
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(2))
        XCTAssertEqual(delegate.closed.count, 1, "destroying the context still reports the close")
    }

    func testSilentPeerIsHungUpByHeartbeat() async throws {
        let (server, delegate) = try makeServer { $0.heartbeatMS = 1000 }
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        // WSClient answers pings, so it stays; a raw socket that never reads does not.
        let alive = Task {
            try await runClient("ws://127.0.0.1:\(server.port)/ws") { inbound, _, _ in
                _ = try await collectMessages(inbound)
            }
        }
        defer { alive.cancel() }
        let silent = try SilentSocket(port: server.port)
        defer { silent.close() }
        await eventually { delegate.opened.count == 2 }
        let started = Date()
        await eventually(8) { delegate.closed.count == 1 }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        XCTAssertEqual(delegate.closed.count, 1, "the answering client is still connected")
    }

    func testPeerThatKeepsSendingIsNotSilentEvenWithoutPongs() async throws {
        let (server, delegate) = try makeServer { $0.heartbeatMS = 400 }
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        delegate.echo = false
        let talker = try SilentSocket(port: server.port)
        defer { talker.close() }
        await eventually { delegate.opened.count == 1 }
        // 2.5 s is 2.5 hang-up periods (1 s each): only the messages keep it open.
        for n in 0..<25 {
            talker.sendText("m\(n)")
            try await Task.sleep(for: .milliseconds(100))
        }
        await eventually { delegate.received.count == 25 }
        XCTAssertEqual(delegate.closed.count, 0, "a peer we hear from is not silent")
    }

    func testABurstOfConnectionsIsAcceptedWhole() async throws {
        // The transport accepts a bounded batch per loop pass: more than a batch arriving at
        // once must still all be accepted and upgraded.
        let (server, delegate) = try makeServer()
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        let sockets = try (0..<300).map { _ in try SilentSocket(port: server.port) }
        defer { sockets.forEach { $0.close() } }
        await eventually(10) { delegate.opened.count == sockets.count }
        XCTAssertEqual(delegate.opened.count, sockets.count)
    }

    func testConnectionsAreReleasedAfterClose() async throws {
        let (server, delegate) = try makeServer()
        defer { Task { await server.shutdown(closeCode: 1001, reason: "", graceMS: 100) } }
        for _ in 0..<3 {
            try await runClient("ws://127.0.0.1:\(server.port)/ws") { _, outbound, _ in
                try await outbound.write(.text("bye"))
            }
        }
        await eventually { delegate.closed.count == 3 }
        weak let first = delegate.opened.first
        weak let last = delegate.opened.last
        XCTAssertNotNil(first)
        delegate.forgetConnections()
        await eventually { first == nil && last == nil }
    }
}

/// Completes a WebSocket handshake on a raw socket and then never reads or writes.
final class SilentSocket: @unchecked Sendable {
    private let fd: Int32

    init(port: Int) throws {
        fd = try RawHTTP.connectLoopback(port: port)
        RawHTTP.write(fd, RawHTTP.upgradeRequest)
    }

    /// Sends one short masked text frame (and never reads: pings go unanswered).
    func sendText(_ text: String) {
        let payload = Array(text.utf8)
        precondition(payload.count < 126)
        let mask: [UInt8] = [1, 2, 3, 4]
        RawHTTP.write(fd, [0x81, 0x80 | UInt8(payload.count)] + mask + payload.enumerated().map { $1 ^ mask[$0 % 4] })
    }

    func close() {
        _ = Glibc.close(fd)
    }
}
