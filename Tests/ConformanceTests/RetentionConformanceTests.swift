import Foundation
import XCTest

/// Retention (issue 13) on a server whose clock the test moves: the background job deletes what
/// is older than each org's retention, keeps what an override keeps, and the audit chain still verifies.
final class RetentionConformanceTests: XCTestCase {
    func testTheJobDeletesOldMessagesAndAuditEntriesPerOrg() async throws {
        let clock = ManualClock("2026-06-01T09:00:00Z")
        let limited = Fresh.id("limited"), kept = Fresh.id("kept")
        try await withServer(clock: clock, { config in
            config.maxTokenLifetimeS = 365 * 86_400
            config.messageRetentionDays = 30
            config.auditRetentionDays = 90
            config.retentionOverrides = ["\(kept)=0/0"]
            config.retentionIntervalS = 1
        }) { server in
            func mentor(_ org: String) async throws -> TestClient {
                let token = try await server.minter.mint(sub: "mia", org: org, role: "mentor", ttlSeconds: 365 * 86_400, now: clock.date)
                return try await server.connectAuthed(token: token, label: "mia@\(org)")
            }
            func texts(_ client: TestClient, _ room: String) async throws -> [String] {
                let history = try await client.require("history", ["type": "history", "room": room, "limit": 50])
                return history["messages"]?.array?.compactMap { $0["text"]?.string } ?? []
            }
            let room = Fresh.id("room")
            var clients: [String: TestClient] = [:]
            for org in [limited, kept] {
                let client = try await mentor(org)
                try await client.createRoom(room, visibility: "org")
                try await client.join(room)
                try await client.say("from june", in: room)
                clients[org] = client
            }
            // An audited action in June.
            let admin = try await server.minter.mint(sub: "boss", org: limited, role: "admin", ttlSeconds: 365 * 86_400, now: clock.date)
            let banned = try await RawHTTP.request(
                port: server.port, method: "POST", path: "/v1/admin/bans", headers: [("Authorization", "Bearer \(admin)")], body: #"{"user":"troll"}"#)
            XCTAssertEqual(banned.status, 201)

            // 31 days on: June's message is past the 30-day retention of one org only.
            clock.advance(hours: 31 * 24)
            let limitedClient = try XCTUnwrap(clients[limited]), keptClient = try XCTUnwrap(clients[kept])
            try await limitedClient.say("from july", in: room)
            var left: [String] = []
            for _ in 0..<50 {
                left = try await texts(limitedClient, room)
                if left == ["from july"] { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            XCTAssertEqual(left, ["from july"])
            let keptTexts = try await texts(keptClient, room)
            XCTAssertEqual(keptTexts, ["from june"], "retention_overrides keeps this org's messages")
            let joined = try await limitedClient.join(room)
            XCTAssertEqual(joined["last_seq"]?.int, 2, "seqs go on from where they were")

            // 91 days on: the June audit entries are past the 90-day retention; the rest verifies.
            let unban = try await RawHTTP.request(
                port: server.port, method: "DELETE", path: "/v1/admin/bans/troll", headers: [("Authorization", "Bearer \(admin)")])
            XCTAssertEqual(unban.status, 204)
            clock.advance(hours: 60 * 24)
            var actions: [String] = []
            for _ in 0..<50 {
                let audit = try await RawHTTP.get(port: server.port, path: "/v1/admin/audit", headers: [("Authorization", "Bearer \(admin)")])
                actions = JSON.parse(audit.body)?["records"]?.array?.compactMap { $0["action"]?.string } ?? []
                if !actions.contains("ban") { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            XCTAssertFalse(actions.contains("ban"), "June's entries are gone: \(actions)")
            XCTAssertTrue(actions.contains("unban"), "July's stay: \(actions)")
            let (status, output) = try await ServerProcess.runCLI(
                ["audit", "verify", "--org", limited], dbPath: server.config.sqlitePath, workingDirectory: server.directory,
                extra: server.storeEnvironment)
            XCTAssertEqual(status, 0, output)

            let metrics = try await RawHTTP.get(port: server.port, path: "/metrics")
            XCTAssertTrue(metrics.body.contains(#"rts_retention_deleted_total{kind="messages"}"#), metrics.body)
            XCTAssertTrue(metrics.body.contains("rts_retention_last_run_timestamp_seconds"))
        }
    }
}
