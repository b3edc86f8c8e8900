import Auth
import Crypto
import Foundation
import Testing

@Suite struct TokenMinterTests {
    let minter: TokenMinter
    let now = TestTokens.now

    init() throws {
        minter = try TokenMinter(hmacSecret: TestTokens.secret)
    }

    func part(_ index: Int, of token: String) throws -> [String: Any] {
        let parts = token.split(separator: ".")
        try #require(parts.count == 3)
        var base64 = parts[index].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        let data = try #require(Data(base64Encoded: base64))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func producesAStandardHS256Token() async throws {
        let token = try await minter.mint(sub: "u", org: "o", role: "guest", ttlSeconds: 30, now: now)
        let header = try part(0, of: token)
        #expect(header.count == 2 && header["alg"] as? String == "HS256" && header["typ"] as? String == "JWT")
        let claims = try part(1, of: token)
        #expect(claims["exp"] as? Int == TestTokens.nowSeconds + 30)
        #expect(claims["iat"] as? Int == TestTokens.nowSeconds)
        // Optional claims are omitted, not null.
        #expect(claims["name"] == nil && claims["tz"] == nil && claims["scope"] == nil)
        // The MAC equals a plain HMAC over the raw (short) secret: padding it for jwt-kit changes nothing.
        let input = token.split(separator: ".").prefix(2).joined(separator: ".")
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data(input.utf8), using: SymmetricKey(data: Data(TestTokens.secret.utf8)))
        #expect(token == input + "." + TestTokens.base64URL(Data(mac)))
    }

    @Test func shortSecretMACMatchesPlainHMAC() async throws {
        // Built with swift-crypto directly over the raw 20-byte secret.
        let token = TestTokens.hs256(TestTokens.claims())
        let verifier = try TokenVerifier(hmacSecret: TestTokens.secret, publicKeyPEM: nil)
        #expect(try await verifier.verify(token, now: now).sub == "u-1")
        // And a long (> 64-byte block) secret, which HMAC hashes first.
        let long = String(repeating: "k", count: 100)
        let longVerifier = try TokenVerifier(hmacSecret: long, publicKeyPEM: nil)
        #expect(try await longVerifier.verify(TestTokens.hs256(TestTokens.claims(), secret: long), now: now).sub == "u-1")
    }

    /// Fixed vector computed with `openssl dgst -sha256 -hmac dev-secret-change-me`.
    @Test func externalVector() async throws {
        let token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
            + ".eyJzdWIiOiJ1LTEiLCJvcmciOiJhY21lIiwicm9sZSI6InN0dWRlbnQiLCJleHAiOjE3MDAwMDA2MDAsIm5hbWUiOiJBZGEifQ"
            + ".7HmklQ1XAdyAC1UOJFmx4uJ_s7bxZBvFOBTdp-khj9k"
        let verifier = try TokenVerifier(hmacSecret: TestTokens.secret, publicKeyPEM: nil)
        let claims = try await verifier.verify(token, now: now)
        #expect(claims == Claims(
            sub: "u-1", org: "acme", role: "student", exp: now.addingTimeInterval(600), name: "Ada",
            earliestIssueMS: Int64((now.timeIntervalSince1970 + 600 - TokenRules.defaultMaxLifetime) * 1000)))
    }

    @Test func refusesWhatTheVerifierWouldRefuse() async {
        await #expect(throws: AuthError.self) { try await minter.mint(sub: "u", org: "o", role: "root", now: now) }
        await #expect(throws: AuthError.self) { try await minter.mint(sub: "a b", org: "o", role: "guest", now: now) }
        await #expect(throws: AuthError.self) { try await minter.mint(sub: "u", org: "", role: "guest", now: now) }
        await #expect(throws: AuthError.self) { try await minter.mint(sub: "u", org: "o", role: "guest", tz: "Nowhere/X", now: now) }
        await #expect(throws: AuthError.self) { try await minter.mint(sub: "u", org: "o", role: "guest", ttlSeconds: 0, now: now) }
        await #expect(throws: AuthError.self) {
            try await minter.mint(sub: "u", org: "o", role: "guest", ttlSeconds: .max, now: now)
        }
    }
}
