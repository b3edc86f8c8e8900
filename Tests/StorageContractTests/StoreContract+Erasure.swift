import Foundation
import Storage
import Wire
import XCTest

/// GDPR erasure (issue 13): the user's messages become tombstones in place, the rest of their
/// personal data goes, and nobody else's data changes.
extension StoreContract {
    func erasureTombstonesMessagesAndRemovesTheRest() async throws {
        let store = try await makeStore()
        _ = try await store.recordSignIns([
            UserSignIn(org: "org1", id: "alice", name: "Alice", role: .student, at: 1),
            UserSignIn(org: "org1", id: "bob", name: "Bob", role: .mentor, at: 1),
            UserSignIn(org: "org2", id: "alice", name: "Other Alice", role: .student, at: 1),
        ])
        try await createRoom(store)
        try await createRoom(store, org: "org2")
        var ids: [String] = []
        for (index, author) in [alice, bob, alice, bob].enumerated() {
            let outcome = try await store.appendMessages(org: "org1", room: "r1", [newMessage("message \(index)", from: author)], idempotentSince: 0)
            if let message = stored(outcome[0]) { ids.append(message.id) }
        }
        _ = try await store.appendMessages(org: "org2", room: "r1", [newMessage("other org", from: alice)], idempotentSince: 0)
        _ = try await store.setReaction(org: "org1", room: "r1", msgID: ids[1], user: "alice", emoji: "👍", on: true, at: 2)
        _ = try await store.setReaction(org: "org1", room: "r1", msgID: ids[0], user: "bob", emoji: "helpful", on: true, at: 2)
        try await store.saveGamification(
            org: "org1", progress: [UserProgress(user: "alice"), UserProgress(user: "bob")],
            scores: [ScoreRecord(room: "", period: "all", user: "alice", points: 5), ScoreRecord(room: "", period: "all", user: "bob", points: 3)])
        _ = try await store.awardAchievement(org: "org1", user: "alice", name: "first_message", at: 3)
        let held = HeldMessage(room: "r1", message: newMessage("held one", from: alice, id: "h1"), reasons: ["spam"], scores: [:], timeZone: nil, deadline: 9)
        _ = try await store.holdMessage(org: "org1", held, idempotentSince: 0)

        let erased = try await store.eraseUser(org: "org1", user: "alice", at: 50)
        XCTAssertEqual(erased.messages.map(\.msgID), [ids[0], ids[2]])
        XCTAssertEqual(erased.reactions, 2, "theirs, and the one on their message")
        XCTAssertEqual(erased.heldMessages, 1)

        // Seqs stay 1…4; alice's are tombstones without text or name, bob's are untouched.
        let history = try await store.history(org: "org1", room: "r1", beforeSeq: nil, limit: 10).messages
        XCTAssertEqual(history.map(\.seq), [1, 2, 3, 4])
        XCTAssertEqual(history.map(\.text), [nil, "message 1", nil, "message 3"])
        XCTAssertEqual(history.map { $0.deleted == true }, [true, false, true, false])
        XCTAssertEqual(history.map(\.from.name), ["", "Bob", "", "Bob"])
        XCTAssertEqual(history[1].reactions ?? [:], [:], "alice's reaction is gone")
        XCTAssertEqual(history[0].reactions ?? [:], [:], "a tombstone shows no reactions")
        let aliceRecord = try await store.user(org: "org1", id: "alice")
        XCTAssertNil(aliceRecord)
        let bobRecord = try await store.user(org: "org1", id: "bob")
        XCTAssertEqual(bobRecord?.name, "Bob")
        let heldLeft = try await store.heldMessages(org: "org1")
        XCTAssertEqual(heldLeft.count, 0)
        let gamification = try await store.loadGamification(org: "org1", oldestWeek: "2000-W01")
        XCTAssertEqual(gamification.progress.map(\.user), ["bob"])
        XCTAssertEqual(gamification.scores.map(\.user), ["bob"])
        XCTAssertTrue(gamification.achievements.isEmpty)

        // The other org's alice is another person.
        let other = try await store.history(org: "org2", room: "r1", beforeSeq: nil, limit: 10).messages
        XCTAssertEqual(other.map(\.text), ["other org"])
        let otherAlice = try await store.user(org: "org2", id: "alice")
        XCTAssertEqual(otherAlice?.name, "Other Alice")

        // Nothing left to erase: a repeat changes nothing.
        let again = try await store.eraseUser(org: "org1", user: "alice", at: 60)
        XCTAssertEqual(again, ErasedUser(messages: [], reactions: 0, heldMessages: 0))
    }
}
