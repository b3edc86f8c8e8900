import XCTest

// One forwarding method per contract check, so each backend's results are listed by name.

/// The store contract on a SQLite file.
final class SQLiteStoreContractTests: XCTestCase {
    private func contract() async throws -> StoreContract {
        StoreContract(try await StoreFixture.make(.sqlite, for: self))
    }

    func testSignInsRecordUsersWithOrgIsolation() async throws { try await contract().signInsRecordUsersWithOrgIsolation() }
    func testBansExpireAndListPerOrg() async throws { try await contract().bansExpireAndListPerOrg() }
    func testSignOutRefusesTokensIssuedBeforeIt() async throws { try await contract().signOutRefusesTokensIssuedBeforeIt() }
    func testUsersPageInIDOrder() async throws { try await contract().usersPageInIDOrder() }
    func testUsersBatchLookupKeepsOrderAndSkipsUnknown() async throws { try await contract().usersBatchLookupKeepsOrderAndSkipsUnknown() }
    func testCreateRoomAndConflict() async throws { try await contract().createRoomAndConflict() }
    func testMembersAddAndRemove() async throws { try await contract().membersAddAndRemove() }
    func testAppendAssignsGapFreeSeqsAcrossBatches() async throws { try await contract().appendAssignsGapFreeSeqsAcrossBatches() }
    func testIdempotentReplayReturnsOriginalAckAndStoresNothing() async throws { try await contract().idempotentReplayReturnsOriginalAckAndStoresNothing() }
    func testExpiredIdempotencyKeyAllowsNewMessage() async throws { try await contract().expiredIdempotencyKeyAllowsNewMessage() }
    func testHeldMessageKeepsItsClientMsgIDUntilApproved() async throws { try await contract().heldMessageKeepsItsClientMsgIDUntilApproved() }
    func testDuplicatesWithinOneBatch() async throws { try await contract().duplicatesWithinOneBatch() }
    func testAppendToMissingRoomThrowsAndStoresNothing() async throws { try await contract().appendToMissingRoomThrowsAndStoresNothing() }
    func testFailureMidBatchRollsBackTheWholeBatch() async throws { try await contract().failureMidBatchRollsBackTheWholeBatch() }
    func testConcurrentAppendsKeepSeqGapFreeAndUnique() async throws { try await contract().concurrentAppendsKeepSeqGapFreeAndUnique() }
    func testHistoryPaging() async throws { try await contract().historyPaging() }
    func testMessagesAfterSeq() async throws { try await contract().messagesAfterSeq() }
    func testEditAndDeleteShape() async throws { try await contract().editAndDeleteShape() }
    func testReactionCounts() async throws { try await contract().reactionCounts() }
    func testReadPositionsOnlyRise() async throws { try await contract().readPositionsOnlyRise() }
    func testDataSurvivesCloseAndReopen() async throws { try await contract().dataSurvivesCloseAndReopen() }
    func testPurgeIdempotencyKeys() async throws { try await contract().purgeIdempotencyKeys() }
    func testHealthAndClose() async throws { try await contract().healthAndClose() }
    func testUpdateProgressReadsChangesAndReturnsTotals() async throws { try await contract().updateProgressReadsChangesAndReturnsTotals() }
    func testAchievementsAndHelpfulAwardsHappenOnce() async throws { try await contract().achievementsAndHelpfulAwardsHappenOnce() }
    func testWeeklyScoresBeforeOldestWeekAreNotLoaded() async throws { try await contract().weeklyScoresBeforeOldestWeekAreNotLoaded() }
    func testHeldMessagesMutesAndAudit() async throws { try await contract().heldMessagesMutesAndAudit() }
    func testAuditEntriesFormOneHashChainPerOrg() async throws { try await contract().auditEntriesFormOneHashChainPerOrg() }
    func testAppendThroughput() async throws { try await contract().appendThroughput() }
    func testControlCharactersAreStored() async throws { try await contract().controlCharactersAreStored() }
    func testSealedColumnsHoldNoPlaintextAndKeysRotate() async throws { try await contract().sealedColumnsHoldNoPlaintextAndKeysRotate() }
    func testErasureTombstonesMessagesAndRemovesTheRest() async throws { try await contract().erasureTombstonesMessagesAndRemovesTheRest() }
    func testRetentionPurgesOldMessagesOfOneOrgInBatches() async throws { try await contract().retentionPurgesOldMessagesOfOneOrgInBatches() }
    func testRetentionPurgesAStartOfTheAuditChainThatStillVerifies() async throws {
        try await contract().retentionPurgesAStartOfTheAuditChainThatStillVerifies()
    }

    func testUpdateProgressSerialisesConcurrentUpdates() async throws {
        let fixture = try await StoreFixture.make(.sqlite, for: self)
        let store = try await fixture.open()
        try await StoreContract(fixture).updateProgressSerialisesConcurrentUpdates(stores: [store, store, store])
    }
}

/// The store contract on a fresh PostgreSQL database per test (skipped without RTS_TEST_DATABASE_URL).
final class PostgresStoreContractTests: XCTestCase {
    private func contract() async throws -> StoreContract {
        StoreContract(try await StoreFixture.make(.postgres, for: self))
    }

    func testSignInsRecordUsersWithOrgIsolation() async throws { try await contract().signInsRecordUsersWithOrgIsolation() }
    func testBansExpireAndListPerOrg() async throws { try await contract().bansExpireAndListPerOrg() }
    func testSignOutRefusesTokensIssuedBeforeIt() async throws { try await contract().signOutRefusesTokensIssuedBeforeIt() }
    func testUsersPageInIDOrder() async throws { try await contract().usersPageInIDOrder() }
    func testUsersBatchLookupKeepsOrderAndSkipsUnknown() async throws { try await contract().usersBatchLookupKeepsOrderAndSkipsUnknown() }
    func testCreateRoomAndConflict() async throws { try await contract().createRoomAndConflict() }
    func testMembersAddAndRemove() async throws { try await contract().membersAddAndRemove() }
    func testAppendAssignsGapFreeSeqsAcrossBatches() async throws { try await contract().appendAssignsGapFreeSeqsAcrossBatches() }
    func testIdempotentReplayReturnsOriginalAckAndStoresNothing() async throws { try await contract().idempotentReplayReturnsOriginalAckAndStoresNothing() }
    func testExpiredIdempotencyKeyAllowsNewMessage() async throws { try await contract().expiredIdempotencyKeyAllowsNewMessage() }
    func testHeldMessageKeepsItsClientMsgIDUntilApproved() async throws { try await contract().heldMessageKeepsItsClientMsgIDUntilApproved() }
    func testDuplicatesWithinOneBatch() async throws { try await contract().duplicatesWithinOneBatch() }
    func testAppendToMissingRoomThrowsAndStoresNothing() async throws { try await contract().appendToMissingRoomThrowsAndStoresNothing() }
    func testFailureMidBatchRollsBackTheWholeBatch() async throws { try await contract().failureMidBatchRollsBackTheWholeBatch() }
    func testConcurrentAppendsKeepSeqGapFreeAndUnique() async throws { try await contract().concurrentAppendsKeepSeqGapFreeAndUnique() }
    func testHistoryPaging() async throws { try await contract().historyPaging() }
    func testMessagesAfterSeq() async throws { try await contract().messagesAfterSeq() }
    func testEditAndDeleteShape() async throws { try await contract().editAndDeleteShape() }
    func testReactionCounts() async throws { try await contract().reactionCounts() }
    func testReadPositionsOnlyRise() async throws { try await contract().readPositionsOnlyRise() }
    func testDataSurvivesCloseAndReopen() async throws { try await contract().dataSurvivesCloseAndReopen() }
    func testPurgeIdempotencyKeys() async throws { try await contract().purgeIdempotencyKeys() }
    func testHealthAndClose() async throws { try await contract().healthAndClose() }
    func testUpdateProgressReadsChangesAndReturnsTotals() async throws { try await contract().updateProgressReadsChangesAndReturnsTotals() }
    func testAchievementsAndHelpfulAwardsHappenOnce() async throws { try await contract().achievementsAndHelpfulAwardsHappenOnce() }
    func testWeeklyScoresBeforeOldestWeekAreNotLoaded() async throws { try await contract().weeklyScoresBeforeOldestWeekAreNotLoaded() }
    func testHeldMessagesMutesAndAudit() async throws { try await contract().heldMessagesMutesAndAudit() }
    func testAuditEntriesFormOneHashChainPerOrg() async throws { try await contract().auditEntriesFormOneHashChainPerOrg() }
    func testAppendThroughput() async throws { try await contract().appendThroughput() }
    func testControlCharactersAreStored() async throws { try await contract().controlCharactersAreStored() }
    func testSealedColumnsHoldNoPlaintextAndKeysRotate() async throws { try await contract().sealedColumnsHoldNoPlaintextAndKeysRotate() }
    func testErasureTombstonesMessagesAndRemovesTheRest() async throws { try await contract().erasureTombstonesMessagesAndRemovesTheRest() }
    func testRetentionPurgesOldMessagesOfOneOrgInBatches() async throws { try await contract().retentionPurgesOldMessagesOfOneOrgInBatches() }
    func testRetentionPurgesAStartOfTheAuditChainThatStillVerifies() async throws {
        try await contract().retentionPurgesAStartOfTheAuditChainThatStillVerifies()
    }

    func testUpdateProgressSerialisesConcurrentUpdates() async throws {
        let fixture = try await StoreFixture.make(.postgres, for: self)
        let store = try await fixture.open()
        try await StoreContract(fixture).updateProgressSerialisesConcurrentUpdates(stores: [store, store, store])
    }
}
