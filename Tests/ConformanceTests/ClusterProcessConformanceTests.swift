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

    /// A fresh org and room: `owner` (a mentor on `ownerNode`) created and joined it, `member`
    /// (a student on `memberNode`) joined it.
    private func room(
        _ cluster: ProcessCluster, owner: String, on ownerNode: Int, member: String, on memberNode: Int
    ) async throws -> (org: String, room: String, owner: TestClient, member: TestClient) {
        let org = Fresh.id("org")
        let room = Fresh.id("room")
        let ownerClient = try await cluster.client(ownerNode, user: owner, org: org, role: "mentor")
        try await ownerClient.createRoom(room, visibility: "org")
        try await ownerClient.join(room)
        let memberClient = try await cluster.client(memberNode, user: member, org: org)
        try await memberClient.join(room)
        return (org, room, ownerClient, memberClient)
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
        let (org, room, watcher, subject) = try await room(cluster, owner: "watcher", on: 0, member: "subject", on: 2)
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

    func testPerUserRateLimitsHoldAcrossNodes() async throws {
        // A burst of 3 sends for the whole cluster: a second session on another node adds none.
        let cluster = try await start(nodes: 2, extra: ["RTS_SEND_RATE": "0.1", "RTS_SEND_BURST": "3"])
        let (org, room, _, first) = try await room(cluster, owner: "olga", on: 0, member: "sam", on: 0)
        let second = try await cluster.client(1, user: "sam", org: org)
        try await second.join(room)
        try await first.say("one", in: room)
        try await second.say("two", in: room)
        try await first.say("three", in: room)
        let limited = try await second.expectError("rate_limited", to: [
            "type": "send", "room": room, "text": "four", "client_msg_id": UUID().uuidString,
        ])
        XCTAssertGreaterThan(limited["retry_after_ms"]?.int ?? 0, 0, "\(limited)")
    }

    func testLeasedTokensStillHoldTheClusterWideLimit() async throws {
        // 10/s with a burst of 8: nodes lease 2 tokens at a time (TokenLeases), which must never let
        // a user past burst + refill however their sends are spread.
        let cluster = try await start(nodes: 2, extra: ["RTS_SEND_RATE": "10", "RTS_SEND_BURST": "8"])
        let (org, room, _, first) = try await room(cluster, owner: "olga", on: 0, member: "sam", on: 0)
        let second = try await cluster.client(1, user: "sam", org: org)
        try await second.join(room)
        let started = ContinuousClock.now
        var allowed = 0
        var limited = false
        for index in 0..<40 where !limited {
            let client = index.isMultiple(of: 2) ? first : second
            let reply = try await client.request([
                "type": "send", "room": room, "text": "lease \(index)", "client_msg_id": UUID().uuidString,
            ])
            if reply.type == "ack" {
                allowed += 1
            } else {
                XCTAssertEqual(reply["code"]?.string, "rate_limited", "\(reply)")
                limited = true
            }
        }
        let elapsed = (ContinuousClock.now - started) / .seconds(1)
        XCTAssertTrue(limited, "40 quick sends must hit a limit of 8 + 10/s")
        XCTAssertLessThanOrEqual(Double(allowed), 8 + 10 * elapsed + 1, "allowed \(allowed) in \(elapsed) s")
        XCTAssertGreaterThanOrEqual(allowed, 4, "leases forfeit at most a lease per node")
    }

    func testRedisOutageKeepsNodesServingAndDeliveryResumesWithoutGaps() async throws {
        let cluster = try await start(nodes: 2)
        let (_, room, alice, bob) = try await room(cluster, owner: "alice", on: 0, member: "bob", on: 1)
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
        let (_, room, alice, bob) = try await room(cluster, owner: "alice", on: 0, member: "bob", on: 1)
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
        _ = try await bob.nextMessage(in: room, seq: 2)
    }
}
