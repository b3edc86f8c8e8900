import Configuration
import Foundation
import XCTest

/// Cluster mode (README, Cluster mode) with several in-process nodes sharing one store and an
/// in-process broker: every room event reaches every session on every node once and in seq
/// order; users, bans, mutes, presence, reviews and leaderboards are the cluster's, not a node's.
final class ClusterConformanceTests: XCTestCase {
    private func client(_ node: TestServer, _ user: String, org: String, role: String = "student") async throws -> TestClient {
        try await node.connectAuthed(user: user, org: org, role: role, name: user.capitalized)
    }

    func testMessagesCrossNodesBothWays() async throws {
        try await withCluster { cluster in
            let org = Fresh.id("org")
            let (a, b) = (cluster.nodes[0], cluster.nodes[1])
            let mentor = try await client(a, "mia", org: org, role: "mentor")
            let student = try await client(b, "sam", org: org)
            let room = Fresh.id("room")
            try await mentor.createRoom(room, visibility: "org")
            try await mentor.join(room)
            try await student.join(room)

            try await mentor.say("hello from node 0", in: room)
            let first = try await student.nextMessage(in: room, seq: 1)
            XCTAssertEqual(first["msg"]?["text"]?.string, "hello from node 0")
            try await student.say("hello from node 1", in: room)
            let second = try await mentor.nextMessage(in: room, seq: 2)
            XCTAssertEqual(second["msg"]?["from"]?["id"]?.string, "sam")
        }
    }

    func testConcurrentSendersOnEveryNodeGetOneGapFreeOrder() async throws {
        try await withCluster(nodes: 3) { cluster in
            let org = Fresh.id("org")
            let room = Fresh.id("room")
            let owner = try await client(cluster.nodes[0], "owner", org: org, role: "mentor")
            try await owner.createRoom(room, visibility: "org")
            var senders: [TestClient] = []
            var watchers: [TestClient] = []
            for (index, node) in cluster.nodes.enumerated() {
                let watcher = try await client(node, "watch\(index)", org: org)
                try await watcher.join(room)
                watchers.append(watcher)
                for sender in 0..<2 {
                    let client = try await client(node, "s\(index)x\(sender)", org: org)
                    try await client.join(room)
                    senders.append(client)
                }
            }
            let perSender = 25
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, sender) in senders.enumerated() {
                    group.addTask {
                        for n in 0..<perSender { try await sender.say("sender \(index) message \(n)", in: room) }
                    }
                }
                try await group.waitForAll()
            }
            let total = senders.count * perSender
            var orders: [[String]] = []
            for watcher in watchers {
                var ids: [String] = []
                for seq in 1...total {
                    let push = try await watcher.nextMessage(in: room, timeout: .seconds(10))
                    XCTAssertEqual(push.seq, seq, "\(watcher.label): seqs arrive in order with no gap or duplicate")
                    ids.append(push["msg"]?["id"]?.string ?? "")
                }
                await watcher.expectNoMessage(within: .milliseconds(300), "a duplicate") { $0.type == "message" }
                orders.append(ids)
            }
            XCTAssertEqual(Set(orders.map { $0.joined(separator: ",") }).count, 1, "every node shows the same order")
        }
    }

    func testResendOfTheSameClientMsgIDOnAnotherNodeIsIdempotent() async throws {
        try await withCluster { cluster in
            let org = Fresh.id("org")
            let room = Fresh.id("room")
            let first = try await client(cluster.nodes[0], "sam", org: org, role: "mentor")
            try await first.createRoom(room, visibility: "org")
            try await first.join(room)
            let ack = try await first.say("only once", in: room, clientMsgID: "c-1")
            await first.close()

            let again = try await client(cluster.nodes[1], "sam", org: org, role: "mentor")
            try await again.join(room, since: 1)
            let replay = try await again.say("only once", in: room, clientMsgID: "c-1")
            XCTAssertEqual(replay["msg_id"]?.string, ack["msg_id"]?.string)
            XCTAssertEqual(replay["seq"]?.int, 1)
            await again.expectNoMessage(within: .milliseconds(300), "a second copy") { $0.type == "message" }
        }
    }

    func testPresenceAndTypingCrossNodes() async throws {
        try await withCluster({ $0.presenceGraceMS = 300 }) { cluster in
            let org = Fresh.id("org")
            let room = Fresh.id("room")
            let subject = try await client(cluster.nodes[0], "subject", org: org, role: "mentor")
            try await subject.createRoom(room, visibility: "org")
            try await subject.join(room)
            let watcher = try await client(cluster.nodes[1], "watcher", org: org)
            let joined = try await watcher.join(room)
            let entry = joined["presence"]?.array?.first { $0["user"]?.string == "subject" }
            XCTAssertEqual(entry?["status"]?.string, "online", "a user connected to another node is online: \(joined)")

            try await subject.send(json: ["type": "typing", "room": room, "on": true])
            _ = try await watcher.nextPush("typing", in: room) { $0["user"]?.string == "subject" && $0["on"]?.bool == true }
            // Auto-off after the protocol's 6 s comes from the typist's node.
            _ = try await watcher.nextPush("typing", in: room, timeout: .seconds(9)) { $0["on"]?.bool == false }

            // A second session on the other node keeps the user online when the first goes.
            let second = try await client(cluster.nodes[1], "subject", org: org, role: "mentor")
            await subject.close()
            await watcher.expectNoMessage(within: .milliseconds(800), "offline while a session is left") {
                $0.type == "presence" && $0["user"]?.string == "subject"
            }
            await second.close()
            _ = try await watcher.nextPush("presence", in: room) { $0["user"]?.string == "subject" && $0["status"]?.string == "offline" }
        }
    }

    func testBanOnOneNodeClosesSessionsOnEveryNode() async throws {
        try await withCluster { cluster in
            let org = Fresh.id("org")
            let admin = try await client(cluster.nodes[0], "boss", org: org, role: "admin")
            let target = try await client(cluster.nodes[1], "troll", org: org)
            try await admin.require("ok", ["type": "ban", "user": "troll"])
            let code = try await target.closeCode()
            XCTAssertEqual(code, 4003)
            // Refused at sign-in on either node.
            let token = try await cluster.nodes[1].token(user: "troll", org: org, role: "student")
            let retry = try await cluster.nodes[1].connect()
            try await retry.send(json: ["type": "auth", "token": token])
            let refused = try await retry.closeCode()
            XCTAssertEqual(refused, 4003)
        }
    }

    func testAdminAPIOnOneNodeBansAndEndsSessionsOnAnother() async throws {
        try await withCluster { cluster in
            let org = Fresh.id("org")
            let admin = try await cluster.nodes[0].token(user: "boss", org: org, role: "admin")
            let auth = [("Authorization", "Bearer \(admin)")]
            let sam = try await client(cluster.nodes[1], "sam", org: org)
            let samID = try XCTUnwrap(sam.hello.withLock { $0 }?["session"]?.string)
            let troll = try await client(cluster.nodes[1], "troll", org: org)
            try await Task.sleep(for: .milliseconds(300))  // presence reaches node 0

            // Node 0 has none of sam's sessions, but lists them from node 1, and forwards the end.
            let listed = try await RawHTTP.get(port: cluster.nodes[0].port, path: "/v1/admin/users/sam/sessions", headers: auth)
            let sessions = JSON.parse(listed.body)?["sessions"]?.array ?? []
            XCTAssertEqual(sessions.compactMap { $0["id"]?.string }, [samID], listed.body)
            XCTAssertEqual(sessions.first?["node"]?.string, cluster.nodes[1].config.nodeID)
            XCTAssertEqual(JSON.parse(listed.body)?["elsewhere"]?.array?.count, 0)
            let ended = try await RawHTTP.request(
                port: cluster.nodes[0].port, method: "DELETE", path: "/v1/admin/users/sam/sessions/\(samID)", headers: auth)
            XCTAssertEqual(ended.status, 202, ended.body)
            let samClose = try await sam.closeCode()
            XCTAssertEqual(samClose, 4001)

            let banned = try await RawHTTP.request(
                port: cluster.nodes[0].port, method: "POST", path: "/v1/admin/bans", headers: auth, body: #"{"user":"troll"}"#)
            XCTAssertEqual(banned.status, 201, banned.body)
            let trollClose = try await troll.closeCode()
            XCTAssertEqual(trollClose, 4003)
        }
    }

    func testRoomTitleAndArchiveChangedThroughOneNodeReachSessionsOnAnother() async throws {
        try await withCluster { cluster in
            let org = Fresh.id("org")
            let room = Fresh.id("room")
            let mentor = try await client(cluster.nodes[0], "mia", org: org, role: "mentor")
            try await mentor.createRoom(room, title: "Before", visibility: "org")
            let student = try await client(cluster.nodes[1], "sam", org: org)
            try await student.join(room)
            let admin = try await cluster.nodes[0].token(user: "boss", org: org, role: "admin")
            let changed = try await RawHTTP.request(
                port: cluster.nodes[0].port, method: "PATCH", path: "/v1/admin/rooms/\(room)",
                headers: [("Authorization", "Bearer \(admin)")], body: #"{"title":"After"}"#)
            XCTAssertEqual(changed.status, 200, changed.body)
            let push = try await student.next(type: "room.updated")
            XCTAssertEqual(push["room"]?["title"]?.string, "After")
            // Node 1's loaded room took the change: a new join there sees it.
            let late = try await client(cluster.nodes[1], "zoe", org: org)
            let joined = try await late.join(room)
            XCTAssertEqual(joined["room"]?["title"]?.string, "After")

            // Archived through node 0: node 1's copy of the room refuses writes at once.
            let archived = try await RawHTTP.request(
                port: cluster.nodes[0].port, method: "PATCH", path: "/v1/admin/rooms/\(room)",
                headers: [("Authorization", "Bearer \(admin)")], body: #"{"archived":true}"#)
            XCTAssertEqual(archived.status, 200, archived.body)
            let archivedPush = try await student.next(type: "room.updated")
            XCTAssertNotNil(archivedPush["room"]?["archived_at"]?.int)
            let refused = try await student.expectError("forbidden", to: ["type": "send", "room": room, "text": "late", "client_msg_id": "c-late"])
            XCTAssertEqual(refused["reason"]?.string, "archived")
        }
    }

    func testKickOnOneNodeRemovesTheMemberOnEveryNode() async throws {
        try await withCluster { cluster in
            let org = Fresh.id("org")
            let room = Fresh.id("room")
            let mentor = try await client(cluster.nodes[0], "mia", org: org, role: "mentor")
            let student = try await client(cluster.nodes[1], "sam", org: org)
            try await mentor.createRoom(room, members: ["sam"])
            try await mentor.join(room)
            try await student.join(room)
            try await mentor.require("ok", ["type": "kick", "room": room, "user": "sam"])
            _ = try await student.nextPush("kicked", in: room)
            try await student.expectError("forbidden", to: ["type": "join", "room": room])
        }
    }

    func testHeldMessageReachesABotOnAnotherNodeAndItsDecisionHoldsEverywhere() async throws {
        try await withCluster({ $0.reviewTimeoutMS = 60_000 }) { cluster in
            let org = Fresh.id("org")
            let room = Fresh.id("room")
            let token = try await cluster.nodes[0].minter.mint(sub: "modbot", org: org, role: "mentor", scope: ["moderation"], ttlSeconds: 3600)
            let bot = try await cluster.nodes[0].connectAuthed(token: token, label: "bot")
            try await bot.require("ok", ["type": "subscribe", "topic": "moderation"])
            let mentor = try await client(cluster.nodes[0], "mia", org: org, role: "mentor")
            try await mentor.createRoom(room, visibility: "org")
            try await mentor.join(room)
            let student = try await client(cluster.nodes[1], "sam", org: org)
            try await student.join(room)

            let held = try await student.say("I want to kill myself", in: room)
            XCTAssertEqual(held["status"]?.string, "held")
            let msgID = try XCTUnwrap(held["msg_id"]?.string)
            let review = try await bot.next(type: "moderation.review")
            XCTAssertEqual(review["msg"]?["id"]?.string, msgID)
            try await bot.require("ok", ["type": "moderate", "room": room, "msg_id": msgID, "action": "approve"])
            let delivered = try await student.nextMessage(in: room, seq: 1)
            XCTAssertEqual(delivered["msg"]?["id"]?.string, msgID)
            _ = try await mentor.nextMessage(in: room, seq: 1)

            // A second decision on the other node finds nothing to decide.
            let otherBotToken = try await cluster.nodes[1].minter.mint(
                sub: "modbot2", org: org, role: "mentor", scope: ["moderation"], ttlSeconds: 3600)
            let otherBot = try await cluster.nodes[1].connectAuthed(token: otherBotToken, label: "bot2")
            try await otherBot.expectError("not_found", to: ["type": "moderate", "room": room, "msg_id": msgID, "action": "reject"])

            // A mute decided on node 0 holds on node 1.
            let second = try await student.say("I want to kill myself again", in: room)
            let secondID = try XCTUnwrap(second["msg_id"]?.string)
            try await bot.require("ok", ["type": "moderate", "room": room, "msg_id": secondID, "action": "mute", "duration_ms": 60_000])
            let muted = try await student.expectError("forbidden", to: [
                "type": "send", "room": room, "text": "let me talk", "client_msg_id": UUID().uuidString,
            ])
            XCTAssertEqual(muted["reason"]?.string, "muted")
        }
    }

    func testLeaderboardOnOneNodeFollowsPointsEarnedOnAnother() async throws {
        try await withCluster { cluster in
            let org = Fresh.id("org")
            let (room, watcher, student) = try await watchedRoom(cluster, org: org)
            try await student.say("one", in: room)
            try await student.say("two", in: room)
            let push = try await watcher.next(timeout: .seconds(5), "a leaderboard push with sam's 2 points") { frame in
                frame.type == "leaderboard" && frame["re"] == nil
                    && frame["entries"]?.array?.contains { $0["user"]?.string == "sam" && $0["points"]?.int == 2 } == true
            }
            XCTAssertEqual(push["period"]?.string, "all")
        }
    }

    func testErasureThroughOneNodeReachesWatchersAndLeaderboardsOnAnother() async throws {
        try await withCluster { cluster in
            let org = Fresh.id("org")
            let (room, watcher, student) = try await watchedRoom(cluster, org: org)
            let ack = try await student.say("to be erased", in: room)
            _ = try await watcher.next(timeout: .seconds(5), "sam on the board") { frame in
                frame.type == "leaderboard" && frame["entries"]?.array?.contains { $0["user"]?.string == "sam" } == true
            }
            let admin = try await cluster.nodes[1].token(user: "boss", org: org, role: "admin")
            let erased = try await RawHTTP.request(
                port: cluster.nodes[1].port, method: "POST", path: "/v1/admin/users/sam/erase", headers: [("Authorization", "Bearer \(admin)")],
                body: "")
            XCTAssertEqual(erased.status, 200, erased.body)
            let deleted = try await watcher.nextPush("message.deleted", in: room)
            XCTAssertEqual(deleted["msg_id"]?.string, ack["msg_id"]?.string)
            _ = try await watcher.next(timeout: .seconds(5), "a board without sam on the other node") { frame in
                frame.type == "leaderboard" && frame["entries"]?.array?.contains { $0["user"]?.string == "sam" } == false
            }
            let close = try await student.closeCode()
            XCTAssertEqual(close, 4001)
        }
    }

    /// A room and the org's board watched by a mentor on node 0; sam, a student on node 1, joined.
    private func watchedRoom(_ cluster: TestCluster, org: String) async throws -> (room: String, watcher: TestClient, student: TestClient) {
        let room = Fresh.id("room")
        let watcher = try await client(cluster.nodes[0], "watcher", org: org, role: "mentor")
        try await watcher.createRoom(room, visibility: "org")
        try await watcher.join(room)
        try await watcher.require("leaderboard", ["type": "subscribe", "topic": "leaderboard", "period": "all"])
        let student = try await client(cluster.nodes[1], "sam", org: org)
        try await student.join(room)
        return (room, watcher, student)
    }
}
