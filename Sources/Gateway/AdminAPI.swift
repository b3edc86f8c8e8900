import Foundation
import Logging
import Presence
import Review
import Rooms
import Storage
import Transport
import Wire

/// The admin HTTP API under `/v1/admin/`: a bearer token of an admin of the org; every path is
/// scoped to the token's org, other roles get 403. JSON in and out; described in docs/openapi.yaml.
struct AdminAPI: Sendable {
    let authenticator: APIAuthenticator
    let store: any ServerStore
    let bans: UserBans
    let review: ReviewDesk
    let moderation: ModerationGate
    let rooms: RoomRegistry
    let kicks: RoomKicks
    let userSessions: UserSessions
    let erasure: UserErasure
    let presence: PresenceTracker
    let clock: any WallClock
    let logger: Logger

    static let prefix = "/v1/admin/"

    /// Largest page of a listing.
    static let maxPage = 1000

    func respond(_ request: HTTPRequest) async -> HTTPResponse {
        do throws(RequestError) {
            let principal = try await authenticator.principal(request.authorization, from: request.remoteAddress)
            guard principal.role == .admin else { throw RequestError.forbidden("the admin API is for admins of the org") }
            guard let route = AdminRoute(path: request.path) else { throw RequestError.notFound("endpoint") }
            guard route.methods.contains(request.method) else {
                return JSONReply.methodNotAllowed(request.method, allowed: route.methods)
            }
            let parameters = JSONReply.parameters(request.query)
            if request.method == .get {
                // Who looked at what: reads of personal data are audited like changes (which audit themselves).
                try await review.record(AuditRecord(
                    org: principal.org, at: clock.nowMS(), actor: principal.user, action: "admin_read", room: route.room, subject: route.subject,
                    detail: request.query.isEmpty ? request.path : "\(request.path)?\(request.query)"))
            }
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
                let (sessions, unanswered) = await userSessions.list(user, by: principal)
                return JSONReply.json(status: 200, SessionsBody(sessions: sessions.map { SessionBody($0.session, node: $0.node) }, elsewhere: unanswered))
            case (.session(let user, let session), _):
                switch try await userSessions.end(session, of: user, by: principal) {
                case .closed: return JSONReply.noContent
                case .forwarded: return JSONReply.json(status: 202, AcceptedBody(status: "forwarded to the nodes holding the user's sessions"))
                case .unknown: throw RequestError.notFound("session '\(session)' of '\(user)'")
                }
            case (.held, _):
                // The first `limit` in review order: a reply stays bounded however long the queue is.
                let held = try await review.pending(org: principal.org).prefix(try Self.limit(parameters))
                return JSONReply.json(status: 200, HeldListBody(held: held.map(HeldBody.init)))
            case (.heldMessage(let msgID), _):
                try await decide(msgID, request.body, principal)
                return JSONReply.noContent
            case (.mutes, .post):
                return try await mute(request.body, principal)
            case (.mutes, _):
                let mutes = try await review.activeMutes(org: principal.org).prefix(try Self.limit(parameters))
                return JSONReply.json(status: 200, MutesBody(mutes: mutes.map { MuteBody(room: $0.room, user: $0.user, until: $0.until) }))
            case (.mute(let room, let user), _):
                guard try await review.unmute(org: principal.org, room: room, user: user, by: principal) else {
                    throw RequestError.notFound("mute of '\(user)' in '\(room)'")
                }
                return JSONReply.noContent
            case (.rooms, _):
                return try await roomList(parameters, principal)
            case (.room(let id), .patch):
                return try await change(id, request.body, principal)
            case (.room(let id), _):
                guard let room = try await storeCall(logger, "admin API read", { try await store.room(org: principal.org, id: id) }) else {
                    throw RequestError.notFound("room '\(id)'")
                }
                return JSONReply.json(status: 200, RoomBody(room))
            case (.member(let room, let user), _):
                try await kicks.kick(user, from: room, by: principal)
                return JSONReply.noContent
            case (.audit, _):
                return try await auditTrail(parameters, principal)
            case (.signOut(let user), _):
                try await userSessions.signOutEverywhere(user, by: principal)
                return JSONReply.noContent
            case (.erase(let user), _):
                return JSONReply.json(status: 200, ErasedBody(user: user, try await erasure.erase(user, by: principal)))
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

    // MARK: Rooms

    private func roomList(_ parameters: [String: String], _ principal: Principal) async throws(RequestError) -> HTTPResponse {
        let limit = try Self.limit(parameters)
        let page = try await storeCall(logger, "admin API read") {
            var rooms: [StoredRoom] = []
            for id in try await store.roomIDs(org: principal.org, after: parameters["after"], limit: limit) {
                if let room = try await store.room(org: principal.org, id: id) { rooms.append(room) }
            }
            return rooms
        }
        return JSONReply.json(status: 200, RoomsBody(rooms: page.map(RoomBody.init), next: page.count == limit ? page.last?.info.id : nil))
    }

    private struct RoomChangeRequest: Decodable {
        var title: String?
        var archived: Bool?
    }

    /// A new title and/or archiving; each change is audited first and pushed to the room's joined
    /// sessions as `room.updated`.
    private func change(_ id: String, _ body: [UInt8], _ principal: Principal) async throws(RequestError) -> HTTPResponse {
        let request = try JSONBody.decode(RoomChangeRequest.self, from: body)
        guard request.title != nil || request.archived != nil else { throw .badRequest("give 'title', 'archived' or both") }
        guard let stored = try await storeCall(logger, "admin API read", { try await store.room(org: principal.org, id: id) }) else {
            throw .notFound("room '\(id)'")
        }
        var info = stored.info
        if let title = request.title { info = try await retitle(stored, title, principal) }
        if let archived = request.archived {
            info = try await rooms.withRoom(org: principal.org, id: id) { room throws(RequestError) in
                try await room.setArchived(archived, by: principal)
            }
        }
        return JSONReply.json(status: 200, RoomBody(StoredRoom(info: info, epoch: stored.epoch, lastSeq: stored.lastSeq)))
    }

    /// A new title: screened like a message (masked if need be, refused if it would be held or blocked).
    private func retitle(_ stored: StoredRoom, _ newTitle: String, _ principal: Principal) async throws(RequestError) -> RoomInfo {
        let id = stored.info.id
        let maxLength = RequestDecoder.maxTitleLength
        guard newTitle.unicodeScalars.count <= maxLength,
            !newTitle.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw .badRequest("'title' must be at most \(maxLength) characters, without control characters") }
        let title = try moderation.screenTitle(newTitle, room: id, as: principal)
        // Refused before the audit entry, so the trail holds only changes that happen.
        guard stored.info.kind == .group else { throw .badRequest("a direct room has no title of its own") }
        try await review.record(AuditRecord(
            org: principal.org, at: clock.nowMS(), actor: principal.user, action: "retitle", room: id, detail: title))
        return try await rooms.withRoom(org: principal.org, id: id) { room throws(RequestError) in try await room.retitle(principal, title: title) }
    }

    // MARK: Held messages and mutes

    private struct DecisionRequest: Decodable {
        var action: String
        var reason: String?
    }

    /// Approve or reject a held message, as a moderator bot would (one decision wins, audited first).
    private func decide(_ msgID: String, _ body: [UInt8], _ principal: Principal) async throws(RequestError) {
        let request = try JSONBody.decode(DecisionRequest.self, from: body)
        guard let action = ModerationDecision(rawValue: request.action), action == .approve || action == .reject else {
            throw .badRequest("'action' must be approve or reject")
        }
        try Self.checkReason(request.reason)
        guard let held = try await review.pending(org: principal.org).first(where: { $0.message.id == msgID }) else {
            throw .notFound("held message '\(msgID)'")
        }
        try await review.decide(
            org: principal.org, bot: principal,
            request: ClientRequest.Moderate(room: held.room, msgID: msgID, action: action, durationMS: nil, reason: request.reason))
    }

    private struct MuteRequest: Decodable {
        var room: String
        var user: String
        var durationMS: Int64
        var reason: String?

        enum CodingKeys: String, CodingKey {
            case room, user, reason
            case durationMS = "duration_ms"
        }
    }

    private func mute(_ body: [UInt8], _ principal: Principal) async throws(RequestError) -> HTTPResponse {
        let request = try JSONBody.decode(MuteRequest.self, from: body)
        guard Identifier.isValidRoom(request.room) else { throw .badRequest("'room' is not a valid room id") }
        guard Identifier.isValid(request.user) else { throw .badRequest("'user' is not a valid user id") }
        guard request.durationMS > 0 else { throw .badRequest("'duration_ms' must be positive") }
        try Self.checkReason(request.reason)
        // The room must exist in this org.
        _ = try await rooms.withRoom(org: principal.org, id: request.room) { room throws(RequestError) in room.id }
        let until = try await review.mute(
            org: principal.org, room: request.room, user: request.user, durationMS: request.durationMS, by: principal, reason: request.reason)
        return JSONReply.json(status: 201, MuteBody(room: request.room, user: request.user, until: until))
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
        let records = try await storeCall(logger, "admin API audit read") { try await store.audit(org: principal.org, query: query, limit: limit) }
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
        try Self.checkReason(request.reason)
        let ban = try await bans.ban(request.user, reason: request.reason, expiresAt: request.expiresAt, by: principal)
        return JSONReply.json(status: 201, BanBody(ban))
    }

    // MARK: Helpers

    /// Reasons are kept in the audit trail and shown to admins (and to authors, for rejections).
    private static func checkReason(_ reason: String?) throws(RequestError) {
        guard let reason else { return }
        guard reason.count <= maxReason else { throw .badRequest("'reason' is longer than \(maxReason) characters") }
        guard !reason.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .badRequest("'reason' contains control characters")
        }
    }

    private static func limit(_ parameters: [String: String]) throws(RequestError) -> Int {
        guard let text = parameters["limit"] else { return 100 }
        guard let limit = Int(text), (1...maxPage).contains(limit) else {
            throw .badRequest("'limit' must be an integer from 1 to \(maxPage)")
        }
        return limit
    }
}
