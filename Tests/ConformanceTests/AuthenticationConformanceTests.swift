import Auth
import Configuration
import Foundation
import XCTest

/// PROTOCOL.md § Authentication.
final class AuthenticationConformanceTests: ConformanceTestCase {
    override class var configure: @Sendable (inout ServerConfig) -> Void { { $0.authTimeoutMS = 500 } }

    /// Sends `first` as the first frame and expects close 4001 without a `hello`.
    private func assertClosedWith4001(firstFrame first: String, _ what: String, file: StaticString = #filePath, line: UInt = #line) async throws {
        let client = try await server.connect(label: what)
        try await client.sendRaw(first)
        let info = try await client.closeInfo()
        XCTAssertEqual(info.code, 4001, "\(what): \(info)", file: file, line: line)
        let frames = await client.buffered()
        XCTAssertFalse(frames.contains { $0.type == "hello" }, "\(what): no hello may be sent: \(frames)", file: file, line: line)
    }

    private func assertRefused(token: String, _ what: String, file: StaticString = #filePath, line: UInt = #line) async throws {
        try await assertClosedWith4001(firstFrame: jsonText(["type": "auth", "id": "a", "token": token]), what, file: file, line: line)
    }

    // MARK: Refusals

    func testHandmadeTokenIsAcceptedSoRefusalTestsAreMeaningful() async throws {
        let token = HandmadeJWT.token(payload: HandmadeJWT.claims(sub: "hand", org: org, role: "student"), secret: TestServer.secret)
        let client = try await server.connectAuthed(token: token, label: "handmade")
        XCTAssertEqual(client.hello.withLock { $0 }?["user"]?["id"]?.string, "hand")
    }

    func testFirstFrameOtherThanAuthClosesWith4001() async throws {
        try await assertClosedWith4001(firstFrame: #"{"type":"ping","id":"p"}"#, "ping first")
        try await assertClosedWith4001(firstFrame: #"{"type":"join","id":"j","room":"r"}"#, "join first")
        try await assertClosedWith4001(firstFrame: "not json", "garbage first")
    }

    func testBinaryFirstFrameClosesWith4001() async throws {
        let client = try await server.connect()
        try await client.sendBinary(Array(jsonText(["type": "auth", "id": "a", "token": try await server.token(user: "u", org: org, role: "student")]).utf8))
        let code = try await client.closeCode()
        XCTAssertEqual(code, 4001)
    }

    func testBadSignatureClosesWith4001() async throws {
        let other = try TokenMinter(hmacSecret: "some-other-secret-entirely-0000")
        try await assertRefused(token: try await other.mint(sub: "u1", org: org, role: "student"), "wrong secret")
        var tampered = Array(try await server.token(user: "u1", org: org, role: "student"))
        let index = tampered.lastIndex(of: ".")! + 5
        tampered[index] = tampered[index] == "A" ? "B" : "A"
        try await assertRefused(token: String(tampered), "tampered signature")
        try await assertRefused(token: "not.a.jwt", "garbage token")
    }

    func testWrongAlgorithmClosesWith4001() async throws {
        let claims = HandmadeJWT.claims(sub: "u1", org: org, role: "admin")
        try await assertRefused(token: HandmadeJWT.token(header: ["alg": "none", "typ": "JWT"], payload: claims, secret: nil), "alg none")
        try await assertRefused(
            token: HandmadeJWT.token(header: ["alg": "none", "typ": "JWT"], payload: claims, secret: TestServer.secret), "alg none with a MAC")
        try await assertRefused(
            token: HandmadeJWT.token(header: ["alg": "HS512", "typ": "JWT"], payload: claims, secret: TestServer.secret),
            "HS512 label on an HS256 MAC")
        try await assertRefused(
            token: HandmadeJWT.token(header: ["alg": "RS256", "typ": "JWT"], payload: claims, secret: TestServer.secret),
            "RS256 without a configured public key")
    }

    func testExpiredTokenClosesWith4001() async throws {
        let token = try await server.token(user: "u1", org: org, role: "student", ttl: 60, now: Date().addingTimeInterval(-3600))
        try await assertRefused(token: token, "expired")
    }

    func testNotYetValidTokenClosesWith4001() async throws {
        var claims = HandmadeJWT.claims(sub: "u1", org: org, role: "student")
        claims["nbf"] = Int(Date().timeIntervalSince1970) + 3600
        try await assertRefused(token: HandmadeJWT.token(payload: claims, secret: TestServer.secret), "nbf in the future")
    }

    func testMissingClaimsCloseWith4001() async throws {
        for claim in ["sub", "org", "role", "exp"] {
            var claims = HandmadeJWT.claims(sub: "u1", org: org, role: "student")
            claims[claim] = nil
            try await assertRefused(token: HandmadeJWT.token(payload: claims, secret: TestServer.secret), "missing \(claim)")
        }
    }

    func testInvalidRoleClosesWith4001() async throws {
        for role in ["superuser", "Admin", ""] {
            let claims = HandmadeJWT.claims(sub: "u1", org: org, role: role)
            try await assertRefused(token: HandmadeJWT.token(payload: claims, secret: TestServer.secret), "role '\(role)'")
        }
    }

    func testIdsOutsideTheAllowedAlphabetCloseWith4001() async throws {
        for (sub, org) in [("bad user", self.org!), ("u1", "org/with/slashes"), (String(repeating: "x", count: 129), self.org!)] {
            let claims = HandmadeJWT.claims(sub: sub, org: org, role: "student")
            try await assertRefused(token: HandmadeJWT.token(payload: claims, secret: TestServer.secret), "sub '\(sub.prefix(20))' org '\(org)'")
        }
    }

    func testAuthTimeoutClosesWith4001() async throws {
        // auth_timeout_ms is 500 for this class.
        let client = try await server.connect()
        let info = try await client.closeInfo(timeout: .seconds(3))
        XCTAssertEqual(info.code, 4001, "\(info)")
    }

    // MARK: hello

    func testHelloShape() async throws {
        let token = try await server.token(user: "ada", org: org, role: "mentor", name: "Ada Lovelace")
        let client = try await server.connect()
        try await client.send(json: ["type": "auth", "id": "auth-42", "token": token])
        let hello = try await client.next()
        XCTAssertEqual(hello.type, "hello")
        XCTAssertEqual(hello["re"]?.string, "auth-42")
        XCTAssertFalse(hello["session"]?.string?.isEmpty ?? true, "session id: \(hello)")
        XCTAssertEqual(hello["user"]?["id"]?.string, "ada")
        XCTAssertEqual(hello["user"]?["name"]?.string, "Ada Lovelace")
        XCTAssertEqual(hello["user"]?["role"]?.string, "mentor")
        XCTAssertEqual(hello["user"]?["org"]?.string, org)
        XCTAssertEqual(hello["heartbeat_ms"]?.int, server.config.heartbeatMS)
        XCTAssertEqual(hello["limits"]?["max_text"]?.int, server.config.maxText)
        XCTAssertEqual(hello["limits"]?["max_frame_bytes"]?.int, server.config.maxFrameBytes)
    }

    func testHelloDefaultsNameToSomething() async throws {
        let client = try await user("nameless")
        let hello = client.hello.withLock { $0 }
        XCTAssertNotNil(hello?["user"]?["name"]?.string, "user.name is part of hello even without a name claim: \(String(describing: hello))")
    }

    func testSessionIdsDiffer() async throws {
        let first = try await user("u1")
        let second = try await user("u1")
        let a = first.hello.withLock { $0 }?["session"]?.string
        let b = second.hello.withLock { $0 }?["session"]?.string
        XCTAssertNotNil(a)
        XCTAssertNotEqual(a, b)
    }

    // MARK: refresh and expiry

    func testRefreshWithFreshTokenKeepsSessionPastFirstExpiry() async throws {
        let client = try await server.connectAuthed(user: "u1", org: org, role: "student", ttl: 2)
        let fresh = try await server.token(user: "u1", org: org, role: "student", ttl: 3600)
        let reply = try await client.request(["type": "refresh", "token": fresh])
        XCTAssertEqual(reply.type, "ok", "\(reply)")
        try await Task.sleep(for: .milliseconds(3200))
        let pong = try await client.request(["type": "ping"])
        XCTAssertEqual(pong.type, "pong", "the session must outlive the first token's exp after refresh")
    }

    func testRefreshForAnotherUserOrOrgIsRefused() async throws {
        let client = try await user("u1")
        let otherUser = try await server.token(user: "u2", org: org, role: "student")
        let reply = try await client.request(["type": "refresh", "token": otherUser])
        XCTAssertEqual(reply.type, "error", "refresh with another sub: \(reply)")
        let otherOrg = try await server.token(user: "u1", org: Fresh.id("org"), role: "student")
        let reply2 = try await client.request(["type": "refresh", "token": otherOrg])
        XCTAssertEqual(reply2.type, "error", "refresh with another org: \(reply2)")
        let pong = try await client.request(["type": "ping"])
        XCTAssertEqual(pong.type, "pong")
    }

    func testRefreshWithInvalidTokenIsRefused() async throws {
        let client = try await user("u1")
        let other = try TokenMinter(hmacSecret: "some-other-secret-entirely-0000")
        let reply = try await client.request(["type": "refresh", "token": try await other.mint(sub: "u1", org: org, role: "student")])
        XCTAssertEqual(reply.type, "error", "\(reply)")
    }

    func testTokenExpiryWithoutRefreshClosesWith4010() async throws {
        let client = try await server.connectAuthed(user: "u1", org: org, role: "student", ttl: 2)
        let info = try await client.closeInfo(timeout: .seconds(4))
        XCTAssertEqual(info.code, 4010, "\(info)")
    }
}

extension AuthenticationConformanceTests {
    /// The suite's own HS256 must agree with the server's minter, or the hand-made refusals prove nothing.
    func testHandmadeHS256AgreesWithTheServersMinter() async throws {
        let token = try await server.token(user: "u1", org: org, role: "student")
        let parts = token.split(separator: ".").map(String.init)
        XCTAssertEqual(parts.count, 3)
        let signature = HandmadeJWT.hmacSHA256(key: Array(TestServer.secret.utf8), message: Array("\(parts[0]).\(parts[1])".utf8))
        XCTAssertEqual(HandmadeJWT.base64URL(signature), parts[2])
    }
}

// MARK: Bans (4003) and public-key algorithms

extension AuthenticationConformanceTests {
    /// Uses the server's `ban` extension (`{"type":"ban","user":…}`, admin only): PROTOCOL.md defines
    /// the 4003 close but leaves the request that bans to the implementation.
    func testBannedUserIsClosedWith4003OnEverySession() async throws {
        let first = try await user("troll")
        let second = try await user("troll")
        let bystander = try await user("bystander")
        let mentor = try await user("mentor", "mentor")
        let notAllowed = try await mentor.request(["type": "ban", "user": "troll"])
        XCTAssertEqual(notAllowed.type, "error", "only admins ban: \(notAllowed)")

        let admin = try await user("admin", "admin")
        try await admin.expectReply("ok", to: ["type": "ban", "user": "troll"])
        let firstInfo = try await first.closeInfo()
        let secondInfo = try await second.closeInfo()
        XCTAssertEqual(firstInfo.code, 4003, "\(firstInfo)")
        XCTAssertEqual(secondInfo.code, 4003, "\(secondInfo)")
        let pong = try await bystander.request(["type": "ping"])
        XCTAssertEqual(pong.type, "pong", "other users are unaffected")

        let again = try await server.connect()
        try await again.send(json: ["type": "auth", "id": "a", "token": try await server.token(user: "troll", org: org, role: "student")])
        let code = try await again.closeCode()
        XCTAssertEqual(code, 4003, "a banned user cannot come back")
    }

    private func assertPublicKeyAlgorithm(_ alg: String, keyKind: String) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rts-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let keys = try await OpenSSL.keyPair(keyKind, in: directory)
        let stranger = try await OpenSSL.keyPair(keyKind, in: directory)
        let org = self.org!
        try await withServer({ $0.jwtPublicKeyFile = keys.publicKey }) { server in
            let claims = HandmadeJWT.claims(sub: "pk-user", org: org, role: "mentor")
            let good = try await OpenSSL.token(alg: alg, privateKey: keys.privateKey, payload: claims, in: directory)
            let client = try await server.connectAuthed(token: good, label: "\(alg) token")
            XCTAssertEqual(client.hello.withLock { $0 }?["user"]?["id"]?.string, "pk-user")

            let hs256 = try await server.connectAuthed(user: "hs-user", org: org, role: "student")
            XCTAssertNotNil(hs256.hello.withLock { $0 }, "HS256 stays accepted next to \(alg)")

            let forged = try await OpenSSL.token(alg: alg, privateKey: stranger.privateKey, payload: claims, in: directory)
            let refused = try await server.connect(label: "forged \(alg)")
            try await refused.send(json: ["type": "auth", "id": "a", "token": forged])
            let code = try await refused.closeCode()
            XCTAssertEqual(code, 4001, "\(alg) signed by another key")
        }
    }

    func testRS256WithConfiguredPublicKeyIsAccepted() async throws {
        try await assertPublicKeyAlgorithm("RS256", keyKind: "rsa")
    }

    func testES256WithConfiguredPublicKeyIsAccepted() async throws {
        try await assertPublicKeyAlgorithm("ES256", keyKind: "ec")
    }
}

/// A burst of refused tokens from one address is one entry in the system audit trail (org "").
final class FailedAuthAuditConformanceTests: XCTestCase {
    func testABurstOfRefusedTokensIsAuditedOnce() async throws {
        try await withServer({ _ in }) { server in
            for attempt in 0..<12 {
                if attempt.isMultiple(of: 2) {
                    let client = try await server.connect(label: "bad\(attempt)")
                    try await client.send(json: ["type": "auth", "id": "auth", "token": "not.a.token"])
                    _ = try? await client.closeCode()
                } else {
                    _ = try await RawHTTP.get(port: server.port, path: "/v1/admin/users", headers: [("Authorization", "Bearer nope")])
                }
            }
            var entries: [JSON] = []
            for _ in 0..<20 where entries.isEmpty {
                let (status, output) = try await ServerProcess.runCLI(
                    ["audit", "--org", "", "--action", "auth_failures"], dbPath: server.config.sqlitePath, workingDirectory: server.directory,
                    extra: server.storeEnvironment)
                XCTAssertEqual(status, 0)
                entries = output.split(separator: "\n").compactMap { JSON.parse(String($0)) }
                if entries.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
            }
            XCTAssertEqual(entries.count, 1, "one entry per burst, not one per failure")
            XCTAssertEqual(entries.first?["actor"]?.string, "127.0.0.1")
        }
    }
}
