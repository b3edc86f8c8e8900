import Foundation
import Storage
import Wire
import XCTest

/// Retention (issue 13): old messages go in batches, org by org; old audit entries go from the
/// start of the chain, which an anchor keeps verifiable and appendable.
extension StoreContract {
    func retentionPurgesOldMessagesOfOneOrgInBatches() async throws {
        let store = try await makeStore()
        try await createRoom(store)
        try await createRoom(store, org: "org2")
        for ts in [100, 200, 300, 400, 500] as [Int64] {
            _ = try await store.appendMessages(org: "org1", room: "r1", [newMessage("at \(ts)", ts: ts)], idempotentSince: 0)
            _ = try await store.appendMessages(org: "org2", room: "r1", [newMessage("at \(ts)", ts: ts)], idempotentSince: 0)
        }
        let first = try await store.history(org: "org1", room: "r1", beforeSeq: nil, limit: 10).messages[0]
        _ = try await store.setReaction(org: "org1", room: "r1", msgID: first.id, user: "bob", emoji: "👍", on: true, at: 1)

        let firstBatch = try await store.purgeMessages(org: "org1", before: 450, limit: 3)
        let secondBatch = try await store.purgeMessages(org: "org1", before: 450, limit: 3)
        XCTAssertEqual([firstBatch, secondBatch], [3, 1])
        let left = try await store.history(org: "org1", room: "r1", beforeSeq: nil, limit: 10).messages
        XCTAssertEqual(left.map(\.seq), [5])
        XCTAssertEqual(left.map(\.text), ["at 500"])
        let other = try await store.history(org: "org2", room: "r1", beforeSeq: nil, limit: 10).messages
        XCTAssertEqual(other.count, 5, "another org's messages stay")
        // The room keeps counting from where it was.
        let next = try await store.appendMessages(org: "org1", room: "r1", [newMessage("after")], idempotentSince: 0)
        XCTAssertEqual(stored(next[0])?.seq, 6)
        let orgs = try await store.roomOrgs()
        XCTAssertEqual(orgs, ["org1", "org2"])
    }

    func retentionPurgesAStartOfTheAuditChainThatStillVerifies() async throws {
        let store = try await makeStore()
        for at in [10, 20, 30, 15, 40] as [Int64] {
            _ = try await store.appendAudit(AuditRecord(org: "org1", at: at, actor: "boss", action: "ban", subject: "u\(at)"))
        }
        _ = try await store.appendAudit(AuditRecord(org: "org2", at: 1, actor: "boss", action: "ban", subject: "x"))

        // Before 25: seqs 1 and 2 only; seq 4 (at 15) sits behind seq 3 (at 30), so it stays.
        let purged = try await store.purgeAudit(org: "org1", before: 25, limit: 100)
        XCTAssertEqual(purged, 2)
        let anchor = try await store.auditAnchor(org: "org1")
        XCTAssertEqual(anchor?.seq, 2)
        var chain = try await store.auditChain(org: "org1", afterSeq: anchor?.seq ?? 0, limit: 100)
        XCTAssertEqual(chain.map(\.seq), [3, 4, 5])
        XCTAssertNil(AuditChain.firstBreak(in: chain, after: anchor))
        XCTAssertNotNil(AuditChain.firstBreak(in: chain, after: nil), "without the anchor the cut shows")

        // Everything old goes; appends continue the chain from the anchor.
        let rest = try await store.purgeAudit(org: "org1", before: 1_000, limit: 100)
        XCTAssertEqual(rest, 3)
        let appended = try await store.appendAudit(AuditRecord(org: "org1", at: 2_000, actor: "boss", action: "unban", subject: "u10"))
        XCTAssertEqual(appended.seq, 6)
        let newAnchor = try await store.auditAnchor(org: "org1")
        chain = try await store.auditChain(org: "org1", afterSeq: newAnchor?.seq ?? 0, limit: 100)
        XCTAssertNil(AuditChain.firstBreak(in: chain, after: newAnchor))
        let untouched = try await store.audit(org: "org2", query: AuditQuery(), limit: 10)
        XCTAssertEqual(untouched.count, 1)
        // Backups carry the anchor.
        let rows = try await store.orgRows(org: "org1", user: nil)
        XCTAssertEqual(rows["audit_anchors"]?.first?["seq"], .integer(5))
    }
}
