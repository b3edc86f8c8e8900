import Auth
import Foundation
import Storage
import Wire

/// Signs in a `/v1/…` HTTP request: `Authorization: Bearer <JWT>`, verified as on the WebSocket,
/// and refused while the user is banned or the token predates a sign-out everywhere.
struct APIAuthenticator: Sendable {
    let verifier: TokenVerifier
    let store: any ChatStore
    let clock: any WallClock
    let security: SecurityEvents

    /// The caller of a request from `address`; a refused token counts toward a failed-auth burst.
    func principal(_ authorization: String?, from address: String) async throws(RequestError) -> Principal {
        do {
            return try await verified(authorization)
        } catch {
            if error.code == .unauthorized { security.authFailed(address: address, reason: error.message) }
            throw error
        }
    }

    private func verified(_ authorization: String?) async throws(RequestError) -> Principal {
        guard let authorization, authorization.lowercased().hasPrefix("bearer ") else {
            throw RequestError(.unauthorized, "send Authorization: Bearer <token>")
        }
        let token = String(authorization.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
        let now = clock.nowMS()
        let claims: Claims
        do {
            claims = try await verifier.verify(token, now: Date(timeIntervalSince1970: Double(now) / 1000))
        } catch {
            throw RequestError(.unauthorized, error.message)
        }
        guard let role = Role(rawValue: claims.role) else { throw RequestError(.unauthorized, "unknown role") }
        let denial: AccessDenial?
        do {
            denial = try await store.accessDenial(org: claims.org, user: claims.sub, now: now, tokenIssuedAt: claims.earliestIssueMS)
        } catch {
            throw .internalError  // fail closed: no answer without knowing the user is not banned
        }
        switch denial {
        case .banned?: throw .forbidden("banned")
        case .signedOut?: throw RequestError(.unauthorized, "this token was issued before a sign-out; get a new one")
        case nil: break
        }
        return Principal(org: claims.org, user: claims.sub, name: claims.name ?? claims.sub, role: role, isModerator: claims.isModerator)
    }
}
