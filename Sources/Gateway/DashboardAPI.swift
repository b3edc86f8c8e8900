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
    let authenticator: APIAuthenticator
    let gamification: GamificationEngine
    let rooms: RoomRegistry
    let audit: any ModerationStore

    static let paths: Set<String> = ["/v1/leaderboard", "/v1/audit"]

    func respond(_ request: HTTPRequest) async -> HTTPResponse {
        do {
            guard request.method == .get else { return JSONReply.methodNotAllowed(request.method, allowed: [.get]) }
            let principal = try await authenticator.principal(request.authorization, from: request.remoteAddress)
            let parameters = JSONReply.parameters(request.query)
            switch request.path {
            case "/v1/leaderboard": return try await leaderboard(parameters, principal)
            default: return try await auditTrail(parameters, principal)
            }
        } catch {
            return JSONReply.error(error)
        }
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
        return JSONReply.json(status: 200, LeaderboardBody(period: period.rawValue, room: room, entries: entries))
    }

    private func auditTrail(_ parameters: [String: String], _ principal: Principal) async throws(RequestError) -> HTTPResponse {
        guard principal.role == .admin else { throw .forbidden("only admins read the audit trail") }
        let since = parameters["since"].flatMap(Int64.init)
        let limit = min(max(parameters["limit"].flatMap(Int.init) ?? 100, 1), 1000)
        do {
            let records = try await audit.audit(org: principal.org, query: AuditQuery(since: since), limit: limit)
            return JSONReply.json(status: 200, AuditBody(records: records))
        } catch {
            throw .internalError
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
}
