import Foundation
import Logging
import Storage
import Wire
import XCTest

/// The backend-neutral contract of `ChatStore`, `ModerationStore` and `GamificationStore`: what
/// the protocol docs promise, checked against each backend by `SQLiteStoreContractTests` and
/// `PostgresStoreContractTests` (one forwarding test method per check).
final class StoreContract: Sendable {
    let fixture: StoreFixture

    init(_ fixture: StoreFixture) {
        self.fixture = fixture
    }

    // MARK: Fixtures

    func makeStore() async throws -> any ServerStore {
        try await fixture.open()
    }

    let alice = UserRef(id: "alice", name: "Alice", role: .student)
    let bob = UserRef(id: "bob", name: "Bob", role: .mentor)

    func roomInfo(_ id: String, members: [String] = ["alice"], createdBy: String = "bob", at: Int64 = 1_000) -> RoomInfo {
        RoomInfo(id: id, kind: .group, title: "Room \(id)", visibility: .private, members: members, createdBy: createdBy, createdAt: at)
    }

    @discardableResult
    func createRoom(_ store: any ServerStore, org: String = "org1", id: String = "r1") async throws -> Bool {
        try await store.createRoom(org: org, info: roomInfo(id), epoch: "epoch-\(id)")
    }

    func newMessage(
        _ text: String, from: UserRef? = nil, clientMsgID: String? = nil, ts: Int64 = 10_000,
        id: String? = nil, moderation: ModerationNote? = nil, status: String = "delivered"
    ) -> NewMessage {
        NewMessage(
            id: id ?? UUID().uuidString, from: from ?? alice, text: text, ts: ts, replyTo: nil,
            clientMsgID: clientMsgID ?? UUID().uuidString, moderation: moderation, status: status
        )
    }

    func stored(_ outcome: AppendOutcome, file: StaticString = #filePath, line: UInt = #line) -> ChatMessage? {
        if case let .stored(message) = outcome { return message }
        XCTFail("expected .stored, got \(outcome)", file: file, line: line)
        return nil
    }

    func duplicate(_ outcome: AppendOutcome, file: StaticString = #filePath, line: UInt = #line) -> StoredAck? {
        if case let .duplicate(ack) = outcome { return ack }
        XCTFail("expected .duplicate, got \(outcome)", file: file, line: line)
        return nil
    }

    /// Appends `count` messages one per batch; returns them as stored.
    func appendMany(_ store: any ServerStore, org: String = "org1", room: String = "r1", count: Int) async throws -> [ChatMessage] {
        var result: [ChatMessage] = []
        for index in 1...count {
            let outcomes = try await store.appendMessages(org: org, room: room, [newMessage("m\(index)", ts: Int64(10_000 + index))], idempotentSince: 0)
            result += outcomes.compactMap { stored($0) }
        }
        return result
    }

    func signInsRecordUsersWithOrgIsolation() async throws {
        let store = try await makeStore()
        let banned = try await store.recordSignIns([
            UserSignIn(org: "org1", id: "u1", name: "Ann", role: .student, at: 100),
            UserSignIn(org: "org2", id: "u1", name: "Other Ann", role: .admin, at: 50),
        ])
        XCTAssertEqual(banned, [nil, nil])

        let first = try await store.user(org: "org1", id: "u1")
        XCTAssertEqual(first, UserRecord(id: "u1", name: "Ann", role: .student, lastSeen: 100))
        let second = try await store.user(org: "org2", id: "u1")
        XCTAssertEqual(second, UserRecord(id: "u1", name: "Other Ann", role: .admin, lastSeen: 50))
        let missing = try await store.user(org: "org3", id: "u1")
        XCTAssertNil(missing)

        // Latest name and role win, and last seen never goes back.
        try await store.signIn(org: "org1", id: "u1", name: "Annie", role: .mentor, at: 200)
        try await store.signIn(org: "org1", id: "u1", name: "Annie", role: .mentor, at: 150)
        let renamed = try await store.user(org: "org1", id: "u1")
        XCTAssertEqual(renamed, UserRecord(id: "u1", name: "Annie", role: .mentor, lastSeen: 200))

        // A banned user's sign-in reports the ban and leaves the record as it was.
        try await store.setBan(org: "org1", UserBan(user: "u1", reason: "spam", expiresAt: nil, by: "root", at: 250))
        let flags = try await store.recordSignIns([
            UserSignIn(org: "org1", id: "u1", name: "Evil Annie", role: .admin, at: 300),
            UserSignIn(org: "org2", id: "u1", name: "Other Ann", role: .admin, at: 300),
            UserSignIn(org: "org1", id: "new", name: "New", role: .guest, at: 300),
        ])
        XCTAssertEqual(flags, [.banned, nil, nil])
        let updated = try await store.user(org: "org1", id: "u1")
        XCTAssertEqual(updated, UserRecord(id: "u1", name: "Annie", role: .mentor, lastSeen: 200))
        // The other org's user is untouched by the ban.
        let otherOrg = try await store.ban(org: "org2", user: "u1", now: 300)
        XCTAssertNil(otherOrg)

        let lifted = try await store.removeBan(org: "org1", user: "u1", now: 400)
        XCTAssertTrue(lifted)
        let again = try await store.recordSignIns([UserSignIn(org: "org1", id: "u1", name: "Annie", role: .mentor, at: 500)])
        XCTAssertEqual(again, [nil])
    }

    func bansExpireAndListPerOrg() async throws {
        let store = try await makeStore()
        // A user who never signed in can be banned ahead of time.
        try await store.setBan(org: "org1", UserBan(user: "ghost", reason: nil, expiresAt: nil, by: "root", at: 10))
        try await store.setBan(org: "org1", UserBan(user: "brief", reason: "cool off", expiresAt: 1_000, by: "root", at: 20))
        try await store.setBan(org: "org2", UserBan(user: "other", reason: "elsewhere", expiresAt: nil, by: "boss", at: 30))

        let early = try await store.bans(org: "org1", now: 999)
        XCTAssertEqual(early, [
            UserBan(user: "brief", reason: "cool off", expiresAt: 1_000, by: "root", at: 20),
            UserBan(user: "ghost", reason: nil, expiresAt: nil, by: "root", at: 10),
        ])
        let flags = try await store.recordSignIns([
            UserSignIn(org: "org1", id: "brief", name: "B", role: .student, at: 999),
            UserSignIn(org: "org1", id: "ghost", name: "G", role: .student, at: 999),
        ])
        XCTAssertEqual(flags, [.banned, .banned])

        // At its expiry the ban no longer counts anywhere, before any purge.
        let late = try await store.bans(org: "org1", now: 1_000)
        XCTAssertEqual(late.map(\.user), ["ghost"])
        let expired = try await store.ban(org: "org1", user: "brief", now: 1_000)
        XCTAssertNil(expired)
        let afterExpiry = try await store.recordSignIns([UserSignIn(org: "org1", id: "brief", name: "B", role: .student, at: 1_000)])
        XCTAssertEqual(afterExpiry, [nil])
        let liftedExpired = try await store.removeBan(org: "org1", user: "brief", now: 1_000)
        XCTAssertFalse(liftedExpired, "an expired ban was not in force")

        try await store.setBan(org: "org1", UserBan(user: "brief", reason: "again", expiresAt: 2_000, by: "root", at: 1_500))
        let purged = try await store.purgeExpiredBans(now: 2_000)
        XCTAssertEqual(purged, 1)
        let remaining = try await store.bans(org: "org1", now: 0)
        XCTAssertEqual(remaining.map(\.user), ["ghost"])
        let otherOrg = try await store.bans(org: "org2", now: 5_000)
        XCTAssertEqual(otherOrg.map(\.user), ["other"])
    }

    func signOutRefusesTokensIssuedBeforeIt() async throws {
        let store = try await makeStore()
        try await store.signIn(org: "org1", id: "sam", name: "Sam", role: .student, at: 100)
        try await store.signOut(org: "org1", user: "sam", before: 1_000)
        // A later sign-out moves the line forward; an earlier one never moves it back.
        try await store.signOut(org: "org1", user: "sam", before: 500)
        let verdicts = try await store.recordSignIns([
            UserSignIn(org: "org1", id: "sam", name: "Old Sam", role: .student, at: 2_000, tokenIssuedAt: 999),
            UserSignIn(org: "org1", id: "sam", name: "New Sam", role: .student, at: 2_000, tokenIssuedAt: 1_000),
            UserSignIn(org: "org2", id: "sam", name: "Other", role: .student, at: 2_000, tokenIssuedAt: 0),
        ])
        XCTAssertEqual(verdicts, [.signedOut, nil, nil])
        let early = try await store.accessDenial(org: "org1", user: "sam", now: 2_000, tokenIssuedAt: 999)
        XCTAssertEqual(early, .signedOut)
        let late = try await store.accessDenial(org: "org1", user: "sam", now: 2_000, tokenIssuedAt: 1_000)
        XCTAssertNil(late)
        // A ban outranks a sign-out.
        try await store.setBan(org: "org1", UserBan(user: "sam", reason: nil, expiresAt: nil, by: "root", at: 2_000))
        let banned = try await store.accessDenial(org: "org1", user: "sam", now: 2_001, tokenIssuedAt: 999)
        XCTAssertEqual(banned, .banned)
    }

    func usersPageInIDOrder() async throws {
        let store = try await makeStore()
        for id in ["c", "a", "b", "d"] {
            try await store.signIn(org: "org1", id: id, name: id.uppercased(), role: .student, at: 1)
        }
        try await store.signIn(org: "org2", id: "aa", name: "AA", role: .guest, at: 1)
        let first = try await store.users(org: "org1", after: nil, limit: 3)
        XCTAssertEqual(first.map(\.id), ["a", "b", "c"])
        let second = try await store.users(org: "org1", after: "c", limit: 3)
        XCTAssertEqual(second.map(\.id), ["d"])
    }

    func usersBatchLookupKeepsOrderAndSkipsUnknown() async throws {
        let store = try await makeStore()
        for index in 0..<600 {
            try await store.signIn(org: "org1", id: "u\(index)", name: "User \(index)", role: .student, at: Int64(index))
        }
        try await store.signIn(org: "org2", id: "x", name: "X", role: .guest, at: 1)

        let some = try await store.users(org: "org1", ids: ["u5", "nobody", "u2", "u5", "x"])
        XCTAssertEqual(some.map(\.id), ["u5", "u2"])
        // More ids than one chunk of bound parameters.
        let all = try await store.users(org: "org1", ids: (0..<600).map { "u\($0)" })
        XCTAssertEqual(all.count, 600)
        let none = try await store.users(org: "org1", ids: [])
        XCTAssertEqual(none, [])
    }

    func createRoomAndConflict() async throws {
        let store = try await makeStore()
        let info = RoomInfo(id: "algebra", kind: .group, title: "Algebra", visibility: .org, members: ["zed", "amy", "zed"], createdBy: "teacher", createdAt: 500)
        let created = try await store.createRoom(org: "org1", info: info, epoch: "e1")
        XCTAssertTrue(created)

        let room = try await store.room(org: "org1", id: "algebra")
        XCTAssertEqual(room?.epoch, "e1")
        XCTAssertEqual(room?.lastSeq, 0)
        XCTAssertEqual(room?.info.kind, .group)
        XCTAssertEqual(room?.info.title, "Algebra")
        XCTAssertEqual(room?.info.visibility, .org)
        XCTAssertEqual(room?.info.createdBy, "teacher")
        XCTAssertEqual(room?.info.createdAt, 500)
        // Creator included, duplicates dropped, same joined_at → sorted by id.
        XCTAssertEqual(room?.info.members, ["amy", "teacher", "zed"])

        // Existing id: false, nothing changes.
        let changed = RoomInfo(id: "algebra", kind: .direct, title: "Other", visibility: .private, members: ["intruder"], createdBy: "intruder", createdAt: 900)
        let again = try await store.createRoom(org: "org1", info: changed, epoch: "e2")
        XCTAssertFalse(again)
        let unchanged = try await store.room(org: "org1", id: "algebra")
        XCTAssertEqual(unchanged, room)

        // The same id in another org is a different room.
        let otherOrg = try await store.createRoom(org: "org2", info: changed, epoch: "e3")
        XCTAssertTrue(otherOrg)
        let other = try await store.room(org: "org2", id: "algebra")
        XCTAssertEqual(other?.info.title, "Other")
        XCTAssertEqual(other?.info.members, ["intruder"])
        let missing = try await store.room(org: "org3", id: "algebra")
        XCTAssertNil(missing)
    }

    func membersAddAndRemove() async throws {
        let store = try await makeStore()
        try await createRoom(store) // members alice + creator bob at 1000
        try await store.addMember(org: "org1", room: "r1", user: "carol", at: 2_000)
        try await store.addMember(org: "org1", room: "r1", user: "aaron", at: 3_000)
        try await store.addMember(org: "org1", room: "r1", user: "carol", at: 4_000) // no-op
        var room = try await store.room(org: "org1", id: "r1")
        XCTAssertEqual(room?.info.members, ["alice", "bob", "carol", "aaron"])

        try await store.removeMember(org: "org1", room: "r1", user: "alice")
        try await store.removeMember(org: "org1", room: "r1", user: "nobody") // no-op
        room = try await store.room(org: "org1", id: "r1")
        XCTAssertEqual(room?.info.members, ["bob", "carol", "aaron"])

        do {
            try await store.addMember(org: "org2", room: "r1", user: "carol", at: 1)
            XCTFail("adding to a missing room should throw")
        } catch let error as StorageError {
            XCTAssertEqual(error, .roomNotFound(org: "org2", room: "r1"))
        }
    }

    func appendAssignsGapFreeSeqsAcrossBatches() async throws {
        let store = try await makeStore()
        try await createRoom(store)
        let moderation = ModerationNote(action: "masked", reasons: ["profanity"])
        let first = try await store.appendMessages(org: "org1", room: "r1", [
            newMessage("one"), newMessage("two", from: bob), newMessage("*** three", moderation: moderation, status: "masked"),
        ], idempotentSince: 0)
        let second = try await store.appendMessages(org: "org1", room: "r1", [newMessage("four")], idempotentSince: 0)
        let third = try await store.appendMessages(org: "org1", room: "r1", (5...9).map { newMessage("m\($0)") }, idempotentSince: 0)
        let seqs = (first + second + third).compactMap { stored($0)?.seq }
        XCTAssertEqual(seqs, Array(1...9))

        let room = try await store.room(org: "org1", id: "r1")
        XCTAssertEqual(room?.lastSeq, 9)
        let all = try await store.messages(org: "org1", room: "r1", afterSeq: 0, limit: 100)
        XCTAssertEqual(all.map(\.seq), Array(1...9))
        XCTAssertEqual(all.map(\.text), ["one", "two", "*** three", "four", "m5", "m6", "m7", "m8", "m9"])
        XCTAssertEqual(all[1].from, bob)
        XCTAssertEqual(all[2].moderation, moderation)
        // What history returns equals what append returned.
        XCTAssertEqual(Array(all.prefix(3)), first.compactMap { stored($0) })

        // Another room (and the same room id in another org) counts from 1.
        try await createRoom(store, id: "r2")
        try await createRoom(store, org: "org2", id: "r1")
        let otherRoom = try await store.appendMessages(org: "org1", room: "r2", [newMessage("x")], idempotentSince: 0)
        let otherOrg = try await store.appendMessages(org: "org2", room: "r1", [newMessage("y")], idempotentSince: 0)
        XCTAssertEqual(stored(otherRoom[0])?.seq, 1)
        XCTAssertEqual(stored(otherOrg[0])?.seq, 1)
        let emptyBatch = try await store.appendMessages(org: "org1", room: "r1", [], idempotentSince: 0)
        XCTAssertEqual(emptyBatch, [])
    }

    func idempotentReplayReturnsOriginalAckAndStoresNothing() async throws {
        let store = try await makeStore()
        try await createRoom(store)
        try await createRoom(store, id: "r2")
        let original = try await store.appendMessages(org: "org1", room: "r1", [
            newMessage("hello", clientMsgID: "c1", ts: 5_000, id: "msg-1", status: "masked"),
        ], idempotentSince: 1_000)
        XCTAssertEqual(stored(original[0])?.seq, 1)

        let replay = try await store.appendMessages(org: "org1", room: "r1", [
            newMessage("hello again", clientMsgID: "c1", ts: 6_000, id: "msg-2"),
        ], idempotentSince: 1_000)
        XCTAssertEqual(duplicate(replay[0]), StoredAck(msgID: "msg-1", seq: 1, ts: 5_000, status: "masked"))
        let afterReplay = try await store.messages(org: "org1", room: "r1", afterSeq: 0, limit: 10)
        XCTAssertEqual(afterReplay.map(\.id), ["msg-1"])
        let room = try await store.room(org: "org1", id: "r1")
        XCTAssertEqual(room?.lastSeq, 1)

        // Another user, or another room, with the same client_msg_id is a new message.
        let otherUser = try await store.appendMessages(org: "org1", room: "r1", [newMessage("hi", from: bob, clientMsgID: "c1")], idempotentSince: 1_000)
        XCTAssertEqual(stored(otherUser[0])?.seq, 2)
        let otherRoom = try await store.appendMessages(org: "org1", room: "r2", [newMessage("hi", clientMsgID: "c1")], idempotentSince: 1_000)
        XCTAssertEqual(stored(otherRoom[0])?.seq, 1)
    }

    func expiredIdempotencyKeyAllowsNewMessage() async throws {
        let store = try await makeStore()
        try await createRoom(store)
        _ = try await store.appendMessages(org: "org1", room: "r1", [newMessage("old", clientMsgID: "c1", ts: 5_000, id: "old")], idempotentSince: 0)

        // The window now starts after the key was created: the key is expired.
        let fresh = try await store.appendMessages(org: "org1", room: "r1", [newMessage("new", clientMsgID: "c1", ts: 90_000, id: "new")], idempotentSince: 5_001)
        XCTAssertEqual(stored(fresh[0])?.seq, 2)
        // The replaced key now points to the new message.
        let replay = try await store.appendMessages(org: "org1", room: "r1", [newMessage("again", clientMsgID: "c1", ts: 91_000)], idempotentSince: 5_001)
        XCTAssertEqual(duplicate(replay[0]), StoredAck(msgID: "new", seq: 2, ts: 90_000, status: "delivered"))
    }

    /// A held message's `client_msg_id` is taken: a resend holds or stores nothing and replays the
    /// held ack, until the approval stores that very message, whose key then carries its seq.
    func heldMessageKeepsItsClientMsgIDUntilApproved() async throws {
        let store = try await makeStore()
        try await createRoom(store)
        let message = newMessage("held text", clientMsgID: "c1", ts: 5_000, id: "h1")
        let held = HeldMessage(room: "r1", message: message, reasons: ["spam"], scores: [:], timeZone: nil, deadline: 9_000)
        let first = try await store.holdMessage(org: "org1", held, idempotentSince: 0)
        XCTAssertNil(first, "held")
        let heldAck = StoredAck(msgID: "h1", seq: 0, ts: 5_000, status: "held")

        var resend = held
        resend.message = newMessage("held text", clientMsgID: "c1", ts: 6_000, id: "h2")
        let again = try await store.holdMessage(org: "org1", resend, idempotentSince: 0)
        XCTAssertEqual(again, heldAck, "a resend that is held again replays the original ack")
        let pending = try await store.heldMessages(org: "org1")
        XCTAssertEqual(pending.map(\.message.id), ["h1"], "and holds nothing")
        let sent = try await store.appendMessages(org: "org1", room: "r1", [newMessage("held text", clientMsgID: "c1", id: "m2")], idempotentSince: 0)
        XCTAssertEqual(duplicate(sent[0]), heldAck, "a resend that passes replays it too")
        let found = try await store.storedAck(org: "org1", room: "r1", user: "alice", clientMsgID: "c1", idempotentSince: 0)
        XCTAssertEqual(found, heldAck)

        // Restoring the taken message (an approval whose store failed) is allowed.
        let taken = try await store.takeHeldMessage(org: "org1", msgID: "h1")
        XCTAssertEqual(taken?.message.id, "h1")
        let restored = try await store.holdMessage(org: "org1", held, idempotentSince: 0)
        XCTAssertNil(restored)
        let approved = try await store.appendMessages(org: "org1", room: "r1", [message], idempotentSince: 0)
        XCTAssertEqual(stored(approved[0])?.seq, 1, "the approval stores the held message itself")
        let afterApproval = try await store.storedAck(org: "org1", room: "r1", user: "alice", clientMsgID: "c1", idempotentSince: 0)
        XCTAssertEqual(afterApproval, StoredAck(msgID: "h1", seq: 1, ts: 5_000, status: "delivered"))
        let expired = try await store.storedAck(org: "org1", room: "r1", user: "alice", clientMsgID: "c1", idempotentSince: 5_001)
        XCTAssertNil(expired, "outside the window")

        // A delivered message's key holds against a later hold of the same client_msg_id.
        var late = held
        late.message = newMessage("held text", clientMsgID: "c1", ts: 7_000, id: "h3")
        let replayed = try await store.holdMessage(org: "org1", late, idempotentSince: 0)
        XCTAssertEqual(replayed, StoredAck(msgID: "h1", seq: 1, ts: 5_000, status: "delivered"))
        let stillPending = try await store.heldMessages(org: "org1")
        XCTAssertEqual(stillPending.map(\.message.id), ["h1"])
    }

    func duplicatesWithinOneBatch() async throws {
        let store = try await makeStore()
        try await createRoom(store)
        let outcomes = try await store.appendMessages(org: "org1", room: "r1", [
            newMessage("a", clientMsgID: "same", id: "first"),
            newMessage("b", clientMsgID: "other"),
            newMessage("c", clientMsgID: "same", id: "second"),
            newMessage("d", from: bob, clientMsgID: "same"),
        ], idempotentSince: 0)
        XCTAssertEqual(stored(outcomes[0])?.seq, 1)
        XCTAssertEqual(stored(outcomes[1])?.seq, 2)
        XCTAssertEqual(duplicate(outcomes[2]), StoredAck(msgID: "first", seq: 1, ts: 10_000, status: "delivered"))
        XCTAssertEqual(stored(outcomes[3])?.seq, 3)
        let room = try await store.room(org: "org1", id: "r1")
        XCTAssertEqual(room?.lastSeq, 3)
    }

    func appendToMissingRoomThrowsAndStoresNothing() async throws {
        let store = try await makeStore()
        try await createRoom(store, org: "org2", id: "r1") // same id, other org
        do {
            _ = try await store.appendMessages(org: "org1", room: "r1", [newMessage("lost", clientMsgID: "c1")], idempotentSince: 0)
            XCTFail("appending to a missing room should throw")
        } catch let error as StorageError {
            XCTAssertEqual(error, .roomNotFound(org: "org1", room: "r1"))
        }
        // Nothing was stored: once the room exists, the same key is a new message with seq 1.
        try await createRoom(store, org: "org1", id: "r1")
        let empty = try await store.messages(org: "org1", room: "r1", afterSeq: 0, limit: 10)
        XCTAssertEqual(empty, [])
        let retry = try await store.appendMessages(org: "org1", room: "r1", [newMessage("found", clientMsgID: "c1")], idempotentSince: 0)
        XCTAssertEqual(stored(retry[0])?.seq, 1)
    }

    func failureMidBatchRollsBackTheWholeBatch() async throws {
        let store = try await makeStore()
        try await createRoom(store)
        _ = try await store.appendMessages(org: "org1", room: "r1", [newMessage("kept", id: "taken")], idempotentSince: 0)
        do {
            // The third item reuses a message id: a constraint error after two good inserts.
            _ = try await store.appendMessages(org: "org1", room: "r1", [
                newMessage("a", clientMsgID: "ca"), newMessage("b", clientMsgID: "cb"), newMessage("c", id: "taken"),
            ], idempotentSince: 0)
            XCTFail("a duplicate message id should fail the batch")
        } catch {
            // The database's own constraint error (GRDB's DatabaseError, PostgresNIO's PSQLError), not a StorageError.
            XCTAssertFalse(error is StorageError, "\(error)")
        }
        let messages = try await store.messages(org: "org1", room: "r1", afterSeq: 0, limit: 10)
        XCTAssertEqual(messages.map(\.text), ["kept"])
        let room = try await store.room(org: "org1", id: "r1")
        XCTAssertEqual(room?.lastSeq, 1)
        // The rolled-back keys do not exist: resending them stores new messages.
        let retry = try await store.appendMessages(org: "org1", room: "r1", [newMessage("a", clientMsgID: "ca")], idempotentSince: 0)
        XCTAssertEqual(stored(retry[0])?.seq, 2)
    }

    func concurrentAppendsKeepSeqGapFreeAndUnique() async throws {
        let store = try await makeStore()
        try await createRoom(store)
        let tasks = 8
        let perTask = 40
        let seqs = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for task in 0..<tasks {
                group.addTask {
                    var seqs: [Int64] = []
                    for index in 0..<perTask {
                        // Mix single messages and small batches.
                        let batch = (0..<(index % 3 + 1)).map { part in
                            NewMessage(
                                id: UUID().uuidString, from: UserRef(id: "user\(task)", name: "U", role: .student),
                                text: "t\(task)-\(index)-\(part)", ts: 1, replyTo: nil, clientMsgID: "\(task)-\(index)-\(part)",
                                moderation: nil, status: "delivered"
                            )
                        }
                        let outcomes = try await store.appendMessages(org: "org1", room: "r1", batch, idempotentSince: 0)
                        for outcome in outcomes {
                            if case let .stored(message) = outcome { seqs.append(message.seq) }
                        }
                    }
                    return seqs
                }
            }
            var all: [Int64] = []
            for try await part in group { all += part }
            return all
        }
        let expected = tasks * (0..<perTask).reduce(0) { $0 + $1 % 3 + 1 }
        XCTAssertEqual(seqs.count, expected)
        XCTAssertEqual(seqs.sorted(), (1...Int64(expected)).map { $0 })
        let stored = try await store.messages(org: "org1", room: "r1", afterSeq: 0, limit: expected + 10)
        XCTAssertEqual(stored.map(\.seq), (1...Int64(expected)).map { $0 })
        let room = try await store.room(org: "org1", id: "r1")
        XCTAssertEqual(room?.lastSeq, Int64(expected))
    }

    func historyPaging() async throws {
        let store = try await makeStore()
        try await createRoom(store)
        for start in stride(from: 1, through: 250, by: 25) {
            _ = try await store.appendMessages(org: "org1", room: "r1", (start..<start + 25).map { newMessage("m\($0)") }, idempotentSince: 0)
        }

        let latest = try await store.history(org: "org1", room: "r1", beforeSeq: nil, limit: 100)
        XCTAssertEqual(latest.messages.map(\.seq), Array(151...250))
        XCTAssertTrue(latest.hasMore)

        let middle = try await store.history(org: "org1", room: "r1", beforeSeq: 151, limit: 100)
        XCTAssertEqual(middle.messages.map(\.seq), Array(51...150))
        XCTAssertTrue(middle.hasMore)

        let oldest = try await store.history(org: "org1", room: "r1", beforeSeq: 51, limit: 100)
        XCTAssertEqual(oldest.messages.map(\.seq), Array(1...50))
        XCTAssertFalse(oldest.hasMore)

        let exact = try await store.history(org: "org1", room: "r1", beforeSeq: 51, limit: 50)
        XCTAssertEqual(exact.messages.count, 50)
        XCTAssertFalse(exact.hasMore)
        let almost = try await store.history(org: "org1", room: "r1", beforeSeq: 52, limit: 50)
        XCTAssertEqual(almost.messages.map(\.seq), Array(2...51))
        XCTAssertTrue(almost.hasMore)

        let beforeFirst = try await store.history(org: "org1", room: "r1", beforeSeq: 1, limit: 50)
        XCTAssertEqual(beforeFirst.messages, [])
        XCTAssertFalse(beforeFirst.hasMore)
        let all = try await store.history(org: "org1", room: "r1", beforeSeq: nil, limit: 1_000)
        XCTAssertEqual(all.messages.count, 250)
        XCTAssertFalse(all.hasMore)
        XCTAssertEqual(all.messages.first?.text, "m1")

        let otherOrg = try await store.history(org: "org2", room: "r1", beforeSeq: nil, limit: 50)
        XCTAssertEqual(otherOrg.messages, [])
        XCTAssertFalse(otherOrg.hasMore)
    }

    func messagesAfterSeq() async throws {
        let store = try await makeStore()
        try await createRoom(store)
        _ = try await appendMany(store, count: 20)
        let tail = try await store.messages(org: "org1", room: "r1", afterSeq: 15, limit: 100)
        XCTAssertEqual(tail.map(\.seq), [16, 17, 18, 19, 20])
        let limited = try await store.messages(org: "org1", room: "r1", afterSeq: 3, limit: 4)
        XCTAssertEqual(limited.map(\.seq), [4, 5, 6, 7])
        let none = try await store.messages(org: "org1", room: "r1", afterSeq: 20, limit: 100)
        XCTAssertEqual(none, [])
        let zero = try await store.messages(org: "org1", room: "r1", afterSeq: 0, limit: 0)
        XCTAssertEqual(zero, [])
    }

    func editAndDeleteShape() async throws {
        let store = try await makeStore()
        try await createRoom(store)
        let moderation = ModerationNote(action: "masked", reasons: ["link"])
        _ = try await store.appendMessages(org: "org1", room: "r1", [
            newMessage("first", id: "a"), newMessage("second", id: "b", moderation: moderation), newMessage("third", id: "c"),
        ], idempotentSince: 0)

        try await store.editMessage(org: "org1", room: "r1", id: "a", text: "first (edited)", editedAt: 20_000)
        try await store.deleteMessage(org: "org1", room: "r1", id: "b", at: 21_000)
        try await store.deleteMessage(org: "org1", room: "r1", id: "b", at: 22_000) // no-op

        let page = try await store.history(org: "org1", room: "r1", beforeSeq: nil, limit: 10).messages
        XCTAssertEqual(page[0].text, "first (edited)")
        XCTAssertEqual(page[0].editedAt, 20_000)
        XCTAssertNil(page[0].deleted)
        XCTAssertNil(page[1].text)
        XCTAssertEqual(page[1].deleted, true)
        XCTAssertNil(page[1].editedAt)
        XCTAssertEqual(page[1].seq, 2)
        XCTAssertEqual(page[2].text, "third")
        XCTAssertNil(page[2].editedAt)
        XCTAssertNil(page[2].deleted)

        let single = try await store.message(org: "org1", room: "r1", id: "b")
        XCTAssertEqual(single?.deleted, true)
        XCTAssertNil(single?.text)
        let missing = try await store.message(org: "org1", room: "r1", id: "zzz")
        XCTAssertNil(missing)
        let otherOrg = try await store.message(org: "org2", room: "r1", id: "a")
        XCTAssertNil(otherOrg)

        // Wire shape: no text key, deleted:true.
        let json = try XCTUnwrap(String(data: JSONEncoder().encode(single), encoding: .utf8))
        XCTAssertFalse(json.contains("\"text\""))
        XCTAssertTrue(json.contains("\"deleted\":true"))

        do {
            try await store.editMessage(org: "org1", room: "r1", id: "b", text: "resurrect", editedAt: 1)
            XCTFail("editing a deleted message should throw")
        } catch let error as StorageError {
            XCTAssertEqual(error, .messageDeleted(org: "org1", room: "r1", id: "b"))
        }
        do {
            try await store.deleteMessage(org: "org1", room: "r1", id: "nope", at: 1)
            XCTFail("deleting a missing message should throw")
        } catch let error as StorageError {
            XCTAssertEqual(error, .messageNotFound(org: "org1", room: "r1", id: "nope"))
        }
    }

    func reactionCounts() async throws {
        let store = try await makeStore()
        try await createRoom(store)
        _ = try await store.appendMessages(org: "org1", room: "r1", [
            newMessage("a", id: "a"), newMessage("b", id: "b"), newMessage("c", id: "c"),
        ], idempotentSince: 0)

        var count = try await store.setReaction(org: "org1", room: "r1", msgID: "a", user: "alice", emoji: "👍", on: true, at: 1)
        XCTAssertEqual(count, 1)
        count = try await store.setReaction(org: "org1", room: "r1", msgID: "a", user: "alice", emoji: "👍", on: true, at: 2) // idempotent
        XCTAssertEqual(count, 1)
        count = try await store.setReaction(org: "org1", room: "r1", msgID: "a", user: "bob", emoji: "👍", on: true, at: 3)
        XCTAssertEqual(count, 2)
        count = try await store.setReaction(org: "org1", room: "r1", msgID: "a", user: "bob", emoji: "🎉", on: true, at: 4)
        XCTAssertEqual(count, 1)
        count = try await store.setReaction(org: "org1", room: "r1", msgID: "c", user: "bob", emoji: "🎉", on: true, at: 5)
        XCTAssertEqual(count, 1)

        let page = try await store.history(org: "org1", room: "r1", beforeSeq: nil, limit: 10).messages
        XCTAssertEqual(page[0].reactions, ["👍": 2, "🎉": 1])
        XCTAssertNil(page[1].reactions)
        XCTAssertEqual(page[2].reactions, ["🎉": 1])
        let after = try await store.messages(org: "org1", room: "r1", afterSeq: 0, limit: 10)
        XCTAssertEqual(after.map(\.reactions), page.map(\.reactions))
        let single = try await store.message(org: "org1", room: "r1", id: "a")
        XCTAssertEqual(single?.reactions, ["👍": 2, "🎉": 1])

        count = try await store.setReaction(org: "org1", room: "r1", msgID: "a", user: "alice", emoji: "👍", on: false, at: 6)
        XCTAssertEqual(count, 1)
        count = try await store.setReaction(org: "org1", room: "r1", msgID: "a", user: "alice", emoji: "👍", on: false, at: 7) // idempotent
        XCTAssertEqual(count, 1)
        count = try await store.setReaction(org: "org1", room: "r1", msgID: "a", user: "bob", emoji: "👍", on: false, at: 8)
        XCTAssertEqual(count, 0)
        count = try await store.setReaction(org: "org1", room: "r1", msgID: "a", user: "bob", emoji: "🎉", on: false, at: 9)
        XCTAssertEqual(count, 0)
        let cleared = try await store.message(org: "org1", room: "r1", id: "a")
        XCTAssertNil(cleared?.reactions)

        do {
            _ = try await store.setReaction(org: "org1", room: "r1", msgID: "nope", user: "bob", emoji: "👍", on: true, at: 1)
            XCTFail("reacting to a missing message should throw")
        } catch let error as StorageError {
            XCTAssertEqual(error, .messageNotFound(org: "org1", room: "r1", id: "nope"))
        }
    }

    func readPositionsOnlyRise() async throws {
        let store = try await makeStore()
        try await createRoom(store)
        var seq = try await store.setReadSeq(org: "org1", room: "r1", user: "alice", seq: 5)
        XCTAssertEqual(seq, 5)
        seq = try await store.setReadSeq(org: "org1", room: "r1", user: "alice", seq: 3)
        XCTAssertEqual(seq, 5)
        seq = try await store.setReadSeq(org: "org1", room: "r1", user: "alice", seq: 9)
        XCTAssertEqual(seq, 9)
        seq = try await store.setReadSeq(org: "org1", room: "r1", user: "bob", seq: 2)
        XCTAssertEqual(seq, 2)
        let reads = try await store.readSeqs(org: "org1", room: "r1")
        XCTAssertEqual(reads, ["alice": 9, "bob": 2])
        let otherOrg = try await store.readSeqs(org: "org2", room: "r1")
        XCTAssertEqual(otherOrg, [:])
        do {
            _ = try await store.setReadSeq(org: "org2", room: "r1", user: "alice", seq: 1)
            XCTFail("a read position in a missing room should throw")
        } catch let error as StorageError {
            XCTAssertEqual(error, .roomNotFound(org: "org2", room: "r1"))
        }
    }

    func dataSurvivesCloseAndReopen() async throws {
        do {
            let store = try await fixture.open()
            try await store.signIn(org: "org1", id: "alice", name: "Alice", role: .student, at: 1)
            try await createRoom(store)
            _ = try await store.appendMessages(org: "org1", room: "r1", [
                newMessage("one", clientMsgID: "c1", ts: 5_000, id: "m1"), newMessage("two", id: "m2"),
            ], idempotentSince: 0)
            _ = try await store.setReaction(org: "org1", room: "r1", msgID: "m1", user: "bob", emoji: "👍", on: true, at: 1)
            _ = try await store.setReadSeq(org: "org1", room: "r1", user: "alice", seq: 2)
            try await store.close()
            let healthy = await store.isHealthy()
            XCTAssertFalse(healthy)
        }
        let store = try await fixture.open()
        let user = try await store.user(org: "org1", id: "alice")
        XCTAssertEqual(user?.name, "Alice")
        let room = try await store.room(org: "org1", id: "r1")
        XCTAssertEqual(room?.lastSeq, 2)
        XCTAssertEqual(room?.epoch, "epoch-r1")
        XCTAssertEqual(room?.info.members, ["alice", "bob"])
        let messages = try await store.messages(org: "org1", room: "r1", afterSeq: 0, limit: 10)
        XCTAssertEqual(messages.map(\.text), ["one", "two"])
        XCTAssertEqual(messages[0].reactions, ["👍": 1])
        let reads = try await store.readSeqs(org: "org1", room: "r1")
        XCTAssertEqual(reads, ["alice": 2])
        // Idempotency keys survive too.
        let replay = try await store.appendMessages(org: "org1", room: "r1", [newMessage("one", clientMsgID: "c1")], idempotentSince: 0)
        XCTAssertEqual(duplicate(replay[0])?.msgID, "m1")
        let next = try await store.appendMessages(org: "org1", room: "r1", [newMessage("three")], idempotentSince: 0)
        XCTAssertEqual(stored(next[0])?.seq, 3)
        try await store.close()
    }

    func purgeIdempotencyKeys() async throws {
        let store = try await makeStore()
        try await createRoom(store)
        _ = try await store.appendMessages(org: "org1", room: "r1", [
            newMessage("a", clientMsgID: "old1", ts: 1_000), newMessage("b", clientMsgID: "old2", ts: 2_000),
            newMessage("c", clientMsgID: "new", ts: 9_000),
        ], idempotentSince: 0)
        let removed = try await store.purgeIdempotencyKeys(before: 5_000)
        XCTAssertEqual(removed, 2)
        let again = try await store.purgeIdempotencyKeys(before: 5_000)
        XCTAssertEqual(again, 0)
        // Purged key: a new message even with the window open; kept key: replay.
        let outcomes = try await store.appendMessages(org: "org1", room: "r1", [
            newMessage("a", clientMsgID: "old1", ts: 10_000), newMessage("c", clientMsgID: "new", ts: 10_000),
        ], idempotentSince: 0)
        XCTAssertEqual(stored(outcomes[0])?.seq, 4)
        XCTAssertEqual(duplicate(outcomes[1])?.seq, 3)
        // Messages themselves are never purged.
        let messages = try await store.messages(org: "org1", room: "r1", afterSeq: 0, limit: 10)
        XCTAssertEqual(messages.count, 4)
    }

    func healthAndClose() async throws {
        let store = try await makeStore()
        let before = await store.isHealthy()
        XCTAssertTrue(before)
        try await store.close()
        let after = await store.isHealthy()
        XCTAssertFalse(after)
        do {
            try await store.signIn(org: "org1", id: "u", name: "U", role: .guest, at: 1)
            XCTFail("writes after close should fail")
        } catch {}
    }

    /// Not a benchmark with assertions: prints append throughput so regressions are visible in logs.
    /// Single sends are fewer (2 000) so the suite stays quick where each commit waits for a disk flush.
    /// Prints (does not assert) append throughput, plain and with encryption at rest.
    func appendThroughput() async throws {
        let plain = try await makeStore()
        let sealed = try await fixture.open(cipher: Self.cipher(Self.keyOne))
        for (store, label, batchSize, total) in [
            (plain, "plain", 1, 2_000), (sealed, "sealed", 1, 2_000), (plain, "plain", 32, 10_000), (sealed, "sealed", 32, 10_000),
        ] as [(any ServerStore, String, Int, Int)] {
            let room = "throughput-\(label)-\(batchSize)"
            try await createRoom(store, id: room)
            let clock = ContinuousClock()
            let elapsed = try await clock.measure {
                var sent = 0
                while sent < total {
                    let count = min(batchSize, total - sent)
                    let batch = (0..<count).map { newMessage("message number \(sent + $0) with some ordinary chat text", ts: Int64(sent + $0)) }
                    _ = try await store.appendMessages(org: "org1", room: room, batch, idempotentSince: 0)
                    sent += count
                }
            }
            let stored = try await store.room(org: "org1", id: room)
            XCTAssertEqual(stored?.lastSeq, Int64(total))
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print(String(
                format: "append throughput (%@, %@): %d messages in batches of %d: %.2f s, %.0f msg/s",
                fixture.backend.rawValue, label, total, batchSize, seconds, Double(total) / seconds))
        }
    }
}

extension ChatStore {
    /// One sign-in on its own (for setting up users).
    func signIn(org: String, id: String, name: String, role: Role, at: Int64) async throws {
        _ = try await recordSignIns([UserSignIn(org: org, id: id, name: name, role: role, at: at)])
    }
}
