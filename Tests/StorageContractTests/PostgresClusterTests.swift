import Foundation
import Logging
import Storage
@testable import StoragePostgres
import Wire
import XCTest

/// What only PostgreSQL has: migrations in `schema_migrations`, connecting, and several nodes
/// (two `PostgresStore`s = two pools) on one database at once.
final class PostgresClusterTests: XCTestCase {
    private func twoNodes() async throws -> (StoreFixture, PostgresStore, PostgresStore) {
        let fixture = try await StoreFixture.make(.postgres, for: self)
        let first = try await fixture.openPostgres()
        let second = try await fixture.openPostgres()
        return (fixture, first, second)
    }

    private static func message(_ text: String, user: String = "alice", clientMsgID: String = UUID().uuidString) -> NewMessage {
        NewMessage(
            id: UUID().uuidString, from: UserRef(id: user, name: user, role: .student), text: text, ts: 10_000, replyTo: nil,
            clientMsgID: clientMsgID, moderation: nil, status: "delivered")
    }

    private func createRoom(_ store: any ServerStore, _ id: String = "r1") async throws {
        let info = RoomInfo(id: id, kind: .group, title: id, visibility: .org, members: ["alice"], createdBy: "mia", createdAt: 1)
        let created = try await store.createRoom(org: "org1", info: info, epoch: "e-\(id)")
        XCTAssertTrue(created)
    }

    // MARK: Schema and connecting

    func testMigrationsAreRecordedAndRunOnce() async throws {
        let fixture = try await StoreFixture.make(.postgres, for: self)
        let store = try await fixture.openPostgres()
        let applied = try await PostgresSchema.appliedVersions(store)
        XCTAssertEqual(applied, PostgresSchema.migrations.map(\.version))
        let tables = try await store.rows(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name"
        ).map { try $0.decode(String.self) }
        XCTAssertEqual(tables, [
            "audit_anchors", "audit_log", "bans", "gam_achievements", "gam_helpful_awards", "gam_progress", "gam_scores", "held_messages",
            "idempotency_keys", "messages", "mutes", "reactions", "read_positions", "room_members", "rooms", "schema_migrations", "sign_outs",
            "users",
        ])
        let healthy = await store.isHealthy()
        XCTAssertTrue(healthy)

        // Reopening (another node, a restart) applies nothing again.
        let again = try await PostgresSchema.migrate(store)
        XCTAssertEqual(again, [])
        let second = try await fixture.openPostgres()
        let stillApplied = try await PostgresSchema.appliedVersions(second)
        XCTAssertEqual(stillApplied, applied)
    }

    func testNodesStartingTogetherOnAnEmptyDatabaseMigrateOnce() async throws {
        let fixture = try await StoreFixture.make(.postgres, for: self)
        let stores = try await withThrowingTaskGroup(of: PostgresStore.self) { group in
            for _ in 0..<4 { group.addTask { try await fixture.openPostgres() } }
            var stores: [PostgresStore] = []
            for try await store in group { stores.append(store) }
            return stores
        }
        XCTAssertEqual(stores.count, 4)
        let applied = try await PostgresSchema.appliedVersions(stores[0])
        XCTAssertEqual(applied, PostgresSchema.migrations.map(\.version))
    }

    func testUnreachableDatabaseNamesHostAndPortButNotThePassword() async throws {
        // A loopback port nobody listens on (bound, then released).
        let port = try closedLoopbackPort()
        let clock = ContinuousClock()
        let started = clock.now
        do {
            _ = try await PostgresStore.connect(
                url: "postgresql://rts:s3cret-pw@127.0.0.1:\(port)/chat?sslmode=disable", logger: Logger(label: "unreachable"),
                timeout: .seconds(1))
            XCTFail("connecting to a closed port should fail")
        } catch {
            let message = "\(error)"
            XCTAssertTrue(message.contains("127.0.0.1:\(port)"), message)
            XCTAssertTrue(message.contains("unreachable"), message)
            XCTAssertFalse(message.contains("s3cret-pw"), message)
        }
        let elapsed = clock.now - started
        // It retried for the whole timeout, not longer than a little more.
        XCTAssertGreaterThanOrEqual(elapsed, .milliseconds(900))
        XCTAssertLessThan(elapsed, .seconds(5))
    }

    func testURLParsing() throws {
        let url = try PostgresURL("postgres://rts:p%40ss@db.example:6543/chat?sslmode=disable")
        XCTAssertEqual(url, PostgresURL(host: "db.example", port: 6543, user: "rts", password: "p@ss", database: "chat", sslMode: .disable))
        XCTAssertEqual(url.description, "postgres://rts@db.example:6543/chat")
        XCTAssertEqual(try PostgresURL(url.urlString), url)
        let defaults = try PostgresURL("postgresql://h/db")
        XCTAssertEqual(defaults, PostgresURL(host: "h", port: 5432, user: "postgres", password: nil, database: "db", sslMode: .prefer))
        XCTAssertEqual(try PostgresURL("postgres://u@[::1]:5433/x").endpoint, "[::1]:5433")
        for bad in ["mysql://u:p@h/db", "postgres:///db", "postgres://u:hunter2@h/db?sslmode=sometimes"] {
            XCTAssertThrowsError(try PostgresURL(bad)) { error in
                XCTAssertFalse("\(error)".contains("hunter2"))
            }
        }
    }

    func testControlCharactersRoundTripExactly() async throws {
        try await StoreContract(try await StoreFixture.make(.postgres, for: self)).controlCharactersRoundTripExactly()
    }

    // MARK: Two nodes on one database

    func testTwoNodesAppendingToOneRoomGetGapFreeUniqueSeqs() async throws {
        let (_, first, second) = try await twoNodes()
        try await createRoom(first)
        let perTask = 30
        let tasksPerNode = 3
        let seqs = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for (nodeIndex, node) in [first, second].enumerated() {
                for task in 0..<tasksPerNode {
                    group.addTask {
                        var seqs: [Int64] = []
                        for index in 0..<perTask {
                            // Single messages and small batches.
                            let batch = (0..<(index % 3 + 1)).map { part in Self.message("n\(nodeIndex)-t\(task)-\(index)-\(part)") }
                            for outcome in try await node.appendMessages(org: "org1", room: "r1", batch, idempotentSince: 0) {
                                if case let .stored(message) = outcome { seqs.append(message.seq) }
                            }
                        }
                        return seqs
                    }
                }
            }
            var all: [Int64] = []
            for try await part in group { all += part }
            return all
        }
        let expected = 2 * tasksPerNode * (0..<perTask).reduce(0) { $0 + $1 % 3 + 1 }
        XCTAssertEqual(seqs.count, expected)
        XCTAssertEqual(seqs.sorted(), (1...Int64(expected)).map { $0 }, "no gap, no duplicate")
        let stored = try await second.messages(org: "org1", room: "r1", afterSeq: 0, limit: expected + 10)
        XCTAssertEqual(stored.map(\.seq), (1...Int64(expected)).map { $0 })
        let room = try await first.room(org: "org1", id: "r1")
        XCTAssertEqual(room?.lastSeq, Int64(expected))
    }

    func testSameClientMsgIDThroughTwoNodesIsStoredOnce() async throws {
        let (_, first, second) = try await twoNodes()
        try await createRoom(first)
        for round in 0..<20 {
            let clientMsgID = "retry-\(round)"
            // The phone resent after a reconnect, landing on the other node at the same moment.
            let outcomes = try await withThrowingTaskGroup(of: AppendOutcome.self) { group in
                for node in [first, second] {
                    group.addTask {
                        let outcomes = try await node.appendMessages(
                            org: "org1", room: "r1", [Self.message("hello \(round)", clientMsgID: clientMsgID)], idempotentSince: 0)
                        return outcomes[0]
                    }
                }
                var outcomes: [AppendOutcome] = []
                for try await outcome in group { outcomes.append(outcome) }
                return outcomes
            }
            let stored = outcomes.compactMap { outcome -> ChatMessage? in
                if case let .stored(message) = outcome { return message }
                return nil
            }
            let duplicates = outcomes.compactMap { outcome -> StoredAck? in
                if case let .duplicate(ack) = outcome { return ack }
                return nil
            }
            XCTAssertEqual(stored.count, 1, "round \(round): \(outcomes)")
            XCTAssertEqual(duplicates.count, 1, "round \(round): \(outcomes)")
            if let message = stored.first, let ack = duplicates.first {
                // The duplicate gets the original ack.
                XCTAssertEqual(ack, StoredAck(msgID: message.id, seq: message.seq, ts: message.ts, status: "delivered"))
                XCTAssertEqual(message.seq, Int64(round + 1))
            }
        }
        let all = try await first.messages(org: "org1", room: "r1", afterSeq: 0, limit: 100)
        XCTAssertEqual(all.map(\.seq), (1...20).map { Int64($0) })
    }

    func testHeldMessageDecidedFromTwoNodesGoesToExactlyOne() async throws {
        let (_, first, second) = try await twoNodes()
        try await createRoom(first)
        for round in 0..<20 {
            let held = HeldMessage(
                room: "r1", message: Self.message("held \(round)"), reasons: ["spam"], scores: [:], timeZone: nil, deadline: 1_000)
            let replayed = try await first.holdMessage(org: "org1", held, idempotentSince: 0)
            XCTAssertNil(replayed)
            let winners = try await withThrowingTaskGroup(of: HeldMessage?.self) { group in
                for node in [first, second, first, second] {
                    group.addTask { try await node.takeHeldMessage(org: "org1", msgID: held.message.id) }
                }
                var winners: [HeldMessage] = []
                for try await taken in group { if let taken { winners.append(taken) } }
                return winners
            }
            XCTAssertEqual(winners, [held], "round \(round)")
        }
        let left = try await second.heldMessages(org: "org1")
        XCTAssertEqual(left, [])
    }

    func testAchievementFromTwoNodesIsAwardedOnce() async throws {
        let (_, first, second) = try await twoNodes()
        for round in 0..<20 {
            let results = try await withThrowingTaskGroup(of: Bool.self) { group in
                for node in [first, second, first, second] {
                    group.addTask { try await node.awardAchievement(org: "org1", user: "u\(round)", name: "first_message", at: 1) }
                }
                var results: [Bool] = []
                for try await result in group { results.append(result) }
                return results
            }
            XCTAssertEqual(results.filter { $0 }.count, 1, "round \(round)")
        }
    }

    func testUpdateProgressFromTwoNodesLosesNothing() async throws {
        let (fixture, first, second) = try await twoNodes()
        try await StoreContract(fixture).updateProgressSerialisesConcurrentUpdates(stores: [first, second, first, second])
    }

    func testReadPositionsFromTwoNodesKeepTheHighest() async throws {
        let (_, first, second) = try await twoNodes()
        try await createRoom(first)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for seq in 1...40 {
                let node = seq % 2 == 0 ? first : second
                group.addTask { _ = try await node.setReadSeq(org: "org1", room: "r1", user: "alice", seq: Int64(seq)) }
            }
            try await group.waitForAll()
        }
        let reads = try await first.readSeqs(org: "org1", room: "r1")
        XCTAssertEqual(reads, ["alice": 40])
    }

    func testClosedStoreRefusesWork() async throws {
        let (_, first, second) = try await twoNodes()
        try await first.close()
        do {
            _ = try await first.user(org: "org1", id: "x")
            XCTFail("a closed store should refuse work")
        } catch let error as PostgresStoreError {
            XCTAssertEqual(error, .closed)
        }
        // The other node is unaffected.
        let healthy = await second.isHealthy()
        XCTAssertTrue(healthy)
    }
}

/// A loopback TCP port with no listener.
func closedLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EMFILE) }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw POSIXError(.EADDRINUSE) }
    return Int(UInt16(bigEndian: address.sin_port))
}
