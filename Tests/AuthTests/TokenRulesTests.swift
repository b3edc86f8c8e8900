import Auth
import Foundation
import Testing

/// The deployment's rules on top of the protocol's: `iss`, `aud` (string or array), and the lifetime bound.
@Suite struct TokenRulesTests {
    let now = TestTokens.now

    func rejection(_ claims: [String: Any], rules: TokenRules) async throws -> AuthError? {
        let verifier = try TokenVerifier(hmacSecret: TestTokens.secret, publicKeyPEM: nil, rules: rules)
        do {
            _ = try await verifier.verify(TestTokens.hs256(claims), now: now)
            return nil
        } catch {
            #expect(error.message.utf8.count <= AuthError.maxMessageBytes)
            return error
        }
    }

    @Test func issuerMustMatchWhenConfigured() async throws {
        let rules = TokenRules(issuer: "https://auth.example")
        #expect(try await rejection(TestTokens.claims(["iss": "https://auth.example"]), rules: rules) == nil)
        for wrong: Any in ["https://evil.example", ["https://auth.example"], 1] {
            let error = try await rejection(TestTokens.claims(["iss": wrong]), rules: rules)
            #expect(error?.kind == .invalidClaims && error?.message.contains("iss") == true)
        }
        #expect(try await rejection(TestTokens.claims(), rules: rules)?.kind == .invalidClaims)
        // Not configured: any or no iss.
        #expect(try await rejection(TestTokens.claims(["iss": "anyone"]), rules: TokenRules()) == nil)
    }

    @Test func audienceMayBeAStringOrAnArray() async throws {
        let rules = TokenRules(audience: "realtime")
        #expect(try await rejection(TestTokens.claims(["aud": "realtime"]), rules: rules) == nil)
        #expect(try await rejection(TestTokens.claims(["aud": ["billing", "realtime"]]), rules: rules) == nil)
        for wrong: Any in ["billing", ["billing"], [] as [String], 7] {
            let error = try await rejection(TestTokens.claims(["aud": wrong]), rules: rules)
            #expect(error?.kind == .invalidClaims && error?.message.contains("aud") == true)
        }
        #expect(try await rejection(TestTokens.claims(), rules: rules)?.kind == .invalidClaims)
    }

    @Test func lifetimeIsBoundedFromNowAndFromIat() async throws {
        let rules = TokenRules(maxLifetime: 3600)
        let seconds = TestTokens.nowSeconds
        #expect(try await rejection(TestTokens.claims(["exp": seconds + 3600]), rules: rules) == nil)
        let tooLong = try await rejection(TestTokens.claims(["exp": seconds + 3601]), rules: rules)
        #expect(tooLong?.kind == .invalidClaims && tooLong?.message.contains("max_token_lifetime_s") == true)
        // Issued two hours ago for three: exp is near, but the token was minted to live too long.
        #expect(try await rejection(TestTokens.claims(["iat": seconds - 7200, "exp": seconds + 3600]), rules: rules)?.kind == .invalidClaims)
        #expect(try await rejection(TestTokens.claims(["iat": seconds - 1800, "exp": seconds + 1800]), rules: rules) == nil)
        #expect(try await rejection(TestTokens.claims(["iat": "yesterday"]), rules: rules)?.kind == .invalidClaims)
    }

    @Test func defaultLifetimeIsAWeekAndMintedDefaultsPass() async throws {
        #expect(TokenRules().maxLifetime == 7 * 86_400)
        #expect(try await rejection(TestTokens.claims(["exp": TestTokens.nowSeconds + 7 * 86_400]), rules: TokenRules()) == nil)
        #expect(try await rejection(TestTokens.claims(["exp": TestTokens.nowSeconds + 7 * 86_400 + 1]), rules: TokenRules()) != nil)
    }
}
