import Foundation
import GRDB
import Logging
import Storage
@testable import StorageSQLite
import Wire
import XCTest

/// What only the SQLite store has (its file, WAL, pragmas, GRDB migrations). The behaviour every
/// backend shares is checked by StorageContractTests against SQLite and PostgreSQL alike.
final class SQLiteChatStoreTests: XCTestCase {
    // MARK: Fixtures

    private func temporaryPath() -> String {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("storage-tests-\(UUID().uuidString)", isDirectory: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        // A nested, not yet existing directory: the store must create it.
        return directory.appendingPathComponent("data/chat.sqlite").path
    }

    private func openStore(_ path: String) throws -> SQLiteChatStore {
        try SQLiteChatStore(path: path, logger: Logger(label: "storage-tests"))
    }

    /// A file as an older version left it: migrated up to `version`, then `sql` run on it.
    private func olderFile(upTo version: String, _ sql: String) async throws -> String {
        let path = temporaryPath()
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let old = try DatabasePool(path: path)
        try SQLiteSchema.migrator.migrate(old, upTo: version)
        try await old.write { db in try db.execute(sql: sql) }
        try old.close()
        return path
    }

    // MARK: Schema

    func testMigrationsCreateSchemaOnNewFile() async throws {
        let path = temporaryPath()
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        let store = try openStore(path)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path))

        let (tables, applied, journalMode, foreignKeys) = try await store.pool.read { db in
            (
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'grdb_%' AND name NOT LIKE 'sqlite_%' ORDER BY name"),
                try SQLiteSchema.migrator.appliedIdentifiers(db),
                try String.fetchOne(db, sql: "PRAGMA journal_mode"),
                try Int.fetchOne(db, sql: "PRAGMA foreign_keys")
            )
        }
        XCTAssertEqual(tables, [
            "audit_anchors", "audit_log", "bans", "gam_achievements", "gam_helpful_awards", "gam_progress", "gam_scores", "held_messages",
            "idempotency_keys", "messages", "mutes", "reactions", "read_positions", "room_members", "rooms", "sign_outs", "store_generation",
            "users",
        ])
        XCTAssertEqual(Set(applied), Set(SQLiteSchema.migrator.migrations))
        XCTAssertEqual(journalMode, "wal")
        XCTAssertEqual(foreignKeys, 1)
        let healthy = await store.isHealthy()
        XCTAssertTrue(healthy)
        try await store.close()

        // Reopening an up-to-date file runs no migration again and keeps working.
        let reopened = try openStore(path)
        let reapplied = try await reopened.pool.read { db in try SQLiteSchema.migrator.appliedIdentifiers(db) }
        XCTAssertEqual(Set(reapplied), Set(SQLiteSchema.migrator.migrations))
        try await reopened.close()
    }

    func testBansMigrationKeepsEarlierBans() async throws {
        // A file from before bans had their own table: users.banned held them.
        let path = try await olderFile(upTo: "v5-urgent-holds", """
            INSERT INTO users (org, id, name, role, last_seen, banned) VALUES
                ('org1', 'troll', 'Troll', 'student', 70, 1), ('org1', 'ann', 'Ann', 'student', 80, 0)
            """)

        let store = try openStore(path)
        let bans = try await store.bans(org: "org1", now: 100)
        XCTAssertEqual(bans, [UserBan(user: "troll", reason: nil, expiresAt: nil, by: "", at: 70)])
        let flags = try await store.recordSignIns([
            UserSignIn(org: "org1", id: "troll", name: "Troll", role: .student, at: 100),
            UserSignIn(org: "org1", id: "ann", name: "Ann", role: .student, at: 100),
        ])
        XCTAssertEqual(flags, [.banned, nil])
        try await store.close()
    }

    func testAuditChainMigrationChainsEarlierEntries() async throws {
        let path = try await olderFile(upTo: "v7-sign-outs", """
            INSERT INTO audit_log (org, at, actor, action, reasons, scores) VALUES
                ('org1', 10, 'moderator', 'block', '["insult"]', '{"toxicity":0.9}'),
                ('org2', 11, 'root', 'ban', '[]', '{}'),
                ('org1', 12, 'mia', 'approve', '[]', '{}')
            """)

        let store = try openStore(path)
        let chain = try await store.auditChain(org: "org1", afterSeq: 0, limit: 10)
        XCTAssertEqual(chain.map(\.seq), [1, 2])
        XCTAssertEqual(chain.map(\.action), ["block", "approve"])
        XCTAssertNil(AuditChain.firstBreak(in: chain, after: nil))
        // New entries continue the migrated chain.
        let next = try await store.appendAudit(AuditRecord(org: "org1", at: 13, actor: "mia", action: "reject"))
        XCTAssertEqual(next.seq, 3)
        let whole = try await store.auditChain(org: "org1", afterSeq: 0, limit: 10)
        XCTAssertNil(AuditChain.firstBreak(in: whole, after: nil))
        try await store.close()
    }
}
