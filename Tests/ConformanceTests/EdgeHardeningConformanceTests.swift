import Configuration
import Foundation
import XCTest

/// Issue 11's authentication and per-IP edge hardening, against a real server with real clients:
/// issuer/audience checks, clock-skew leeway, the token lifetime bound, bans on the HTTP API,
/// `/v1/*` rate limits, the connection cap per IP and trusted proxies.
final class EdgeHardeningConformanceTests: ConformanceTestCase {
    private func handmade(_ claims: [String: Any], org: String) -> String {
        var payload: [String: Any] = ["sub": "u1", "org": org, "role": "student", "exp": Int(Date().timeIntervalSince1970) + 600]
        for (key, value) in claims { payload[key] = value }
        return HandmadeJWT.token(payload: payload, secret: TestServer.secret)
    }

    /// Sends `auth` with `token`: the `hello`, or the close that refused it.
    private func authenticate(_ token: String, on server: TestServer) async throws -> (hello: JSON?, close: CloseInfo?) {
        let client = try await server.connect()
        try await client.send(json: ["type": "auth", "id": "auth", "token": token])
        let reply = try? await client.next(timeout: .seconds(3))
        if let reply, reply.type == "hello" {
            await client.close()
            return (reply, nil)
        }
        return (nil, try await client.closeInfo())
    }

    func testIssuerAndAudienceMismatchesCloseWith4001() async throws {
        let org = self.org!
        try await withServer({ $0.jwtIssuer = "https://auth.test"; $0.jwtAudience = "rts" }) { server in
            let good = try await authenticate(handmade(["iss": "https://auth.test", "aud": ["web", "rts"]], org: org), on: server)
            XCTAssertNotNil(good.hello, "\(good)")
            let plainAudience = try await authenticate(handmade(["iss": "https://auth.test", "aud": "rts"], org: org), on: server)
            XCTAssertNotNil(plainAudience.hello, "\(plainAudience)")
            for (claims, what) in [
                (["iss": "https://evil.test", "aud": "rts"], "iss"), (["aud": "rts"], "iss"),
                (["iss": "https://auth.test", "aud": ["web"]], "aud"), (["iss": "https://auth.test"], "aud"),
            ] as [([String: Any], String)] {
                let refused = try await authenticate(handmade(claims, org: org), on: server)
                XCTAssertEqual(refused.close?.code, 4001, "\(claims): \(refused)")
                XCTAssertTrue(refused.close?.reason?.contains(what) == true, "\(claims): \(refused)")
            }
        }
    }

    func testExpAndNbfWithinThirtySecondsOfSkewAreAccepted() async throws {
        let now = Int(Date().timeIntervalSince1970)
        let lateExp = try await authenticate(handmade(["exp": now - 5], org: org), on: server)
        XCTAssertNotNil(lateExp.hello, "exp 5 s ago is within the leeway: \(lateExp)")
        let earlyNbf = try await authenticate(handmade(["nbf": now + 10], org: org), on: server)
        XCTAssertNotNil(earlyNbf.hello, "nbf 10 s ahead is within the leeway: \(earlyNbf)")
        let expired = try await authenticate(handmade(["exp": now - 120], org: org), on: server)
        XCTAssertEqual(expired.close?.code, 4001, "\(expired)")
        let future = try await authenticate(handmade(["nbf": now + 120], org: org), on: server)
        XCTAssertEqual(future.close?.code, 4001, "\(future)")
    }

    func testTokensLivingLongerThanTheMaximumAreRefused() async throws {
        let org = self.org!
        try await withServer({ $0.maxTokenLifetimeS = 3600 }) { server in
            let fine = try await authenticate(try await server.token(user: "u1", org: org, role: "student", ttl: 3600), on: server)
            XCTAssertNotNil(fine.hello, "\(fine)")
            let tooLong = try await server.token(user: "u1", org: org, role: "student", ttl: 3601)
            let refused = try await authenticate(tooLong, on: server)
            XCTAssertEqual(refused.close?.code, 4001, "\(refused)")
            XCTAssertTrue(refused.close?.reason?.contains("max_token_lifetime_s") == true, "\(refused)")
            // Also when exp is near but iat shows it was minted for longer.
            let now = Int(Date().timeIntervalSince1970)
            let old = try await authenticate(handmade(["iat": now - 7000, "exp": now + 600], org: org), on: server)
            XCTAssertEqual(old.close?.code, 4001, "\(old)")
            let http = try await RawHTTP.get(port: server.port, path: "/v1/leaderboard?period=week", headers: [("Authorization", "Bearer \(tooLong)")])
            XCTAssertEqual(http.status, 401)
        }
    }

    func testBannedUserGets403OnTheHTTPAPI() async throws {
        _ = try await user("troll")
        let admin = try await user("admin", "admin")
        let trollToken = try await server.token(user: "troll", org: org, role: "student")
        let before = try await RawHTTP.get(port: server.port, path: "/v1/leaderboard?period=week", headers: [("Authorization", "Bearer \(trollToken)")])
        XCTAssertEqual(before.status, 200, before.body)
        try await admin.expectReply("ok", to: ["type": "ban", "user": "troll"])
        let after = try await RawHTTP.get(port: server.port, path: "/v1/leaderboard?period=week", headers: [("Authorization", "Bearer \(trollToken)")])
        XCTAssertEqual(after.status, 403, after.body)
        XCTAssertEqual(JSON.parse(after.body)?["code"]?.string, "forbidden")
        let adminToken = try await server.token(user: "admin", org: org, role: "admin")
        let audit = try await RawHTTP.get(port: server.port, path: "/v1/audit", headers: [("Authorization", "Bearer \(adminToken)")])
        XCTAssertEqual(audit.status, 200, "others are unaffected: \(audit.body)")
        try await admin.expectReply("ok", to: ["type": "ban", "user": "troll", "on": false])
        let unbanned = try await RawHTTP.get(port: server.port, path: "/v1/leaderboard?period=week", headers: [("Authorization", "Bearer \(trollToken)")])
        XCTAssertEqual(unbanned.status, 200, unbanned.body)
    }

    func testV1IsRateLimitedPerClientAddressWith429AndRetryAfter() async throws {
        let org = self.org!
        try await withServer({ $0.httpRatePerIP = 0.5; $0.httpBurstPerIP = 2; $0.trustedProxies = ["127.0.0.1"] }) { server in
            let token = try await server.token(user: "u1", org: org, role: "student")
            let auth = ("Authorization", "Bearer \(token)")
            for _ in 0..<2 {
                let allowed = try await RawHTTP.get(port: server.port, path: "/v1/leaderboard?period=week", headers: [auth])
                XCTAssertEqual(allowed.status, 200, allowed.body)
            }
            let limited = try await RawHTTP.get(port: server.port, path: "/v1/leaderboard?period=week", headers: [auth])
            XCTAssertEqual(limited.status, 429, limited.body)
            XCTAssertEqual(limited.headers["retry-after"], "2")
            XCTAssertEqual(JSON.parse(limited.body)?["code"]?.string, "rate_limited")
            XCTAssertGreaterThan(JSON.parse(limited.body)?["retry_after_ms"]?.int ?? 0, 0)
            // Without a token too: the limit comes before any token check.
            let anonymous = try await RawHTTP.get(port: server.port, path: "/v1/audit")
            XCTAssertEqual(anonymous.status, 429)
            // Probes are not /v1.
            let health = try await RawHTTP.get(port: server.port, path: "/healthz")
            XCTAssertEqual(health.status, 200)
            // Another client behind our trusted proxy has its own bucket.
            let behindProxy = try await RawHTTP.get(
                port: server.port, path: "/v1/leaderboard?period=week", headers: [auth, ("X-Forwarded-For", "198.51.100.7")])
            XCTAssertEqual(behindProxy.status, 200, behindProxy.body)
        }
    }

    func testConnectionCapPerIPCountsTheClientOnlyBehindATrustedProxy() async throws {
        let forwarded = { (client: String) in [("X-Forwarded-For", client)] }
        try await withServer({ $0.maxConnectionsPerIP = 2; $0.trustedProxies = ["127.0.0.1"] }) { server in
            var open: [RawWebSocket] = []
            for _ in 0..<2 {
                let socket = try await RawWebSocket.connect(port: server.port, headers: forwarded("198.51.100.1"))
                XCTAssertEqual(socket.status, 101)
                open.append(socket)
            }
            let third = try await RawWebSocket.connect(port: server.port, headers: forwarded("198.51.100.1"))
            XCTAssertEqual(third.status, 429, "the third connection of one client")
            let other = try await RawWebSocket.connect(port: server.port, headers: forwarded("198.51.100.2"))
            XCTAssertEqual(other.status, 101, "another client behind the same proxy")
            open.append(other)
            open.forEach { $0.socket.close() }
        }
        // From an untrusted peer the header is ignored: every connection is 127.0.0.1's.
        try await withServer({ $0.maxConnectionsPerIP = 2 }) { server in
            var open: [RawWebSocket] = []
            for client in ["198.51.100.1", "198.51.100.2"] {
                let socket = try await RawWebSocket.connect(port: server.port, headers: forwarded(client))
                XCTAssertEqual(socket.status, 101)
                open.append(socket)
            }
            let spoofed = try await RawWebSocket.connect(port: server.port, headers: forwarded("198.51.100.3"))
            XCTAssertEqual(spoofed.status, 429, "a forged X-Forwarded-For must not escape the cap")
            open.forEach { $0.socket.close() }
        }
    }
}

extension EdgeHardeningConformanceTests {
    func testAMalformedTrustedProxyIsRefusedAtStart() async throws {
        for entry in ["10.0.0.0/33", "proxy.internal", "10.0.0.1:80"] {
            do {
                let server = try await TestServer.start { $0.trustedProxies = ["127.0.0.1", entry] }
                await server.stop()
                XCTFail("\(entry) was accepted")
            } catch let error as ConfigError {
                XCTAssertEqual(error.key, "trusted_proxies")
                XCTAssertTrue(error.message.contains(entry), error.message)
            }
        }
    }
}

/// Start-up refusals of the real executable: it exits non-zero with a message naming the key.
final class HardeningStartupConformanceTests: XCTestCase {
    private func start(_ overrides: [String: String]) async throws -> (status: Int32, output: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rts-start-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let process = Process()
        process.executableURL = try ServerProcess.binary()
        process.arguments = ["serve"]
        process.environment = ServerProcess.environment(
            dbPath: directory.appendingPathComponent("db.sqlite").path, port: try ServerProcess.freePort(), extra: overrides)
        process.currentDirectoryURL = directory
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let deadline = ContinuousClock.now + .seconds(30)
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            XCTFail("the server started instead of refusing the configuration")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func testA31ByteSecretIsRefusedAtStart() async throws {
        let (status, output) = try await start(["RTS_JWT_SECRET": String(repeating: "k", count: 31)])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains("RTS_JWT_SECRET") && output.contains("at least 32 bytes"), output)
    }

    func testTheDevelopmentSecretIsRefusedOnAPublicHost() async throws {
        let (status, output) = try await start(["RTS_JWT_SECRET": "dev-secret-change-me-loopback-only-0123", "RTS_HOST": "0.0.0.0"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains("jwt_secret") && output.contains("RTS_JWT_SECRET") && output.contains("loopback"), output)
    }

    func testTheTokenCommandRefusesALifetimeTheServerWouldRefuse() async throws {
        let directory = FileManager.default.temporaryDirectory
        let (status, _) = try await ServerProcess.runCLI(
            ["token", "--sub", "u1", "--org", "o", "--role", "student", "--ttl", "\(8 * 86_400)"],
            dbPath: directory.appendingPathComponent("unused.sqlite").path, workingDirectory: directory)
        XCTAssertNotEqual(status, 0)
    }
}
