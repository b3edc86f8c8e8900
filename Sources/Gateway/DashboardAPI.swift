import Auth
import Foundation
import Gamification
import Rooms
import Storage
import Transport
import Wire

/// Token-protected JSON endpoints for dashboards and operators:
/// `GET /v1/leaderboard?period=week|all[&room=ID]` (any non-guest of the org) and
/// `GET /v1/audit[?since=MS][&limit=N]` (admins). The token comes as `Authorization: Bearer <JWT>`.
/// A banned user's still-valid token gets 403 here as on the WebSocket.
struct DashboardAPI: Sendable {
    let verifier: TokenVerifier
    let users: any ChatStore
    let gamification: GamificationEngine
    let rooms: RoomRegistry
    let audit: any ModerationStore
    let clock: any WallClock

    static let paths: Set<String> = ["/v1/leaderboard", "/v1/audit"]

    func respond(path: String, query: String, authorization: String?) async -> HTTPResponse {
        do {
            let principal = try await authenticate(authorization)
            let parameters = Self.parameters(query)
            switch path {
            case "/v1/leaderboard": return try await leaderboard(parameters, principal)
            default: return try await auditTrail(parameters, principal)
            }
        } catch {
            return Self.json(status: Self.status(error.code), ErrorBody(code: error.code, message: error.message))
        }
    }

    private func authenticate(_ authorization: String?) async throws(RequestError) -> Principal {
        guard let authorization, authorization.lowercased().hasPrefix("bearer ") else {
            throw RequestError(.unauthorized, "send Authorization: Bearer <token>")
        }
        let token = String(authorization.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
        let claims: Claims
        do {
            claims = try await verifier.verify(token, now: Date(timeIntervalSince1970: Double(clock.nowMS()) / 1000))
        } catch {
            throw RequestError(.unauthorized, error.message)
        }
        guard let role = Role(rawValue: claims.role) else { throw RequestError(.unauthorized, "unknown role") }
        let record: UserRecord?
        do {
            record = try await users.user(org: claims.org, id: claims.sub)
        } catch {
            throw .internalError  // fail closed: no answer without knowing the user is not banned
        }
        guard record?.banned != true else { throw .forbidden("banned") }
        return Principal(org: claims.org, user: claims.sub, name: claims.name ?? claims.sub, role: role, isModerator: claims.isModerator)
    }

    private func leaderboard(_ parameters: [String: String], _ principal: Principal) async throws(RequestError) -> HTTPResponse {
        guard principal.role != .guest else { throw .forbidden("guests cannot read leaderboards") }
        guard let name = parameters["period"] else { throw .badRequest("missing parameter 'period'") }
        guard let period = LeaderboardPeriod(rawValue: name) else { throw .badRequest("unknown period '\(name)'; use week or all") }
        let room = parameters["room"]
        if let room {
            guard Identifier.isValid(room) else { throw .badRequest("parameter 'room' is not a valid id") }
            try await rooms.withRoom(org: principal.org, id: room) { room throws(RequestError) in try await room.authorizeRead(principal) }
        }
        let entries = try await gamification.leaderboard(org: principal.org, room: room, period: period)
        return Self.json(status: 200, LeaderboardBody(period: period.rawValue, room: room, entries: entries))
    }

    private func auditTrail(_ parameters: [String: String], _ principal: Principal) async throws(RequestError) -> HTTPResponse {
        guard principal.role == .admin else { throw .forbidden("only admins read the audit trail") }
        let since = parameters["since"].flatMap(Int64.init)
        let limit = min(max(parameters["limit"].flatMap(Int.init) ?? 100, 1), 1000)
        do {
            let records = try await audit.audit(org: principal.org, since: since, limit: limit)
            return Self.json(status: 200, AuditBody(records: records))
        } catch {
            throw .internalError
        }
    }

    /// The `/v1/*` per-IP rate limit's answer: 429 with `Retry-After` (seconds) and the exact wait in ms.
    static func rateLimited(retryAfterMS: Int) -> HTTPResponse {
        var response = json(
            status: 429,
            ErrorBody(code: .rateLimited, message: "too many requests from this address", retryAfterMS: retryAfterMS))
        response.headers = [("Retry-After", String((retryAfterMS + 999) / 1000))]
        return response
    }

    private struct ErrorBody: Encodable {
        var code: ErrorCode
        var message: String
        var retryAfterMS: Int?

        enum CodingKeys: String, CodingKey {
            case code, message
            case retryAfterMS = "retry_after_ms"
        }
    }

    private struct LeaderboardBody: Encodable {
        var period: String
        var room: String?
        var entries: [LeaderboardEntry]
    }

    private struct AuditBody: Encodable {
        var records: [AuditRecord]
    }

    static func parameters(_ query: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            if let key = parts.first { result[key] = parts.count > 1 ? parts[1] : "" }
        }
        return result
    }

    private static func status(_ code: ErrorCode) -> Int {
        switch code {
        case .badRequest: 400
        case .unauthorized: 401
        case .forbidden: 403
        case .notFound: 404
        default: 500
        }
    }

    private static func json(status: Int, _ body: some Encodable) -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let bytes = (try? encoder.encode(body)).map { Array($0) } ?? Array(#"{"code":"internal"}"#.utf8)
        return HTTPResponse(status: status, contentType: "application/json", body: bytes)
    }
}
