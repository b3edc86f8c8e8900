import Foundation
import XCTest

/// Cluster mode with the real components: several `realtime-server` processes, one PostgreSQL
/// database, one redis-server. Killing a node, Redis or PostgreSQL loses nothing acknowledged.
final class ClusterProcessConformanceTests: XCTestCase {
    private var cluster: ProcessCluster?

    override func tearDown() async throws {
        await cluster?.stop()
        cluster = nil
        try await super.tearDown()
    }

    private func start(nodes: Int, extra: [String: String] = [:]) async throws -> ProcessCluster {
        let started = try await ProcessCluster.start(nodes: nodes, extra: extra)
        cluster = started
        return started
    }

    /// `count` message pushes of `room`, checked to be exactly `seqs` in order.
    private func expectMessages(_ client: TestClient, in room: String, seqs: ClosedRange<Int>, timeout: Duration = .seconds(10)) async throws -> [String] {
        var ids: [String] = []
        for seq in seqs {
            let push = try await client.nextMessage(in: room, timeout: timeout)
            XCTAssertEqual(push.seq, seq, "\(client.label): one gap-free order")
            ids.append(push["msg"]?["id"]?.string ?? "")
        }
        return ids
    }

    func testThreeNodesShareUsersAndDeliverOneGapFreeOrder() async throws {
        let cluster = try await start(nodes: 3)
        let org = Fresh.id("org")
        let room = Fresh.id("room")
        // A user who signed in only on node 2 is known on node 0.
        let peer = try await cluster.client(2, user: "pat", org: org)
        let owner = try await cluster.client(0, user: "olga", org: org, role: "mentor")
        let direct = try await owner.require("room", ["type": "direct.open", "user": "pat"])
        XCTAssertNotNil(direct["room"]?["id"]?.string)
        _ = peer

        try await owner.createRoom(room, visibility: "org")
        var senders: [TestClient] = []
        var watchers: [TestClient] = []
        for node in 0..<3 {
            let watcher = try await cluster.client(node, user: "w\(node)", org: org)
            try await watcher.join(room)
            watchers.append(watcher)
            for n in 0..<2 {
                let sender = try await cluster.client(node, user: "s\(node)-\(n)", org: org)
                try await sender.join(room)
                senders.append(sender)
            }
        }
        let perSender = 20
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, sender) in senders.enumerated() {
                group.addTask { for n in 0..<perSender { try await sender.say("s\(index) says \(n)", in: room) } }
            }
            try await group.waitForAll()
        }
        var orders: Set<[String]> = []
        for watcher in watchers {
            orders.insert(try await expectMessages(watcher, in: room, seqs: 1...(senders.count * perSender)))
            await watcher.expectNoMessage(within: .milliseconds(300), "a duplicate") { $0.type == "message" }
        }
        XCTAssertEqual(orders.count, 1, "every node shows the same order")
    }

    func testKilledNodesUsersGoOfflineAndItsClientsRecoverOnAnotherNode() async throws {
        let cluster = try await start(nodes: 3, extra: ["RTS_PRESENCE_GRACE_MS": "500"])
        let org = Fresh.id("org")
        let room = Fresh.id("room")
        let watcher = try await cluster.client(0, user: "watcher", org: org, role: "mentor")
        try await watcher.createRoom(room, visibility: "org")
        try await watcher.join(room)
        let subject = try await cluster.client(2, user: "subject", org: org)
        try await subject.join(room)
        try await watcher.say("before", in: room)
        _ = try await subject.nextMessage(in: room, seq: 1)

        let killed = ContinuousClock.now
        cluster.nodes[2].kill()
        // Sent while the subject's node is gone.
        for n in 2...4 { try await watcher.say("while away \(n)", in: room) }
        _ = try await watcher.nextPush("presence", in: room, timeout: .seconds(20)) {
            $0["user"]?.string == "subject" && $0["status"]?.string == "offline"
        }
        XCTAssertLessThan(ContinuousClock.now - killed, .seconds(15), "a dead node's users go offline within 15 s")

        // The phone reconnects to another node and recovers exactly what it missed.
        let back = try await cluster.client(1, user: "subject", org: org)
        let joined = try await back.join(room, since: 1)
        XCTAssertEqual(joined["recovered"]?.bool, true, "\(joined)")
        XCTAssertEqual(joined["missed"]?.array?.compactMap { $0["seq"]?.int }, [2, 3, 4])
        try await watcher.say("after", in: room)
        _ = try await back.nextMessage(in: room, seq: 5)
    }

    func testRedisOutageKeepsNodesServingAndDeliveryResumesWithoutGaps() async throws {
        let cluster = try await start(nodes: 2)
        let org = Fresh.id("org")
        let room = Fresh.id("room")
        let alice = try await cluster.client(0, user: "alice", org: org, role: "mentor")
        try await alice.createRoom(room, visibility: "org")
        try await alice.join(room)
        let bob = try await cluster.client(1, user: "bob", org: org)
        try await bob.join(room)
        try await cluster.waitForReadyz(0, 200)

        cluster.redis.kill()
        try await cluster.waitForReadyz(0, 503)
        try await cluster.waitForReadyz(1, 503)
        // Each node still serves its own sessions and stores what they send.
        for n in 1...3 {
            let ack = try await alice.say("during the outage \(n)", in: room)
            XCTAssertEqual(ack["seq"]?.int, n)
            _ = try await alice.nextMessage(in: room, seq: n)
        }

        try await cluster.redis.start()
        try await cluster.waitForReadyz(0, 200, within: .seconds(15))
        try await cluster.waitForReadyz(1, 200, within: .seconds(15))
        // Bob's node catches up from the store once the broker is back: nothing lost, no gap.
        _ = try await expectMessages(bob, in: room, seqs: 1...3, timeout: .seconds(15))
        try await alice.say("after the outage", in: room)
        _ = try await bob.nextMessage(in: room, seq: 4)
        XCTAssertTrue(cluster.nodes[0].log.contains("broker disconnected"), "the outage is logged")
    }

    func testPostgresRestartGivesClearErrorsThenRecovers() async throws {
        let cluster = try await start(nodes: 2)
        let org = Fresh.id("org")
        let room = Fresh.id("room")
        let alice = try await cluster.client(0, user: "alice", org: org, role: "mentor")
        try await alice.createRoom(room, visibility: "org")
        try await alice.join(room)
        try await alice.say("before", in: room)

        let restart = try await ClusterServices.stopPostgres()
        do {
            // The store's operation timeout (10 s) bounds the wait for a connection.
            let error = try await alice.request(
                ["type": "send", "room": room, "text": "while the store is down", "client_msg_id": "down-1"], timeout: .seconds(15))
            XCTAssertEqual(error.type, "error", "\(error)")
            XCTAssertEqual(error["code"]?.string, "internal")
            try await cluster.waitForReadyz(0, 503)
        } catch {
            try await restart()
            throw error
        }
        try await restart()
        try await cluster.waitForReadyz(0, 200, within: .seconds(20))
        let deadline = ContinuousClock.now + .seconds(20)
        var ack: JSON?
        while ack == nil, ContinuousClock.now < deadline {
            let reply = try await alice.request(["type": "send", "room": room, "text": "after the restart", "client_msg_id": "up-1"])
            if reply.type == "ack" { ack = reply } else { try await Task.sleep(for: .milliseconds(200)) }
        }
        XCTAssertEqual(ack?["seq"]?.int, 2, "the failed send stored nothing; the next one takes seq 2")
    }
}
