import Foundation
import Storage
import Wire
import XCTest

/// Encryption at rest (issue 13): personal columns hold no plaintext, every key of the ring
/// opens what it sealed, and re-sealing moves plaintext and older keys' values to the current key.
extension StoreContract {
    static let keyOne = "k1:" + Data(repeating: 1, count: 32).base64EncodedString()
    static let keyTwo = "k2:" + Data(repeating: 2, count: 32).base64EncodedString()

    static func cipher(_ entries: String...) throws -> FieldCipher {
        FieldCipher(keyring: try Keyring(parsing: entries.joined(separator: ",")))
    }

    /// Writes one value into every sealed column, each containing `marker`.
    private func writePersonalData(_ store: any ServerStore, marker: String, suffix: String) async throws {
        let author = UserRef(id: "u-\(suffix)", name: "\(marker) name", role: .student)
        _ = try await store.recordSignIns([UserSignIn(org: "org1", id: author.id, name: author.name, role: .student, at: 1)])
        let room = RoomInfo(
            id: "r-\(suffix)", kind: .group, title: "\(marker) title", visibility: .org, members: [author.id], createdBy: author.id, createdAt: 1)
        _ = try await store.createRoom(org: "org1", info: room, epoch: "e")
        _ = try await store.appendMessages(org: "org1", room: room.id, [newMessage("\(marker) text", from: author)], idempotentSince: 0)
        let held = HeldMessage(
            room: room.id, message: newMessage("\(marker) held", from: author, id: "h-\(suffix)"), reasons: ["spam"], scores: [:],
            timeZone: nil, deadline: 9)
        _ = try await store.holdMessage(org: "org1", held, idempotentSince: 0)
        try await store.setBan(org: "org1", UserBan(user: "banned-\(suffix)", reason: "\(marker) reason", expiresAt: nil, by: "admin", at: 1))
        _ = try await store.appendAudit(AuditRecord(org: "org1", at: 1, actor: "admin", action: "retitle", room: room.id, detail: "\(marker) detail"))
    }

    /// What a user of the store reads back of the values `writePersonalData` wrote.
    private func readPersonalData(_ store: any ServerStore, suffix: String) async throws -> [String?] {
        let user = try await store.user(org: "org1", id: "u-\(suffix)")
        let room = try await store.room(org: "org1", id: "r-\(suffix)")
        let message = try await store.history(org: "org1", room: "r-\(suffix)", beforeSeq: nil, limit: 10).messages.first
        let held = try await store.heldMessages(org: "org1").first { $0.message.id == "h-\(suffix)" }
        let ban = try await store.bans(org: "org1", now: 2).first { $0.user == "banned-\(suffix)" }
        let audit = try await store.audit(org: "org1", query: AuditQuery(room: "r-\(suffix)"), limit: 1).first
        return [user?.name, room?.info.title, message?.text, message?.from.name, held?.message.text, held?.message.from.name, ban?.reason, audit?.detail]
    }

    private func expected(_ marker: String) -> [String?] {
        ["\(marker) name", "\(marker) title", "\(marker) text", "\(marker) name", "\(marker) held", "\(marker) name", "\(marker) reason", "\(marker) detail"]
    }

    /// Every sealed column's raw values.
    private func rawSealedValues() async throws -> [String] {
        var values: [String] = []
        for table in OrgTables.all {
            for column in table.sealedColumns { values += try await fixture.rawTexts(table.name, column.postgresName) }
        }
        return values
    }

    func sealedColumnsHoldNoPlaintextAndKeysRotate() async throws {
        // Before encryption is on: plaintext, which a store with keys still reads.
        let plain = try await fixture.open()
        try await writePersonalData(plain, marker: "legacy-plaintext", suffix: "a")
        let sealedWithOne = try await fixture.open(cipher: Self.cipher(Self.keyOne))
        let legacyRead = try await readPersonalData(sealedWithOne, suffix: "a")
        XCTAssertEqual(legacyRead, expected("legacy-plaintext"))

        // New writes are sealed; re-sealing converts the plaintext.
        try await writePersonalData(sealedWithOne, marker: "secret-one", suffix: "b")
        var resealed = 0
        for table in OrgTables.all {
            while case let count = try await sealedWithOne.resealBatch(table, limit: 2), count > 0 { resealed += count }
        }
        XCTAssertEqual(resealed, 6, "the six rows of the first writes, which held plaintext")
        var raw = try await rawSealedValues()
        XCTAssertEqual(raw.count, 16)
        XCTAssertTrue(raw.allSatisfy { $0.hasPrefix("\u{2}rts1.k1.") }, "\(raw)")
        XCTAssertFalse(raw.contains { $0.contains("legacy-plaintext") || $0.contains("secret-one") }, "\(raw)")

        // A store without the keys cannot read them; one with a wrong key under the same id neither.
        await XCTAssertThrowsErrorAsync(try await self.readPersonalData(plain, suffix: "b"))
        let impostor = try await fixture.open(cipher: Self.cipher("k1:" + Data(repeating: 9, count: 32).base64EncodedString()))
        await XCTAssertThrowsErrorAsync(try await self.readPersonalData(impostor, suffix: "b"))

        // Rotation: k2 current, k1 still listed; everything moves to k2, and k2 alone reads it all.
        let rotating = try await fixture.open(cipher: Self.cipher(Self.keyTwo, Self.keyOne))
        try await writePersonalData(rotating, marker: "secret-two", suffix: "c")
        resealed = 0
        for table in OrgTables.all {
            while case let count = try await rotating.resealBatch(table, limit: 500), count > 0 { resealed += count }
        }
        XCTAssertEqual(resealed, 12, "every row of a sealed column")
        raw = try await rawSealedValues()
        XCTAssertTrue(raw.allSatisfy { $0.hasPrefix("\u{2}rts1.k2.") }, "\(raw)")
        let onlyTwo = try await fixture.open(cipher: Self.cipher(Self.keyTwo))
        for (suffix, marker) in [("a", "legacy-plaintext"), ("b", "secret-one"), ("c", "secret-two")] {
            let read = try await readPersonalData(onlyTwo, suffix: suffix)
            XCTAssertEqual(read, expected(marker))
        }
        // The audit chain is over plaintext: it still verifies after the rotation.
        let chain = try await onlyTwo.auditChain(org: "org1", afterSeq: 0, limit: 10)
        XCTAssertNil(AuditChain.firstBreak(in: chain, after: nil))
        // Backups carry plaintext: `readOrg` opens every sealed column.
        let rows = try await onlyTwo.orgRows(org: "org1", user: nil)
        XCTAssertEqual(rows["messages"]?.compactMap { if case .text(let text)? = $0["text"] { text } else { nil } }.sorted(),
                       ["legacy-plaintext text", "secret-one text", "secret-two text"])
    }
}

func XCTAssertThrowsErrorAsync<T>(
    _ expression: @autoclosure () async throws -> T, file: StaticString = #filePath, line: UInt = #line
) async {
    do {
        _ = try await expression()
        XCTFail("expected an error", file: file, line: line)
    } catch {}
}
