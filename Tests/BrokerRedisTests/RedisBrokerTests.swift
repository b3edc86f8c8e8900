import Broker
import BrokerRedis
import Foundation
import Logging
import Outbound
import Synchronization
import XCTest

/// Collects what a broker delivers.
final class CollectingReceiver: ClusterReceiver {
    private let state = Mutex<(events: [ClusterEvent], reconnects: Int)>(([], 0))
    private let onEvent: (@Sendable (ClusterEvent) -> Void)?

    init(onEvent: (@Sendable (ClusterEvent) -> Void)? = nil) { self.onEvent = onEvent }

    func received(_ event: ClusterEvent) {
        state.withLock { $0.events.append(event) }
        onEvent?(event)
    }

    func reconnected() { state.withLock { $0.reconnects += 1 } }

    var events: [ClusterEvent] { state.withLock { $0.events } }
    var count: Int { state.withLock { $0.events.count } }
    var reconnects: Int { state.withLock { $0.reconnects } }
}

func testLogger(_ label: String) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = ProcessInfo.processInfo.environment["RTS_TEST_LOG"] == "1" ? .debug : .critical
    return logger
}

/// Fast failure detection for tests (the defaults are 1 s pings and 2 s timeouts too).
func quickTimeouts() -> RedisTimeouts {
    var timeouts = RedisTimeouts()
    timeouts.ping = .milliseconds(500)
    timeouts.io = .seconds(1)
    return timeouts
}

func roomEvent(origin: String, seq: Int64, frameBytes: Int = 32) -> ClusterEvent {
    var payload = [UInt8](repeating: 0x2E, count: frameBytes)
    withUnsafeBytes(of: seq.littleEndian) { for (index, byte) in $0.enumerated() where index < frameBytes { payload[index] = byte } }
    return ClusterEvent(origin: origin, org: "acme", body: .room(room: "r1", change: .message(seq: seq), frame: SharedFrame(payload)))
}

func seqs(_ events: [ClusterEvent], from origin: String) -> [Int64] {
    events.compactMap { event in
        guard event.origin == origin, case .room(_, .message(let seq), _) = event.body else { return nil }
        return seq
    }
}

final class RedisBrokerTests: XCTestCase {
    var server: RedisServer!

    override func setUpWithError() throws {
        server = try RedisServer()
    }

    override func tearDown() {
        server = nil
    }

    func testTwoNodesExchangeTenThousandEventsInOrderWithoutEchoes() async throws {
        let receiverA = CollectingReceiver()
        let receiverB = CollectingReceiver()
        let a = RedisBroker(url: server.url, nodeID: "node-a", logger: testLogger("a"))
        let b = RedisBroker(url: server.url, nodeID: "node-b", logger: testLogger("b"))
        try await a.start(receiver: receiverA)
        try await b.start(receiver: receiverB)
        XCTAssertTrue(a.isConnected)
        XCTAssertTrue(a.isClustered)

        let count = 10_000
        for seq in 1...count {
            a.publish(roomEvent(origin: "node-a", seq: Int64(seq)))
            b.publish(roomEvent(origin: "node-b", seq: Int64(seq)))
        }
        let delivered = await eventually(.seconds(30)) { receiverA.count >= count && receiverB.count >= count }
        XCTAssertTrue(delivered, "a got \(receiverA.count), b got \(receiverB.count)")
        // Give stray echoes a moment to show up.
        try await Task.sleep(for: .milliseconds(200))
        XCTAssertEqual(seqs(receiverB.events, from: "node-a"), (1...count).map(Int64.init))
        XCTAssertEqual(seqs(receiverA.events, from: "node-b"), (1...count).map(Int64.init))
        XCTAssertEqual(receiverA.count, count, "node-a must not get its own events")
        XCTAssertEqual(receiverB.count, count, "node-b must not get its own events")
        // Frames arrive byte for byte.
        if case .room(_, _, let frame?) = receiverB.events[41].body {
            XCTAssertEqual(Array(frame.bytes.prefix(8)), withUnsafeBytes(of: Int64(42).littleEndian) { Array($0) })
            XCTAssertEqual(frame.count, 32)
        } else {
            XCTFail("not a room event")
        }
        await a.stop()
        await b.stop()
        XCTAssertFalse(a.isConnected)
    }

    func testEveryKindOfEventCrossesRedis() async throws {
        let receiver = CollectingReceiver()
        let a = RedisBroker(url: server.url, nodeID: "node-a", logger: testLogger("a"))
        let b = RedisBroker(url: server.url, nodeID: "node-b", logger: testLogger("b"))
        try await a.start(receiver: CollectingReceiver())
        try await b.start(receiver: receiver)
        let events = everyKindOfEvent().map { ClusterEvent(origin: "node-a", org: $0.org, body: $0.body) }
        for event in events { a.publish(event) }
        let delivered = await eventually { receiver.count >= events.count }
        XCTAssertTrue(delivered)
        XCTAssertEqual(receiver.events.map(render), events.map(render))
        await a.stop()
        await b.stop()
    }

    func testMalformedPayloadsAreDroppedNotDelivered() async throws {
        let receiver = CollectingReceiver()
        let b = RedisBroker(url: server.url, nodeID: "node-b", logger: testLogger("b"))
        try await b.start(receiver: receiver)
        let raw = RedisConnection(url: server.url, name: "raw", logger: testLogger("raw"))
        raw.start()
        _ = await eventually { raw.isConnected }
        var garbage = ClusterEventCodec.encode(roomEvent(origin: "node-a", seq: 1))
        garbage[0] = 7  // unknown version
        for payload in [[UInt8](), [1, 1, 200], garbage, Array("hello".utf8)] {
            _ = try await raw.command([Array("PUBLISH".utf8), Array(RedisBroker.channel.utf8), payload])
        }
        _ = try await raw.command([Array("PUBLISH".utf8), Array(RedisBroker.channel.utf8), ClusterEventCodec.encode(roomEvent(origin: "node-a", seq: 2))])
        let delivered = await eventually { receiver.count >= 1 }
        XCTAssertTrue(delivered)
        try await Task.sleep(for: .milliseconds(100))
        XCTAssertEqual(seqs(receiver.events, from: "node-a"), [2])
        await raw.stop()
        await b.stop()
    }

    func testRedisKilledMidStreamThenRestartedOnTheSamePort() async throws {
        let receiverA = CollectingReceiver()
        let receiverB = CollectingReceiver()
        let a = RedisBroker(url: server.url, nodeID: "node-a", logger: testLogger("a"), timeouts: quickTimeouts())
        let b = RedisBroker(url: server.url, nodeID: "node-b", logger: testLogger("b"), timeouts: quickTimeouts())
        try await a.start(receiver: receiverA)
        try await b.start(receiver: receiverB)

        // A steady stream from node-a.
        let publishing = Task {
            var seq: Int64 = 0
            while !Task.isCancelled {
                seq += 1
                a.publish(roomEvent(origin: "node-a", seq: seq))
                try? await Task.sleep(for: .milliseconds(1))
            }
        }
        let flowing = await eventually { receiverB.count >= 100 }
        XCTAssertTrue(flowing)

        server.kill()
        let noticed = await eventually(.seconds(5)) { !a.isConnected && !b.isConnected }
        XCTAssertTrue(noticed, "both brokers notice the loss (a \(a.isConnected), b \(b.isConnected))")

        // Publishing while Redis is gone neither blocks nor crashes.
        let started = ContinuousClock.now
        for seq in 0..<10_000 { a.publish(roomEvent(origin: "node-a", seq: Int64(1_000_000 + seq), frameBytes: 200)) }
        let elapsed = ContinuousClock.now - started
        XCTAssertLessThan(elapsed, .milliseconds(500), "10 000 publishes while disconnected took \(elapsed)")
        XCTAssertEqual(receiverA.reconnects, 0)

        try server.start()
        let back = await eventually(.seconds(10)) { a.isConnected && b.isConnected }
        XCTAssertTrue(back, "both brokers reconnect")
        let told = await eventually(.seconds(5)) { receiverA.reconnects >= 1 && receiverB.reconnects >= 1 }
        XCTAssertTrue(told, "receivers hear reconnected() (a \(receiverA.reconnects), b \(receiverB.reconnects))")

        // Delivery resumes (both ways).
        let before = receiverB.count
        let resumed = await eventually(.seconds(5)) { receiverB.count >= before + 100 }
        XCTAssertTrue(resumed, "node-b receives node-a's stream again")
        publishing.cancel()
        b.publish(roomEvent(origin: "node-b", seq: 7))
        let reverse = await eventually { seqs(receiverA.events, from: "node-b").contains(7) }
        XCTAssertTrue(reverse)
        // Order per origin survives the loss (gaps allowed, never reordering).
        let received = seqs(receiverB.events, from: "node-a").filter { $0 < 1_000_000 }
        XCTAssertEqual(received, received.sorted())
        await a.stop()
        await b.stop()
    }

    func testStartAgainstAClosedPortThrowsAClearErrorWithinSixSeconds() async throws {
        let port = try freeLoopbackPort()
        let broker = RedisBroker(url: RedisURL(host: "127.0.0.1", port: port), nodeID: "node-a", logger: testLogger("a"))
        let started = ContinuousClock.now
        do {
            try await broker.start(receiver: CollectingReceiver())
            XCTFail("start must throw")
        } catch {
            let message = "\(error)"
            XCTAssertTrue(message.hasPrefix("redis at 127.0.0.1:\(port) unreachable: "), message)
            XCTAssertTrue(message.contains("refused"), message)
        }
        let elapsed = ContinuousClock.now - started
        XCTAssertGreaterThan(elapsed, .seconds(4))
        XCTAssertLessThan(elapsed, .seconds(6.5))
        XCTAssertFalse(broker.isConnected)
    }

    func testStopIsPromptAndPublishAfterStopIsDropped() async throws {
        let broker = RedisBroker(url: server.url, nodeID: "node-a", logger: testLogger("a"))
        try await broker.start(receiver: CollectingReceiver())
        let started = ContinuousClock.now
        await broker.stop()
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(1.5))
        broker.publish(roomEvent(origin: "node-a", seq: 1))
        XCTAssertFalse(broker.isConnected)
    }
}
