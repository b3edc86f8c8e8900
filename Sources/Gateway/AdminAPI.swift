import Foundation
import Logging
import Presence
import Storage
import Transport
import Wire

/// The admin HTTP API under `/v1/admin/`: a bearer token of an admin of the org; every path is
/// scoped to the token's org, other roles get 403. JSON in and out; described in docs/openapi.yaml.
struct AdminAPI: Sendable {
    let authenticator: APIAuthenticator
    let store: any ChatStore
    let bans: UserBans
    let userSessions: UserSessions
    let presence: PresenceTracker
    let audit: any ModerationStore
    let clock: any WallClock
    let logger: Logger

    static let prefix = "/v1/admin/"

    /// Largest page of a listing.
    static let maxPage = 1000

    func respond(_ request: HTTPRequest) async -> HTTPResponse {
        do throws(RequestError) {
            let principal = try await authenticator.principal(request.authorization)
            guard principal.role == .admin else { throw RequestError.forbidden("the admin API is for admins of the org") }
            guard let route = AdminRoute(path: request.path) else { throw RequestError.notFound("endpoint") }
            guard route.methods.contains(request.method) else {
                return JSONReply.methodNotAllowed(request.method, allowed: route.methods)
            }
            let parameters = JSONReply.parameters(request.query)
            switch (route, request.method) {
            case (.users, _):
                return try await users(parameters, principal)
            case (.user(let id), _):
                return try await user(id, principal)
            case (.bans, .post):
                return try await ban(request.body, principal)
            case (.bans, _):
                return JSONReply.json(status: 200, BansBody(bans: try await bans.list(by: principal).map(BanBody.init)))
            case (.ban(let user), _):
                guard try await bans.unban(user, by: principal) else { throw RequestError.notFound("ban of '\(user)'") }
                return JSONReply.noContent
            case (.sessions(let user), _):
                let (local, elsewhere) = await userSessions.list(user, by: principal)
                return JSONReply.json(status: 200, SessionsBody(
                    sessions: local.map { SessionBody($0, node: userSessions.broker.nodeID) }, elsewhere: elsewhere))
            case (.session(let user, let session), _):
                switch try await userSessions.end(session, of: user, by: principal) {
                case .closed: return JSONReply.noContent
                case .forwarded: return JSONReply.json(status: 202, AcceptedBody(status: "forwarded to the nodes holding the user's sessions"))
                case .unknown: throw RequestError.notFound("session '\(session)' of '\(user)'")
                }
            case (.audit, _):
                return try await auditTrail(parameters, principal)
            case (.signOut(let user), _):
                try await userSessions.signOutEverywhere(user, by: principal)
                return JSONReply.noContent
            }
        } catch {
            return JSONReply.error(error)
        }
    }

    // MARK: Users

    private func users(_ parameters: [String: String], _ principal: Principal) async throws(RequestError) -> HTTPResponse {
        let limit = try Self.limit(parameters)
        let after = parameters["after"]
        let page = try await storeCall(logger, "admin API read") { try await store.users(org: principal.org, after: after, limit: limit) }
        let banned = Set(try await bans.list(by: principal).map(\.user))
        let states = await presence.states(org: principal.org, users: page.map(\.id))
        let users = page.map { UserBody($0, online: states[$0.id].map { $0.status != .offline } ?? false, banned: banned.contains($0.id)) }
        return JSONReply.json(status: 200, UsersBody(users: users, next: page.count == limit ? page.last?.id : nil))
    }

    private func user(_ id: String, _ principal: Principal) async throws(RequestError) -> HTTPResponse {
        guard let record = try await storeCall(logger, "admin API read", { try await store.user(org: principal.org, id: id) }) else {
            throw .notFound("user '\(id)'")
        }
        let banned = try await storeCall(logger, "admin API read") { try await store.ban(org: principal.org, user: id, now: clock.nowMS()) } != nil
        let state = await presence.states(org: principal.org, users: [id])[id]
        return JSONReply.json(status: 200, UserBody(record, online: state.map { $0.status != .offline } ?? false, banned: banned))
    }

    // MARK: Audit

    private func auditTrail(_ parameters: [String: String], _ principal: Principal) async throws(RequestError) -> HTTPResponse {
        let limit = try Self.limit(parameters)
        func time(_ name: String) throws(RequestError) -> Int64? {
            guard let text = parameters[name] else { return nil }
            guard let value = Int64(text) else { throw .badRequest("'\(name)' must be an integer") }
            return value
        }
        let before = try time("before")
        let query = AuditQuery(
            since: try time("since"), until: try time("until"), action: parameters["action"], actor: parameters["actor"],
            subject: parameters["subject"], room: parameters["room"], beforeSeq: before)
        let records = try await storeCall(logger, "admin API audit read") { try await audit.audit(org: principal.org, query: query, limit: limit) }
        let next = records.count == limit ? records.last?.seq : nil
        return JSONReply.json(status: 200, AuditPage(records: records, next: next))
    }

    // MARK: Bans

    private struct BanRequest: Decodable {
        var user: String
        var reason: String?
        var expiresAt: Int64?

        enum CodingKeys: String, CodingKey {
            case user, reason
            case expiresAt = "expires_at"
        }
    }

    /// Longest ban reason kept.
    static let maxReason = 500

    private func ban(_ body: [UInt8], _ principal: Principal) async throws(RequestError) -> HTTPResponse {
        let request = try JSONBody.decode(BanRequest.self, from: body)
        guard Identifier.isValid(request.user) else { throw .badRequest("'user' is not a valid user id") }
        if let reason = request.reason {
            guard reason.count <= Self.maxReason else { throw .badRequest("'reason' is longer than \(Self.maxReason) characters") }
            guard !reason.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw .badRequest("'reason' contains control characters")
            }
        }
        let ban = try await bans.ban(request.user, reason: request.reason, expiresAt: request.expiresAt, by: principal)
        return JSONReply.json(status: 201, BanBody(ban))
    }

    // MARK: Helpers

    private static func limit(_ parameters: [String: String]) throws(RequestError) -> Int {
        guard let text = parameters["limit"] else { return 100 }
        guard let limit = Int(text), (1...maxPage).contains(limit) else {
            throw .badRequest("'limit' must be an integer from 1 to \(maxPage)")
        }
        return limit
    }
}

/// The admin API's paths.
enum AdminRoute: Equatable {
    case users
    case user(String)
    case sessions(user: String)
    case session(user: String, session: String)
    case signOut(user: String)
    case bans
    case ban(user: String)
    case audit

    init?(path: String) {
        guard path.hasPrefix(AdminAPI.prefix) else { return nil }
        let parts = path.dropFirst(AdminAPI.prefix.count).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        // Every segment after the first is an id.
        guard parts.dropFirst().allSatisfy(Identifier.isValid) else { return nil }
        switch (parts.first, parts.count) {
        case ("users", 1): self = .users
        case ("users", 2): self = .user(parts[1])
        case ("users", 3) where parts[2] == "sessions": self = .sessions(user: parts[1])
        case ("users", 4) where parts[2] == "sessions": self = .session(user: parts[1], session: parts[3])
        case ("users", 3) where parts[2] == "sign-out": self = .signOut(user: parts[1])
        case ("bans", 1): self = .bans
        case ("bans", 2): self = .ban(user: parts[1])
        case ("audit", 1): self = .audit
        default: return nil
        }
    }

    var methods: [HTTPMethod] {
        switch self {
        case .users, .user, .sessions, .audit: [.get]
        case .bans: [.get, .post]
        case .ban, .session: [.delete]
        case .signOut: [.post]
        }
    }
}
