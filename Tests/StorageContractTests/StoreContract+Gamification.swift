import Foundation
import Synchronization
import Storage
import Wire
import XCTest

/// Gamification and moderation persistence: exactly-once decisions and `updateProgress`.
extension StoreContract {
    /// Clients may put any character in any string, U+0000 included: storing them never fails.
    /// (SQLite cuts a bound string at U+0000; PostgreSQL keeps every character, see
    /// `controlCharactersRoundTripExactly`.)
    func controlCharactersAreStored() async throws {
        let store = try await makeStore()
        let odd = "a\u{0}b\u{1}c\u{7}\u{1B}[31m"
        try await store.signIn(org: "org1", id: "u1", name: odd, role: .student, at: 1)
        try await createRoom(store)
        let sent = newMessage(odd, clientMsgID: "\u{0}", id: "m1")
        let first = try await store.appendMessages(org: "org1", room: "r1", [sent], idempotentSince: 0)
        XCTAssertEqual(stored(first[0])?.seq, 1)
        let replay = try await store.appendMessages(org: "org1", room: "r1", [newMessage(odd, clientMsgID: "\u{0}")], idempotentSince: 0)
        XCTAssertEqual(duplicate(replay[0])?.msgID, "m1")
        let replayed = try await store.holdMessage(
            org: "org1", HeldMessage(room: "r1", message: newMessage(odd, id: "h1"), reasons: [odd], scores: [:], timeZone: odd, deadline: 1),
            idempotentSince: 0)
        XCTAssertNil(replayed)
        let taken = try await store.takeHeldMessage(org: "org1", msgID: "h1")
        XCTAssertNotNil(taken)
    }

    /// Every character is stored and read back as given (PostgreSQL, through its escaping of U+0000).
    func controlCharactersRoundTripExactly() async throws {
        let store = try await makeStore()
        let odd = "a\u{0}b\u{1}c\u{1}0\u{0}\u{0}\u{1}"
        try await store.signIn(org: "org\u{0}", id: "u\u{0}", name: odd, role: .student, at: 1)
        let user = try await store.user(org: "org\u{0}", id: "u\u{0}")
        XCTAssertEqual(user?.name, odd)
        let plain = try await store.user(org: "org", id: "u")
        XCTAssertNil(plain, "escaping keeps distinct strings distinct")

        let info = RoomInfo(id: "r1", kind: .group, title: odd, visibility: .org, members: ["u\u{0}", "u\u{1}"], createdBy: "u\u{1}", createdAt: 1)
        let created = try await store.createRoom(org: "org1", info: info, epoch: "e\u{0}")
        XCTAssertTrue(created)
        let room = try await store.room(org: "org1", id: "r1")
        XCTAssertEqual(room?.info, info)
        XCTAssertEqual(room?.epoch, "e\u{0}")

        let sent = NewMessage(
            id: "m\u{0}", from: UserRef(id: "u\u{0}", name: odd, role: .student), text: odd, ts: 5, replyTo: "\u{0}",
            clientMsgID: "\u{0}", moderation: ModerationNote(action: "masked", reasons: [odd]), status: "delivered")
        let first = try await store.appendMessages(org: "org1", room: "r1", [sent], idempotentSince: 0)
        let replay = try await store.appendMessages(org: "org1", room: "r1", [sent], idempotentSince: 0)
        XCTAssertEqual(duplicate(replay[0]), StoredAck(msgID: "m\u{0}", seq: 1, ts: 5, status: "delivered"))
        let stored = try await store.messages(org: "org1", room: "r1", afterSeq: 0, limit: 10)
        XCTAssertEqual(stored, first.compactMap { self.stored($0) })
        XCTAssertEqual(stored.first?.text, odd)
        XCTAssertEqual(stored.first?.clientMsgID, "\u{0}")
        let count = try await store.setReaction(org: "org1", room: "r1", msgID: "m\u{0}", user: "u\u{0}", emoji: "\u{0}", on: true, at: 6)
        XCTAssertEqual(count, 1)
        let single = try await store.message(org: "org1", room: "r1", id: "m\u{0}")
        XCTAssertEqual(single?.reactions, ["\u{0}": 1])

        let heldRoom = RoomInfo(id: "r\u{0}", kind: .group, title: odd, visibility: .org, members: [], createdBy: "u\u{1}", createdAt: 1)
        _ = try await store.createRoom(org: "org1", info: heldRoom, epoch: "e")
        let held = HeldMessage(room: "r\u{0}", message: sent, reasons: [odd], scores: [odd: 1], timeZone: "\u{0}", deadline: 9)
        let replayed = try await store.holdMessage(org: "org1", held, idempotentSince: 0)
        XCTAssertNil(replayed)
        var expected = held
        expected.message.moderation = nil
        let taken = try await store.takeHeldMessage(org: "org1", msgID: "m\u{0}")
        XCTAssertEqual(taken, expected)
        try await store.appendAudit(AuditRecord(org: "org1", at: 1, actor: odd, action: "hold", room: "r\u{0}", detail: odd))
        let audit = try await store.audit(org: "org1", query: AuditQuery(), limit: 5)
        XCTAssertEqual(audit.first?.actor, odd)
        XCTAssertEqual(audit.first?.detail, odd)
    }

    func updateProgressReadsChangesAndReturnsTotals() async throws {
        let store = try await makeStore()
        // An existing row for amy; ben has none yet.
        var amy = UserProgress(user: "amy")
        amy.messages = 4
        amy.day = 20_000
        amy.dayPoints = 3
        amy.streakDays = 2
        amy.streakBest = 5
        amy.streakLastDay = 19_999
        try await store.saveGamification(org: "org1", progress: [amy], scores: [
            ScoreRecord(room: "", period: "all", user: "amy", points: 40),
            ScoreRecord(room: "r1", period: "2026-W10", user: "amy", points: 7),
        ])

        let seen = Seen()
        let totals = try await store.updateProgress(org: "org1", users: ["amy", "ben", "amy", "cid"]) { progress in
            seen.set(progress)
            progress["amy"]?.messages += 1
            progress["amy"]?.streakLastDay = 20_000
            progress["ben"]?.messages = 1
            progress["ben"]?.helpfulReceived = 2
            // Entries for unlisted users are ignored.
            progress["zed"] = UserProgress(user: "zed")
            progress["zed"]?.messages = 99
            return [
                ScoreRecord(room: "", period: "all", user: "amy", points: 1),
                ScoreRecord(room: "r1", period: "2026-W10", user: "amy", points: -10),
                ScoreRecord(room: "", period: "all", user: "ben", points: 10),
                ScoreRecord(room: "", period: "all", user: "amy", points: 2),
                ScoreRecord(room: "r1", period: "2026-W10", user: "ben", points: 0),
            ]
        }
        // Every listed user, missing ones at their defaults.
        let given = seen.value
        XCTAssertEqual(given?.keys.sorted(), ["amy", "ben", "cid"])
        XCTAssertEqual(given?["amy"], amy)
        XCTAssertEqual(given?["ben"], UserProgress(user: "ben"))
        XCTAssertEqual(given?["cid"], UserProgress(user: "cid"))
        // One record per entry, in first-appearance order, with its new total.
        XCTAssertEqual(totals, [
            ScoreRecord(room: "", period: "all", user: "amy", points: 43),
            ScoreRecord(room: "r1", period: "2026-W10", user: "amy", points: -3),
            ScoreRecord(room: "", period: "all", user: "ben", points: 10),
            ScoreRecord(room: "r1", period: "2026-W10", user: "ben", points: 0),
        ])

        let loaded = try await store.loadGamification(org: "org1", oldestWeek: "2026-W01")
        let progress = Dictionary(uniqueKeysWithValues: loaded.progress.map { ($0.user, $0) })
        var expectedAmy = amy
        expectedAmy.messages = 5
        expectedAmy.streakLastDay = 20_000
        var expectedBen = UserProgress(user: "ben")
        expectedBen.messages = 1
        expectedBen.helpfulReceived = 2
        // cid was not changed, zed was not listed: neither is written.
        XCTAssertEqual(progress, ["amy": expectedAmy, "ben": expectedBen])
        XCTAssertEqual(Set(loaded.scores), Set(totals))

        // Another org is untouched; nothing listed, nothing incremented: nothing happens.
        let other = try await store.loadGamification(org: "org2", oldestWeek: "2026-W01")
        XCTAssertTrue(other.progress.isEmpty && other.scores.isEmpty)
        let none = try await store.updateProgress(org: "org1", users: []) { _ in [] }
        XCTAssertEqual(none, [])
    }

    /// Many concurrent read-modify-writes of one user (through `stores`, e.g. two nodes): none is lost.
    func updateProgressSerialisesConcurrentUpdates(stores: [any ServerStore], perStore: Int = 25) async throws {
        let results = try await withThrowingTaskGroup(of: [Int].self) { group in
            for store in stores {
                group.addTask {
                    var seen: [Int] = []
                    for _ in 0..<perStore {
                        let totals = try await store.updateProgress(org: "org1", users: ["amy", "ben"]) { progress in
                            progress["amy"]?.messages += 1
                            progress["ben"]?.dayPoints += 2
                            return [ScoreRecord(room: "", period: "all", user: "amy", points: 1)]
                        }
                        seen += totals.map(\.points)
                    }
                    return seen
                }
            }
            var all: [Int] = []
            for try await part in group { all += part }
            return all
        }
        let count = stores.count * perStore
        // Every call saw the previous one's total: totals 1…count, each once.
        XCTAssertEqual(results.sorted(), Array(1...count))
        let loaded = try await stores[0].loadGamification(org: "org1", oldestWeek: "2026-W01")
        let progress = Dictionary(uniqueKeysWithValues: loaded.progress.map { ($0.user, $0) })
        XCTAssertEqual(progress["amy"]?.messages, count)
        XCTAssertEqual(progress["ben"]?.dayPoints, 2 * count)
        XCTAssertEqual(loaded.scores, [ScoreRecord(room: "", period: "all", user: "amy", points: count)])
    }

    func achievementsAndHelpfulAwardsHappenOnce() async throws {
        let store = try await makeStore()
        try await store.signIn(org: "org1", id: "amy", name: "Amy", role: .student, at: 1)
        let first = try await store.awardAchievement(org: "org1", user: "amy", name: "first_message", at: 10)
        let again = try await store.awardAchievement(org: "org1", user: "amy", name: "first_message", at: 20)
        let otherOrg = try await store.awardAchievement(org: "org2", user: "amy", name: "first_message", at: 20)
        XCTAssertEqual([first, again, otherOrg], [true, false, true])

        let award = HelpfulAward(msgID: "m1", mentor: "mia", author: "amy", room: "r1", week: "2026-W10", at: 30)
        let added = try await store.addHelpfulAward(org: "org1", award)
        var repeated = award
        repeated.at = 40
        let addedAgain = try await store.addHelpfulAward(org: "org1", repeated)
        XCTAssertEqual([added, addedAgain], [true, false])
        let removed = try await store.removeHelpfulAward(org: "org1", msgID: "m1", mentor: "mia")
        XCTAssertEqual(removed, award)
        let removedAgain = try await store.removeHelpfulAward(org: "org1", msgID: "m1", mentor: "mia")
        XCTAssertNil(removedAgain)

        let loaded = try await store.loadGamification(org: "org1", oldestWeek: "2026-W01")
        XCTAssertEqual(loaded.achievements.map(\.user), ["amy"])
        XCTAssertEqual(loaded.achievements.map(\.name), ["first_message"])
        XCTAssertEqual(loaded.names, ["amy": "Amy"])
    }

    func weeklyScoresBeforeOldestWeekAreNotLoaded() async throws {
        let store = try await makeStore()
        try await store.saveGamification(org: "org1", progress: [], scores: [
            ScoreRecord(room: "", period: "all", user: "amy", points: 9),
            ScoreRecord(room: "", period: "2026-W09", user: "amy", points: 1),
            ScoreRecord(room: "", period: "2026-W10", user: "amy", points: 2),
            ScoreRecord(room: "", period: "2026-W11", user: "amy", points: 3),
            ScoreRecord(room: "", period: "2026-W11", user: "amy", points: 4), // the last one given wins
        ])
        let loaded = try await store.loadGamification(org: "org1", oldestWeek: "2026-W10")
        XCTAssertEqual(Set(loaded.scores), [
            ScoreRecord(room: "", period: "all", user: "amy", points: 9),
            ScoreRecord(room: "", period: "2026-W10", user: "amy", points: 2),
            ScoreRecord(room: "", period: "2026-W11", user: "amy", points: 4),
        ])
    }

    func heldMessagesMutesAndAudit() async throws {
        let store = try await makeStore()
        func held(_ id: String, ts: Int64, deadline: Int64, room: String = "r1") -> HeldMessage {
            HeldMessage(
                room: room,
                message: NewMessage(
                    id: id, from: alice, text: "text of \(id)", ts: ts, replyTo: id == "h2" ? "m0" : nil, clientMsgID: "c-\(id)",
                    moderation: nil, status: "delivered"),
                reasons: ["spam", "links"], scores: ["spam": 0.75], timeZone: id == "h1" ? "Asia/Jerusalem" : nil, deadline: deadline)
        }
        _ = try await createRoom(store)
        _ = try await createRoom(store, org: "org2")
        for (org, message) in [("org1", held("h1", ts: 200, deadline: 900)), ("org1", held("h2", ts: 100, deadline: 950)), ("org2", held("h3", ts: 150, deadline: 800))] {
            let replayed = try await store.holdMessage(org: org, message, idempotentSince: 0)
            XCTAssertNil(replayed)
        }

        let pending = try await store.heldMessages(org: "org1")
        XCTAssertEqual(pending, [held("h2", ts: 100, deadline: 950), held("h1", ts: 200, deadline: 900)])
        let all = try await store.allHeldMessages()
        XCTAssertEqual(all.map(\.org), ["org2", "org1", "org1"])
        XCTAssertEqual(all.map(\.held.message.id), ["h3", "h1", "h2"])

        let taken = try await store.takeHeldMessage(org: "org1", msgID: "h1")
        XCTAssertEqual(taken, held("h1", ts: 200, deadline: 900))
        let takenAgain = try await store.takeHeldMessage(org: "org1", msgID: "h1")
        XCTAssertNil(takenAgain)
        let wrongOrg = try await store.takeHeldMessage(org: "org1", msgID: "h3")
        XCTAssertNil(wrongOrg)
        let left = try await store.heldMessages(org: "org1")
        XCTAssertEqual(left.map(\.message.id), ["h2"])

        try await store.setMute(org: "org1", room: "r1", user: "amy", until: 5_000)
        try await store.setMute(org: "org1", room: "r1", user: "amy", until: 9_000) // replaces
        try await store.setMute(org: "org1", room: "r2", user: "ben", until: 1_000)
        let mutes = try await store.activeMutes(now: 2_000)
        XCTAssertEqual(mutes.map { "\($0.org)/\($0.room)/\($0.user)/\($0.until)" }, ["org1/r1/amy/9000"])

        try await store.appendAudit(AuditRecord(org: "org1", at: 10, actor: "moderator", action: "hold", room: "r1", msgID: "h1", subject: "amy",
                                                reasons: ["spam"], scores: ["spam": 0.75]))
        try await store.appendAudit(AuditRecord(org: "org1", at: 20, actor: "mia", action: "approve", room: "r1", msgID: "h1"))
        try await store.appendAudit(AuditRecord(org: "org2", at: 30, actor: "root", action: "ban", subject: "x", detail: "abuse"))
        try await store.appendAudit(AuditRecord(org: "org1", at: 20, actor: "mia", action: "mute", subject: "amy"))
        let org1 = try await store.audit(org: "org1", query: AuditQuery(), limit: 10)
        // Newest first: each org's chain in reverse.
        XCTAssertEqual(org1.map(\.action), ["mute", "approve", "hold"])
        XCTAssertEqual(org1.map(\.seq), [3, 2, 1])
        var first = AuditRecord(org: "org1", at: 10, actor: "moderator", action: "hold", room: "r1", msgID: "h1", subject: "amy",
                                reasons: ["spam"], scores: ["spam": 0.75], seq: 1)
        first.hash = org1.last?.hash
        XCTAssertEqual(org1.last, first)
        let recent = try await store.audit(org: "org1", query: AuditQuery(since: 20), limit: 1)
        XCTAssertEqual(recent.map(\.action), ["mute"])
        let everyOrg = try await store.audit(org: nil, query: AuditQuery(), limit: 10)
        XCTAssertEqual(everyOrg.map(\.action), ["ban", "mute", "approve", "hold"])
        XCTAssertEqual(everyOrg.first?.detail, "abuse")

        // Filters, and paging with the seq cursor.
        let byActor = try await store.audit(org: "org1", query: AuditQuery(actor: "mia"), limit: 10)
        XCTAssertEqual(byActor.map(\.action), ["mute", "approve"])
        let bySubject = try await store.audit(org: "org1", query: AuditQuery(action: "mute", subject: "amy"), limit: 10)
        XCTAssertEqual(bySubject.map(\.seq), [3])
        let inRoom = try await store.audit(org: "org1", query: AuditQuery(until: 20, room: "r1"), limit: 10)
        XCTAssertEqual(inRoom.map(\.action), ["hold"])
        let nextPage = try await store.audit(org: "org1", query: AuditQuery(beforeSeq: 3), limit: 1)
        XCTAssertEqual(nextPage.map(\.action), ["approve"])
    }

    func auditEntriesFormOneHashChainPerOrg() async throws {
        let store = try await makeStore()
        for index in 1...5 {
            try await store.appendAudit(AuditRecord(org: "org1", at: Int64(index), actor: "a", action: "ban", subject: "u\(index)", detail: "d"))
        }
        try await store.appendAudit(AuditRecord(org: "org2", at: 1, actor: "a", action: "kick"))
        let chain = try await store.auditChain(org: "org1", afterSeq: 0, limit: 100)
        XCTAssertEqual(chain.map(\.seq), [1, 2, 3, 4, 5])
        XCTAssertEqual(chain.first?.prevHash, AuditChain.genesis)
        XCTAssertNil(AuditChain.firstBreak(in: chain, after: nil))
        let tail = try await store.auditChain(org: "org1", afterSeq: 3, limit: 100)
        XCTAssertNil(AuditChain.firstBreak(in: tail, after: (chain[2].seq, chain[2].hash)))
        let orgs = try await store.auditOrgs()
        XCTAssertEqual(orgs, ["org1", "org2"])

        var edited = chain
        edited[2].detail = "changed"
        XCTAssertEqual(AuditChain.firstBreak(in: edited, after: nil)?.seq, 3)
        var removed = chain
        removed.remove(at: 1)
        XCTAssertEqual(AuditChain.firstBreak(in: removed, after: nil)?.seq, 3)
        XCTAssertEqual(AuditChain.firstBreak(in: Array(chain.dropFirst()), after: nil)?.seq, 2)
    }
}

/// What `body` was given (it runs inside the store's transaction).
final class Seen: Sendable {
    private let storage = Mutex<[String: UserProgress]?>(nil)
    var value: [String: UserProgress]? { storage.withLock { $0 } }
    func set(_ progress: [String: UserProgress]) { storage.withLock { $0 = progress } }
}
