import BrokerRedis
import Foundation
import Synchronization
import XCTest

final class RedisURLTests: XCTestCase {
    func testParsesTheForms() throws {
        XCTAssertEqual(try RedisURL(parsing: "redis://localhost"), RedisURL(host: "localhost", port: 6379))
        XCTAssertEqual(try RedisURL(parsing: "redis://10.0.0.5:6380"), RedisURL(host: "10.0.0.5", port: 6380))
        XCTAssertEqual(try RedisURL(parsing: "redis://:s3cret@redis:6379/2"), RedisURL(host: "redis", port: 6379, password: "s3cret", db: 2))
        XCTAssertEqual(try RedisURL(parsing: "redis://app:p%40ss@redis/"), RedisURL(host: "redis", user: "app", password: "p@ss"))
        XCTAssertEqual(try RedisURL(parsing: "redis://[::1]:7000/1"), RedisURL(host: "::1", port: 7000, db: 1))
        XCTAssertEqual(try RedisURL(parsing: "redis://:pw@h:1").description, "redis://***@h:1")
        XCTAssertEqual(RedisURL(host: "::1", port: 7000).endpoint, "[::1]:7000")
    }

    func testRejectsMalformedURLs() {
        for text in ["http://h:1", "redis://", "redis://h:0", "redis://h:99999", "redis://h:x", "redis://h/abc", "redis://:@h", "redis://[::1"] {
            XCTAssertThrowsError(try RedisURL(parsing: text), text)
        }
    }
}

final class RedisClientTests: XCTestCase {
    var server: RedisServer!

    override func setUpWithError() throws { server = try RedisServer() }
    override func tearDown() { server = nil }

    private func connected(_ url: RedisURL? = nil, maxPending: Int = 100_000) async throws -> RedisConnection {
        let connection = RedisConnection(url: url ?? server.url, name: "test", logger: testLogger("c"), maxPending: maxPending, timeouts: quickTimeouts())
        connection.start()
        let up = await eventually(.seconds(5)) { connection.isConnected }
        XCTAssertTrue(up)
        return connection
    }

    func testRepliesAreTyped() async throws {
        let c = try await connected()
        try await expectReply(c, ["PING"], .status("PONG"))
        try await expectReply(c, ["SET", "k", "v"], .status("OK"))
        try await expectReply(c, ["GET", "k"], .string(Array("v".utf8)))
        try await expectReply(c, ["GET", "missing"], .null)
        try await expectReply(c, ["INCRBY", "n", "-5"], .integer(-5))
        try await expectReply(c, ["RPUSH", "l", "a", "b"], .integer(2))
        try await expectReply(c, ["LRANGE", "l", "0", "-1"], .array([.string([0x61]), .string([0x62])]))
        let unknown = try await c.command(["NOSUCHCOMMAND"])
        guard case .error(let message) = unknown else { return XCTFail("expected an error reply") }
        XCTAssertTrue(message.hasPrefix("ERR"), message)
        // Binary-safe arguments.
        let binary: [UInt8] = [0, 13, 10, 255, 36, 42]
        try await expectReply(c, [Array("SET".utf8), Array("b".utf8), binary], .status("OK"))
        try await expectReply(c, ["GET", "b"], .string(binary))
        try await expectReply(c, [Array("SET".utf8), Array("e".utf8), []], .status("OK"))
        try await expectReply(c, ["STRLEN", "e"], .integer(0))
        await c.stop()
    }

    func testConcurrentCallersArePipelinedAndEachGetsItsReply() async throws {
        let c = try await connected()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<2_000 {
                group.addTask {
                    let reply = try await c.command(["ECHO", "value-\(index)"])
                    XCTAssertEqual(reply.text, "value-\(index)")
                }
            }
            try await group.waitForAll()
        }
        // Fire-and-forget sends keep their order relative to commands.
        for index in 0..<1_000 { XCTAssertTrue(c.send(["RPUSH", "order", String(index)])) }
        try await expectReply(c, ["LLEN", "order"], .integer(1_000))
        let last = try await c.command(["LINDEX", "order", "999"])
        XCTAssertEqual(last.text, "999")
        await c.stop()
    }

    func testSelectsTheDatabaseAndAuthenticates() async throws {
        let secured = try RedisServer(extraArguments: ["--requirepass", "s3cret"])
        let c = try await connected(RedisURL(host: "127.0.0.1", port: secured.port, password: "s3cret", db: 3))
        try await expectReply(c, ["SET", "in3", "x"], .status("OK"))
        await c.stop()
        let other = try await connected(RedisURL(host: "127.0.0.1", port: secured.port, password: "s3cret", db: 0))
        try await expectReply(other, ["EXISTS", "in3"], .integer(0))
        try await expectReply(other, ["SELECT", "3"], .status("OK"))
        try await expectReply(other, ["EXISTS", "in3"], .integer(1))
        await other.stop()
        // A wrong password never counts as connected, and the reason says why.
        let wrong = RedisConnection(url: RedisURL(host: "127.0.0.1", port: secured.port, password: "nope"), name: "w", logger: testLogger("w"))
        wrong.start()
        let failed = await eventually(.seconds(3)) { wrong.lastFailure != nil }
        XCTAssertTrue(failed)
        XCTAssertFalse(wrong.isConnected)
        XCTAssertTrue("\(wrong.lastFailure.map { "\($0)" } ?? "")".contains("AUTH"), "\(String(describing: wrong.lastFailure))")
        await wrong.stop()
    }

    func testCommandsFailFastWhileDisconnectedAndRecoverAfterRestart() async throws {
        let c = try await connected()
        server.kill()
        let down = await eventually(.seconds(5)) { !c.isConnected }
        XCTAssertTrue(down)
        let started = ContinuousClock.now
        do {
            _ = try await c.command(["PING"])
            XCTFail("must throw while disconnected")
        } catch let error as RedisError {
            guard case .disconnected = error else { return XCTFail("\(error)") }
        }
        XCTAssertLessThan(ContinuousClock.now - started, .milliseconds(100))
        XCTAssertFalse(c.send(["PING"]))
        try server.start()
        let up = await eventually(.seconds(5)) { c.isConnected }
        XCTAssertTrue(up)
        try await expectReply(c, ["PING"], .status("PONG"))
        await c.stop()
    }

    func testAHungServerIsNoticedByTheReadTimeout() async throws {
        let c = try await connected()
        guard let pid = server.pid else { return XCTFail("no pid") }
        kill(pid, SIGSTOP)
        defer { kill(pid, SIGCONT) }
        // The idle PING (500 ms) gets no reply within the 1 s read timeout.
        let down = await eventually(.seconds(4)) { !c.isConnected }
        XCTAssertTrue(down)
        kill(pid, SIGCONT)
        let up = await eventually(.seconds(5)) { c.isConnected }
        XCTAssertTrue(up)
        await c.stop()
    }

    func testTheQueueIsBounded() async throws {
        let c = try await connected(maxPending: 10)
        guard let pid = server.pid else { return XCTFail("no pid") }
        // Stall the server so nothing completes, then overfill.
        kill(pid, SIGSTOP)
        defer { kill(pid, SIGCONT) }
        var accepted = 0
        for _ in 0..<100 where c.send(["PING"]) { accepted += 1 }
        XCTAssertEqual(accepted, 10)
        do {
            _ = try await c.command(["PING"])
            XCTFail("must throw when full")
        } catch let error as RedisError {
            XCTAssertEqual(error, .queueFull)
        }
        kill(pid, SIGCONT)
        await c.stop()
    }

    func testSubscriberDeliversInOrderAndResubscribes() async throws {
        let received = Mutex<[String]>([])
        let events = Mutex<[String]>([])
        let subscriber = RedisSubscriber(
            url: server.url, channels: ["ch1", "ch2"], name: "sub", logger: testLogger("s"), timeouts: quickTimeouts(),
            onEvent: { event in events.withLock { $0.append("\(event)") } },
            onMessage: { channel, payload in received.withLock { $0.append("\(channel):\(String(decoding: payload, as: UTF8.self))") } }
        )
        subscriber.start()
        let subscribed = await eventually { subscriber.isSubscribed }
        XCTAssertTrue(subscribed)
        let c = try await connected()
        for index in 0..<500 { c.send(["PUBLISH", index % 2 == 0 ? "ch1" : "ch2", "m\(index)"]) }
        try await expectReply(c, ["PUBLISH", "other", "x"], .integer(0))
        let all = await eventually { received.withLock { $0.count } >= 500 }
        XCTAssertTrue(all)
        XCTAssertEqual(received.withLock { $0 }, (0..<500).map { "\($0 % 2 == 0 ? "ch1" : "ch2"):m\($0)" })

        server.kill()
        let down = await eventually(.seconds(5)) { !subscriber.isSubscribed && !c.isConnected }
        XCTAssertTrue(down)
        try server.start()
        let again = await eventually(.seconds(5)) { subscriber.isSubscribed }
        XCTAssertTrue(again)
        XCTAssertTrue(events.withLock { $0 }.contains("subscribed(resubscribe: true)"), "\(events.withLock { $0 })")
        let back = await eventually(.seconds(5)) { c.isConnected }
        XCTAssertTrue(back)
        try await expectReply(c, ["PUBLISH", "ch2", "after"], .integer(1))
        let after = await eventually { received.withLock { $0.last } == "ch2:after" }
        XCTAssertTrue(after)
        await subscriber.stop()
        await c.stop()
    }
}
