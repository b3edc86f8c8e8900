import Auth
import Foundation
import Gamification
import Logging
import Moderation
import Outbound
import Review
import Rooms
import Storage
import Transport
import Wire

/// One connection's protocol state machine: authentication, then requests in arrival order.
///
/// The transport thread only appends to the inbox (never awaits); one task at a time drains it,
/// so requests are handled strictly in order and replies keep that order. Consecutive sends to one
/// room do not wait for each other's commit (`SendPipeline`); anything else waits for them.
actor Session {
    nonisolated let connection: Connection
    private nonisolated let inbox: SessionInbox
    private let services: SessionServices
    private let decoder = RequestDecoder()
    private let sends = SendPipeline()

    private var principal: Principal?
    private var joined: [String: JoinedRoom] = [:]
    private var leaderboards: [LeaderboardSubscription] = []
    /// Subscribed to the org's moderation reviews (bots only).
    private var reviewing = false
    private var rateLimitedAt: [Int64] = []
    private var ended = false

    init(connection: Connection, services: SessionServices) {
        self.connection = connection
        self.services = services
        inbox = SessionInbox(
            frameBucket: TokenBucket(rate: services.settings.frameRate, burst: services.settings.frameBurst, nowMS: services.clock.nowMS()),
            clock: services.clock)
    }

    /// Called on the transport thread: rate-limit, queue, and make sure one drain task runs.
    /// `.pause` asks the transport to stop reading until the inbox has room again.
    nonisolated func received(_ bytes: [UInt8], isBinary: Bool) -> InboundFlow {
        let (startDrain, flow) = inbox.received(bytes, isBinary: isBinary)
        if startDrain { Task { await self.drain() } }
        return flow
    }

    /// Called on the transport thread when the connection is gone.
    nonisolated func closed() {
        if inbox.closed() { Task { await self.drain() } }
    }

    private func drain() async {
        while let (event, resumeReading) = inbox.next() {
            if resumeReading { connection.resumeReading() }
            switch event {
            case .frame(let bytes, let isBinary):
                await handleFrame(bytes, isBinary: isBinary)
            case .rateLimited(let requestID, let wait):
                guard !ended, principal != nil else { continue }
                await sends.settle()
                rateLimited(requestID, RequestError(.rateLimited, "too many frames; retry later", retryAfterMS: wait))
            case .closed:
                await end()
            }
        }
    }

    // MARK: Frames

    private func handleFrame(_ bytes: [UInt8], isBinary: Bool) async {
        // After a close (ours, a ban from elsewhere, a slow-consumer close) queued requests are not acted on.
        guard !ended, !connection.isClosing else { return }
        let decoded: Result<IncomingFrame, FrameDecodingError> =
            isBinary ? .failure(FrameDecodingError(id: nil, message: "binary frames are not supported; send JSON text")) : decoder.decode(bytes)
        guard let principal else {
            await authenticate(decoded)
            return
        }
        switch decoded {
        case .failure(let error):
            await sends.settle()
            reply(error: .badRequest(error.message), to: error.id)
        case .success(let frame):
            if !frame.request.isSend { await sends.settle() }
            do {
                if let operation = UserRateLimits.operation(of: frame.request) {
                    try await services.limits.take(operation, org: principal.org, user: principal.user)
                }
                try await handle(frame.request, id: frame.id, as: principal)
            } catch {
                await sends.settle()
                if error.code == .rateLimited {
                    rateLimited(frame.id, error)
                } else {
                    reply(error: error, to: frame.id)
                }
            }
        }
    }

    private func handle(_ request: ClientRequest, id: String?, as principal: Principal) async throws(RequestError) {
        switch request {
        case .auth:
            throw .badRequest("already authenticated")
        case .refresh(let token):
            try await refresh(token, id: id, current: principal)
        case .ping:
            send(Pong(re: id))
        case .createRoom(var create):
            create.title = try services.moderation.screenTitle(create.title, room: create.room, as: principal)
            send(RoomReply(re: id, room: try await services.rooms.create(principal, create)))
        case .openDirect(let user):
            send(RoomReply(re: id, room: try await services.rooms.openDirect(principal, with: user)))
        case .join(let room, let since, let epoch):
            let sink = connection
            joined[room] = try await services.rooms.withRoom(org: principal.org, id: room) { room throws(RequestError) in
                JoinedRoom(room: room, audience: try await room.join(principal, sink: sink, requestID: id, since: since, epoch: epoch))
            }
        case .leave(let room):
            let connection = connection.connectionID
            try await services.rooms.withRoom(org: principal.org, id: room) { room throws(RequestError) in
                try await room.leave(principal, connection: connection)
            }
            joined[room] = nil
            await services.typing.clear(org: principal.org, room: room, user: principal.user)
            send(OK(re: id))
        case .send(let message):
            try await send(message, id: id, as: principal)
        case .edit(let room, let msgID, let text):
            let target = try joinedRoom(room)
            let verdict = try await services.moderation.screenMessage(text, room: room, msgID: msgID, as: principal, audience: try audience(in: room))
            // An edit replaces text others have already seen: it can't wait for review, so a hold stops it.
            guard verdict.action == .allow || verdict.action == .mask else { throw ModerationGate.blocked(verdict) }
            try await target.edit(principal, msgID: msgID, text: verdict.text, connection: connection.connectionID)
            send(OK(re: id))
        case .delete(let room, let msgID):
            try await joinedRoom(room).delete(principal, msgID: msgID, connection: connection.connectionID)
            send(OK(re: id))
        case .react(let room, let msgID, let emoji, let on):
            try await joinedRoom(room).react(principal, msgID: msgID, emoji: emoji, on: on, connection: connection.connectionID)
            send(OK(re: id))
        case .read(let room, let seq):
            try await joinedRoom(room).read(principal, seq: seq, connection: connection.connectionID)
            if let id { send(OK(re: id)) }
        case .history(let room, let before, let limit):
            let page = try await services.rooms.withRoom(org: principal.org, id: room) { room throws(RequestError) in
                try await room.history(principal, before: before, limit: limit)
            }
            connection.sendReply(EventEncoder.frame(
                HistoryReply(re: id, room: room, messages: page.messages, hasMore: page.hasMore), byteBudget: services.settings.replyByteBudget))
        case .typing(let room, let on):
            guard RoomPolicy.canWrite(principal.role) else { throw .forbidden("guests are read-only") }
            guard try await joinedRoom(room).isJoined(connection: connection.connectionID) else { throw .forbidden("join the room first") }
            await services.typing.typing(org: principal.org, room: room, user: principal.user, on: on)
            if let id { send(OK(re: id)) }
        case .setPresence(let status):
            await services.presence.setStatus(org: principal.org, user: principal.user, status: status)
            if let id { send(OK(re: id)) }
        case .subscribe(let subscription):
            try await subscribe(subscription, id: id, as: principal)
        case .unsubscribe(let subscription) where subscription.topic == "moderation":
            await services.review.unsubscribe(org: principal.org, connection: connection.connectionID)
            reviewing = false
            send(OK(re: id))
        case .unsubscribe(let subscription):
            try unsubscribe(subscription)
            _ = await services.gamification.unsubscribe(
                org: principal.org, room: subscription.room, period: try Self.period(subscription), connection: connection.connectionID)
            send(OK(re: id))
        case .kick(let room, let user):
            try await services.kicks.kick(user, from: room, by: principal)
            send(OK(re: id))
        case .ban(let user, let banned):
            if banned {
                try await services.bans.ban(user, reason: nil, expiresAt: nil, by: principal)
            } else {
                try await services.bans.unban(user, by: principal)
            }
            send(OK(re: id))
        case .moderate(let decision):
            guard principal.isModerator else { throw .forbidden("only moderator bots may moderate") }
            try await services.review.decide(org: principal.org, bot: principal, request: decision)
            send(OK(re: id))
        }
    }

    // MARK: Authentication

    private func authenticate(_ decoded: Result<IncomingFrame, FrameDecodingError>) async {
        guard case .success(let frame) = decoded, case .auth(let token) = frame.request else {
            close(CloseCode.unauthorized, "first frame must be auth")
            return
        }
        let claims: Claims
        do {
            claims = try await services.verifier.verify(token, now: Date(timeIntervalSince1970: Double(services.clock.nowMS()) / 1000))
        } catch {
            refuse(error.message)
            return
        }
        guard let role = Role(rawValue: claims.role) else {
            refuse("unknown role")
            return
        }
        let principal = Principal(
            org: claims.org, user: claims.sub, name: claims.name ?? claims.sub, role: role, isModerator: claims.isModerator, timeZone: claims.tz)
        let now = services.clock.nowMS()
        do {
            let signIn = UserSignIn(
                org: principal.org, id: principal.user, name: principal.name, role: role, at: now, tokenIssuedAt: claims.earliestIssueMS)
            switch try await services.signIns.record(signIn) {
            case .banned?:
                close(CloseCode.banned, "banned")
                return
            case .signedOut?:
                refuse("signed out: this token was issued before the sign-out; get a new one")
                return
            case nil:
                break
            }
        } catch {
            services.logger.error("recording user failed", metadata: ["error": "\(error)"])
            close(CloseCode.internalError, "storage unavailable")
            return
        }
        guard !ended else { return }
        let sessionID = "\(services.nodeID).\(connection.connectionID).\(RandomID.make("", length: 8))"
        let registered = RegisteredSession(id: sessionID, sink: connection, connectedAt: now, address: connection.remoteAddress)
        let hello = EventEncoder.frame(Hello(
            re: frame.id, session: sessionID, user: SessionUser(id: principal.user, name: principal.name, role: role, org: principal.org),
            heartbeatMS: services.settings.heartbeatMS, maxText: services.settings.maxText, maxFrameBytes: services.settings.maxFrameBytes))
        // `hello` is queued as the session becomes visible to pushes for the user (streaks,
        // achievements from the user's other sessions), so it is always the first frame after `auth`.
        let connection = connection
        guard services.sessions.add(org: principal.org, user: principal.user, registered, limit: services.settings.maxSessionsPerUser, then: {
            connection.sendReply(hello)
        }) else {
            close(CloseCode.policy, "too many sessions for this user")
            return
        }
        self.principal = principal
        armExpiry(claims)
        services.metrics.sessions.increment()
        await services.presence.sessionOpened(org: principal.org, user: principal.user)
        await services.gamification.userSeen(org: principal.org, user: principal.user, name: principal.name)
    }

    private func refresh(_ token: String, id: String?, current: Principal) async throws(RequestError) {
        let claims: Claims
        do {
            claims = try await services.verifier.verify(token, now: Date(timeIntervalSince1970: Double(services.clock.nowMS()) / 1000))
        } catch {
            throw RequestError(.unauthorized, error.message)
        }
        guard claims.sub == current.user, claims.org == current.org else {
            throw RequestError(.unauthorized, "refresh token must be for the same user and org")
        }
        guard let role = Role(rawValue: claims.role) else { throw RequestError(.unauthorized, "unknown role") }
        let denial = try await storeCall(services.logger, "checking a refreshed token") {
            try await services.store.accessDenial(
                org: current.org, user: current.user, now: services.clock.nowMS(), tokenIssuedAt: claims.earliestIssueMS)
        }
        if denial == .signedOut { throw RequestError(.unauthorized, "this token was issued before a sign-out; get a new one") }
        principal = Principal(
            org: current.org, user: current.user, name: claims.name ?? current.user, role: role, isModerator: claims.isModerator,
            timeZone: claims.tz)
        if reviewing && !claims.isModerator {
            // The new token no longer grants moderation: held messages stop reaching this session.
            await services.review.unsubscribe(org: current.org, connection: connection.connectionID)
            reviewing = false
        }
        armExpiry(claims)
        send(OK(re: id))
    }

    /// The transport closes the connection with 4010 when the token's `exp` passes.
    private func armExpiry(_ claims: Claims) {
        let remaining = max(0, claims.expMS - services.clock.nowMS())
        connection.setDeadline(afterMS: Int(clamping: remaining), closeCode: CloseCode.tokenExpired, reason: "token expired")
    }

    // MARK: Messages

    private func send(_ message: ClientRequest.Send, id: String?, as principal: Principal) async throws(RequestError) {
        let room = try joinedRoom(message.room)
        guard RoomPolicy.canWrite(principal.role) else { throw .forbidden("guests are read-only") }
        let now = services.clock.nowMS()
        if services.mutes.mutedUntil(org: principal.org, room: message.room, user: principal.user, now: now) != nil {
            throw .forbidden("you are muted in this room", reason: "muted")
        }
        if let replyTo = message.replyTo { try await room.checkReplyTarget(replyTo) }
        let msgID = RandomID.make("m")
        let verdict = try await services.moderation.screenMessage(
            message.text, room: message.room, msgID: msgID, as: principal, audience: try audience(in: message.room))
        let masked = verdict.action == .mask
        let draft = NewMessage(
            id: msgID, from: principal.ref, text: verdict.text, ts: now, replyTo: message.replyTo,
            clientMsgID: message.clientMsgID, moderation: masked ? ModerationNote(action: "masked", reasons: verdict.reasons) : nil,
            status: masked ? "masked" : "delivered")
        switch verdict.action {
        case .allow, .mask:
            try await submit(draft, to: room, roomID: message.room, id: id, as: principal)
        case .hold:
            // Nobody else sees it until a bot (or the org's hold_default) decides; it takes no seq yet.
            // A resend (which the spam check rightly finds repeated) gets its original ack instead.
            let original = try await services.review.hold(
                org: principal.org, room: message.room, message: draft, verdict: verdict, timeZone: principal.timeZone)
            await sends.settle()
            send(Ack(re: id, original ?? StoredAck(msgID: draft.id, seq: 0, ts: draft.ts, status: StoredAck.heldStatus)))
        case .block:
            guard let original = try await room.previousAck(from: principal.user, clientMsgID: message.clientMsgID) else {
                throw ModerationGate.blocked(verdict)
            }
            await sends.settle()
            send(Ack(re: id, original))
        }
    }

    /// Queues the send in the room and returns without waiting for its commit: the room sends the
    /// ack; a failure to store is replied from here.
    private func submit(_ draft: NewMessage, to room: Room, roomID: String, id: String?, as principal: Principal) async throws(RequestError) {
        await sends.reserve(room: roomID)
        let (connection, metrics, sends) = (connection, services.metrics, sends)
        do {
            try await room.submit(principal, draft, sink: connection, requestID: id) { result in
                if case .failure(let error) = result {
                    metrics.error(error.code)
                    connection.sendReply(EventEncoder.frame(ErrorEvent(re: id, error: error)))
                }
                sends.release()
            }
        } catch {
            sends.release()
            throw error
        }
    }

    // MARK: Subscriptions

    private struct LeaderboardSubscription: Equatable {
        var room: String?
        var period: LeaderboardPeriod
    }

    private func subscribe(_ subscription: ClientRequest.Subscription, id: String?, as principal: Principal) async throws(RequestError) {
        if subscription.topic == "moderation" {
            guard principal.isModerator else { throw .forbidden("only moderator bots may subscribe to moderation") }
            try await services.review.subscribe(org: principal.org, bot: connection, requestID: id)
            reviewing = true
            return
        }
        guard subscription.topic == "leaderboard" else { throw .badRequest("unknown topic '\(subscription.topic)'") }
        guard principal.role != .guest else { throw .forbidden("guests cannot subscribe to leaderboards") }
        let period = try Self.period(subscription)
        if let room = subscription.room {
            try await services.rooms.withRoom(org: principal.org, id: room) { room throws(RequestError) in
                try await room.authorizeRead(principal)
            }
        }
        try await services.gamification.subscribe(
            org: principal.org, room: subscription.room, period: period, sink: connection, requestID: id)
        let entry = LeaderboardSubscription(room: subscription.room, period: period)
        if !leaderboards.contains(entry) { leaderboards.append(entry) }
    }

    private func unsubscribe(_ subscription: ClientRequest.Subscription) throws(RequestError) {
        guard subscription.topic == "leaderboard" else { throw .badRequest("unknown topic '\(subscription.topic)'") }
        let entry = LeaderboardSubscription(room: subscription.room, period: try Self.period(subscription))
        leaderboards.removeAll { $0 == entry }
    }

    private static func period(_ subscription: ClientRequest.Subscription) throws(RequestError) -> LeaderboardPeriod {
        guard let name = subscription.period else { throw .badRequest("missing field 'period'") }
        guard let period = LeaderboardPeriod(rawValue: name) else { throw .badRequest("unknown period '\(name)'; use \"week\" or \"all\"") }
        return period
    }

    private func joinedRoom(_ id: String) throws(RequestError) -> Room {
        try joinedEntry(id).room
    }

    private func audience(in id: String) throws(RequestError) -> RoomAudience {
        try joinedEntry(id).audience
    }

    private func joinedEntry(_ id: String) throws(RequestError) -> JoinedRoom {
        guard let joined = joined[id] else { throw .forbidden("join the room first") }
        return joined
    }

    // MARK: Replies and closing

    /// Direct replies (never pushes: those come from rooms, presence and the review desk).
    private func send(_ event: some ServerEvent) {
        connection.sendReply(EventEncoder.frame(event))
    }

    private func reply(error: RequestError, to id: String?) {
        services.metrics.error(error.code)
        send(ErrorEvent(re: id, error: error))
    }

    private func rateLimited(_ id: String?, _ error: RequestError) {
        reply(error: error, to: id)
        let now = services.clock.nowMS()
        rateLimitedAt.append(now)
        rateLimitedAt.removeAll { now - $0 > services.settings.rateLimitedWindowMS }
        if rateLimitedAt.count > services.settings.rateLimitedCloseThreshold {
            close(CloseCode.rateLimitAbuse, "rate limit abuse")
            if let principal {
                services.security.rateLimitClosed(org: principal.org, user: principal.user, address: connection.remoteAddress)
            }
        }
    }

    /// The token was refused: closed with 4001, and counted toward a failed-auth burst from this address.
    private func refuse(_ reason: String) {
        services.security.authFailed(address: connection.remoteAddress, reason: reason)
        close(CloseCode.unauthorized, reason)
    }

    /// Frames already queued, and any that still arrive, are dropped: nothing is handled after a close is decided.
    private func close(_ code: UInt16, _ reason: String) {
        inbox.closing()
        connection.close(code: code, reason: reason, flush: true)
    }

    /// The connection is gone: leave rooms, stop typing, update presence.
    private func end() async {
        guard !ended else { return }
        ended = true
        guard let principal else { return }
        services.sessions.remove(org: principal.org, user: principal.user, connection: connection.connectionID)
        services.metrics.sessions.decrement()
        for (id, joinedRoom) in joined {
            await joinedRoom.room.unsubscribe(connection: connection.connectionID)
            await services.typing.clear(org: principal.org, room: id, user: principal.user)
        }
        joined = [:]
        await services.gamification.unsubscribeAll(
            org: principal.org, keys: leaderboards.map { ($0.room, $0.period) }, connection: connection.connectionID)
        if reviewing { await services.review.unsubscribe(org: principal.org, connection: connection.connectionID) }
        await services.presence.sessionClosed(org: principal.org, user: principal.user)
    }
}

private extension ClientRequest {
    /// Sends are the one request a session pipelines.
    var isSend: Bool {
        if case .send = self { return true }
        return false
    }
}
