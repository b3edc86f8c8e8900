import Foundation
import JSONValues
import Logging
import NIOWebSocket
import WSClient

/// A protocol v1 client (docs/protocol.md) for apps, services and moderator bots.
///
/// It authenticates with a token from `ClientConfiguration.token`, refreshes it before `exp`,
/// and reconnects with jittered exponential backoff when the connection drops. After a
/// reconnect it rejoins every room with `since` and `epoch`, so `events` carries each message
/// of a joined room exactly once and in seq order, and renews its subscriptions. Sends made while disconnected (or not yet
/// acknowledged when the connection dropped) are sent again, in order, with the same
/// `client_msg_id`: the server's idempotency makes that safe.
public actor RealtimeClient {
    /// Pushes and connection changes, in order. One consumer.
    public nonisolated let events: AsyncStream<ClientEvent>
    private let emit: AsyncStream<ClientEvent>.Continuation
    private let configuration: ClientConfiguration
    private let logger: Logger

    /// The live connection's writer (set when opened; requests need `authenticated` too).
    private var writer: WebSocketOutboundWriter?
    private var authenticated = false
    /// Rooms rejoined and queued sends flushed after the last `hello`: new sends may go out.
    private var ready = false
    private var currentToken = ""
    private var closed = false
    private var connectionTask: Task<Void, Never>?
    private var refreshTask: Task<Void, Never>?
    /// `connect()` waits for the first `hello` (or the first failure).
    private var firstHello: CheckedContinuation<JSONValue, any Error>?

    private var requestCounter = 0
    private var replies: [String: CheckedContinuation<JSONValue, any Error>] = [:]
    /// Sends not yet acknowledged, oldest first; `written` is false until sent on the live connection.
    private var sends: [PendingSend] = []
    private var flushingSends = false
    private var rooms: [String: RoomCursor] = [:]
    /// Leaderboard and moderation subscriptions, renewed after a reconnect like rooms.
    private var subscriptions: [[String: JSONValue]] = []

    private struct PendingSend {
        let id: String
        let frame: [String: JSONValue]
        let reply: CheckedContinuation<JSONValue, any Error>
        var written = false
    }

    /// What the client has delivered of a joined room, to rejoin without gap or duplicate.
    private struct RoomCursor {
        var lastSeq: Int64
        var epoch: String?
    }

    public init(_ configuration: ClientConfiguration, logger: Logger = Logger(label: "realtime-client")) {
        self.configuration = configuration
        self.logger = logger
        (events, emit) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    // MARK: Connection

    /// Connects and authenticates; returns the `hello`. Later drops reconnect by themselves.
    @discardableResult
    public func connect() async throws -> JSONValue {
        guard connectionTask == nil, !closed else { throw RealtimeError(code: "closed", message: "connect() once per client") }
        return try await withCheckedThrowingContinuation { continuation in
            firstHello = continuation
            connectionTask = Task { await self.run() }
        }
    }

    /// Closes the connection (1000) and stops reconnecting; pending requests fail with `closed`.
    public func close() async {
        guard !closed else { return }
        closed = true
        refreshTask?.cancel()
        try? await writer?.close(.normalClosure, reason: nil)
        await connectionTask?.value
        failEverything(.closed)
        emit.yield(.stopped(.closed))
        emit.finish()
    }

    private func run() async {
        var attempt = 0
        var refusedTokens = 0
        while !closed {
            let (code, reason, error) = await connectOnce()
            let wasAuthenticated = authenticated
            disconnected()
            if closed { return }
            emit.yield(.disconnected(code: code, reason: reason ?? error.map { "\($0)" }))
            if let first = firstHello {
                // The first connection failed before `hello`: connect() throws instead of retrying.
                firstHello = nil
                let failure = RealtimeError(code: code == 4001 ? "unauthorized" : "disconnected", message: reason ?? error.map { "\($0)" } ?? "connection failed")
                first.resume(throwing: failure)
                stop(failure)
                return
            }
            if code == 4003 { return stop(RealtimeError(code: "forbidden", message: reason ?? "banned")) }
            if code == 4001 {
                refusedTokens += 1
                if refusedTokens >= 2 { return stop(RealtimeError(code: "unauthorized", message: reason ?? "token refused")) }
            } else if wasAuthenticated {
                refusedTokens = 0
            }
            if wasAuthenticated { attempt = 0 }
            // Full jitter: clients dropped together don't come back together.
            let ceiling = min(configuration.reconnectMax, configuration.reconnectBase * (1 << min(attempt, 20)))
            let delay = Duration.milliseconds(Int64.random(in: 0...max(1, Int64(ceiling / .milliseconds(1)))))
            attempt += 1
            emit.yield(.reconnecting(attempt: attempt, after: delay))
            try? await Task.sleep(for: delay)
        }
    }

    /// One connection, from the handshake until it ends: its close code and reason, or the error.
    private func connectOnce() async -> (UInt16?, String?, (any Error)?) {
        do {
            let token = try await configuration.token()
            currentToken = token
            let settings = WebSocketClientConfiguration(
                maxFrameSize: 1 << 24, closeTimeout: .seconds(2), autoPing: .enabled(timePeriod: configuration.pingInterval))
            let close = try await WebSocketClient.connect(url: configuration.url, configuration: settings, logger: logger) { inbound, outbound, _ in
                await self.opened(outbound, token: token)
                for try await message in inbound.messages(maxSize: 1 << 24) {
                    if case .text(let text) = message { await self.received(text) }
                }
            }
            return (close.map { UInt16(webSocketErrorCode: $0.closeCode) }, close?.reason, nil)
        } catch {
            return (nil, nil, error)
        }
    }

    private func opened(_ outbound: WebSocketOutboundWriter, token: String) async {
        writer = outbound
        let auth: [String: JSONValue] = ["type": .string("auth"), "id": .string(Self.authID), "token": .string(token)]
        try? await outbound.write(.text(Self.encode(auth)))
    }

    private static let authID = "auth"

    private func authenticatedWith(_ hello: JSONValue) {
        authenticated = true
        emit.yield(.connected(hello: hello))
        if let first = firstHello {
            firstHello = nil
            first.resume(returning: hello)
        }
        scheduleRefresh(of: currentToken)
        Task { await self.resume() }
    }

    /// After `hello`: rejoin every room from where the app is, renew subscriptions, then send what waited.
    private func resume() async {
        var renewals: [[String: JSONValue]] = rooms.map { room, cursor in
            var join: [String: JSONValue] = ["type": .string("join"), "room": .string(room), "since": .number(Double(cursor.lastSeq))]
            if let epoch = cursor.epoch { join["epoch"] = .string(epoch) }
            return join
        }
        renewals += subscriptions
        for frame in renewals {
            do {
                _ = try await request(frame)
            } catch {
                logger.warning("rejoining or resubscribing failed", metadata: ["request": "\(frame)", "error": "\(error)"])
            }
        }
        guard authenticated else { return }
        ready = true
        await flushSends()
    }

    private func disconnected() {
        writer = nil
        authenticated = false
        ready = false
        refreshTask?.cancel()
        for (_, reply) in replies { reply.resume(throwing: RealtimeError.disconnected) }
        replies = [:]
        // Unacknowledged sends stay queued and go out again after the reconnect.
        for index in sends.indices { sends[index].written = false }
    }

    private func stop(_ error: RealtimeError) {
        closed = true
        failEverything(error)
        emit.yield(.stopped(error))
        emit.finish()
    }

    private func failEverything(_ error: RealtimeError) {
        for (_, reply) in replies { reply.resume(throwing: error) }
        replies = [:]
        for send in sends { send.reply.resume(throwing: error) }
        sends = []
    }

    // MARK: Token refresh

    private func scheduleRefresh(of token: String) {
        refreshTask?.cancel()
        guard let expiry = TokenExpiry.expiry(of: token) else { return }
        let lifetime = Duration.milliseconds(Int64(expiry.timeIntervalSinceNow * 1000))
        let delay = max(lifetime - configuration.refreshMargin, lifetime / 2, .zero)
        refreshTask = Task {
            do {
                try await Task.sleep(for: delay)
                await self.refresh()
            } catch {}  // cancelled: the connection ended or a newer token took over
        }
    }

    private func refresh() async {
        do {
            let token = try await configuration.token()
            _ = try await request(["type": .string("refresh"), "token": .string(token)])
            currentToken = token
            scheduleRefresh(of: token)
        } catch {
            // The server closes with 4010 at `exp`; the reconnect then asks for a token again.
            logger.warning("token refresh failed", metadata: ["error": "\(error)"])
        }
    }

    // MARK: Requests

    /// Sends `frame` with a fresh `id` and returns the reply; an `error` reply throws `RealtimeError`.
    @discardableResult
    public func request(_ frame: [String: JSONValue]) async throws -> JSONValue {
        guard authenticated, let writer else { throw RealtimeError.disconnected }
        let id = nextID()
        var frame = frame
        frame["id"] = .string(id)
        let text = Self.encode(frame)
        let timeout = configuration.requestTimeout
        let timer = Task {
            try await Task.sleep(for: timeout)
            self.timedOut(id)
        }
        defer { timer.cancel() }
        return try await withCheckedThrowingContinuation { continuation in
            replies[id] = continuation
            Task {
                do {
                    try await writer.write(.text(text))
                } catch {
                    self.failReply(id, RealtimeError.disconnected)
                }
            }
        }
    }

    private func timedOut(_ id: String) { failReply(id, .timeout) }

    private func failReply(_ id: String, _ error: RealtimeError) {
        replies.removeValue(forKey: id)?.resume(throwing: error)
    }

    private func nextID() -> String {
        requestCounter += 1
        return "c\(requestCounter)"
    }

    /// Sends a message; returns the `ack` (`msg_id`, `seq`, `status`). While disconnected the send
    /// waits and goes out after the reconnect with the same `client_msg_id` (a send never times out).
    @discardableResult
    public func send(room: String, text: String, replyTo: String? = nil, clientMsgID: String = UUID().uuidString) async throws -> JSONValue {
        guard !closed else { throw RealtimeError.closed }
        var frame: [String: JSONValue] = [
            "type": .string("send"), "room": .string(room), "text": .string(text), "client_msg_id": .string(clientMsgID),
        ]
        if let replyTo { frame["reply_to"] = .string(replyTo) }
        let id = nextID()
        frame["id"] = .string(id)
        return try await withCheckedThrowingContinuation { continuation in
            sends.append(PendingSend(id: id, frame: frame, reply: continuation))
            Task { await self.flushSends() }
        }
    }

    /// Writes the queued sends in order on the live connection; one flush at a time keeps the order.
    private func flushSends() async {
        guard ready, !flushingSends else { return }
        flushingSends = true
        defer { flushingSends = false }
        while ready, let writer, let index = sends.firstIndex(where: { !$0.written }) {
            sends[index].written = true
            do {
                try await writer.write(.text(Self.encode(sends[index].frame)))
            } catch {
                return  // the connection is ending: `disconnected` requeues it
            }
        }
    }

    // MARK: Rooms and the rest of the protocol

    /// Joins `room` (with `since` to recover from a seq the app already has); returns `joined`.
    /// Missed messages arrive as `.message` events before any live one.
    @discardableResult
    public func join(_ room: String, since: Int64? = nil) async throws -> JSONValue {
        var frame: [String: JSONValue] = ["type": .string("join"), "room": .string(room)]
        if let since {
            frame["since"] = .number(Double(since))
            rooms[room] = RoomCursor(lastSeq: since, epoch: nil)
        }
        return try await request(frame)
    }

    public func leave(_ room: String) async throws {
        try await request(["type": .string("leave"), "room": .string(room)])
        rooms[room] = nil
    }

    @discardableResult
    public func createRoom(_ room: String, title: String? = nil, visibility: String = "private", members: [String] = []) async throws -> JSONValue {
        var frame: [String: JSONValue] = [
            "type": .string("room.create"), "room": .string(room), "visibility": .string(visibility), "members": .array(members.map(JSONValue.string)),
        ]
        if let title { frame["title"] = .string(title) }
        return try await request(frame)
    }

    @discardableResult
    public func openDirect(with user: String) async throws -> JSONValue {
        try await request(["type": .string("direct.open"), "user": .string(user)])
    }

    public func history(_ room: String, before: Int64? = nil, limit: Int = 50) async throws -> JSONValue {
        var frame: [String: JSONValue] = ["type": .string("history"), "room": .string(room), "limit": .number(Double(limit))]
        if let before { frame["before"] = .number(Double(before)) }
        return try await request(frame)
    }

    public func edit(room: String, messageID: String, text: String) async throws {
        try await request(["type": .string("edit"), "room": .string(room), "msg_id": .string(messageID), "text": .string(text)])
    }

    public func delete(room: String, messageID: String) async throws {
        try await request(["type": .string("delete"), "room": .string(room), "msg_id": .string(messageID)])
    }

    public func react(room: String, messageID: String, emoji: String, on: Bool = true) async throws {
        try await request([
            "type": .string("react"), "room": .string(room), "msg_id": .string(messageID), "emoji": .string(emoji), "on": .bool(on),
        ])
    }

    /// `read`, `typing` and `presence.set` are answered with `ok` because this client sends an `id`.
    public func read(room: String, seq: Int64) async throws {
        try await request(["type": .string("read"), "room": .string(room), "seq": .number(Double(seq))])
    }

    public func typing(room: String, on: Bool) async throws {
        try await request(["type": .string("typing"), "room": .string(room), "on": .bool(on)])
    }

    public func setPresence(_ status: String) async throws {
        try await request(["type": .string("presence.set"), "status": .string(status)])
    }

    /// The top 10 now (the reply); changes follow as `.leaderboard` events.
    @discardableResult
    public func subscribeLeaderboard(period: String, room: String? = nil) async throws -> JSONValue {
        try await subscribe(Self.leaderboard(period: period, room: room))
    }

    public func unsubscribeLeaderboard(period: String, room: String? = nil) async throws {
        var frame = Self.leaderboard(period: period, room: room)
        frame["type"] = .string("unsubscribe")
        try await request(frame)
        subscriptions.removeAll { $0 == Self.leaderboard(period: period, room: room) }
    }

    private static func leaderboard(period: String, room: String?) -> [String: JSONValue] {
        var frame: [String: JSONValue] = ["type": .string("subscribe"), "topic": .string("leaderboard"), "period": .string(period)]
        if let room { frame["room"] = .string(room) }
        return frame
    }

    /// For tokens with the `moderation` scope: every held message of the org follows as a
    /// `.review` event (those still waiting first), after reconnects too.
    public func subscribeModeration() async throws {
        try await subscribe(["type": .string("subscribe"), "topic": .string("moderation")])
    }

    private func subscribe(_ frame: [String: JSONValue]) async throws -> JSONValue {
        let reply = try await request(frame)
        if !subscriptions.contains(frame) { subscriptions.append(frame) }
        return reply
    }

    /// `action`: `approve`, `reject`, `delete` or `mute` (with `durationMS`).
    public func moderate(room: String, messageID: String, action: String, durationMS: Int64? = nil, reason: String? = nil) async throws {
        var frame: [String: JSONValue] = [
            "type": .string("moderate"), "room": .string(room), "msg_id": .string(messageID), "action": .string(action),
        ]
        if let durationMS { frame["duration_ms"] = .number(Double(durationMS)) }
        if let reason { frame["reason"] = .string(reason) }
        try await request(frame)
    }

    // MARK: Frames from the server

    private func received(_ text: String) {
        guard let frame = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)), let type = frame["type"]?.string else {
            logger.warning("unreadable frame from the server", metadata: ["frame": "\(text.prefix(200))"])
            return
        }
        if let re = frame["re"]?.string {
            reply(re, type: type, frame)
        } else {
            push(type, frame)
        }
    }

    private func reply(_ re: String, type: String, _ frame: JSONValue) {
        if re == Self.authID, type == "hello" { return authenticatedWith(frame) }
        // In frame order, before any later push: the missed messages come first.
        if type == "joined" { applyJoined(frame) }
        let outcome: Result<JSONValue, RealtimeError> = type == "error" ? .failure(RealtimeError(frame: frame)) : .success(frame)
        if let index = sends.firstIndex(where: { $0.id == re }) {
            sends.remove(at: index).reply.resume(with: outcome)
        } else {
            replies.removeValue(forKey: re)?.resume(with: outcome)
        }
    }

    private func applyJoined(_ joined: JSONValue) {
        guard let room = joined["room"]?["id"]?.string else { return }
        let rejoin = rooms[room]
        if rejoin != nil, joined["recovered"]?.bool == false { emit.yield(.gap(room: room)) }
        var cursor = rejoin ?? RoomCursor(lastSeq: 0, epoch: nil)
        for message in joined["missed"]?.array ?? [] {
            guard let seq = message["seq"]?.int, seq > cursor.lastSeq else { continue }
            cursor.lastSeq = seq
            emit.yield(.message(room: room, message: message))
        }
        cursor.lastSeq = max(cursor.lastSeq, joined["last_seq"]?.int ?? 0)
        cursor.epoch = joined["epoch"]?.string
        rooms[room] = cursor
    }

    private func push(_ type: String, _ frame: JSONValue) {
        switch type {
        case "message":
            guard let room = frame["room"]?.string, let message = frame["msg"], let seq = message["seq"]?.int else { return }
            if let cursor = rooms[room], seq <= cursor.lastSeq { return }  // already delivered (recovered on rejoin)
            rooms[room, default: RoomCursor(lastSeq: 0, epoch: nil)].lastSeq = seq
            emit.yield(.message(room: room, message: message))
        case "message.edited": emit.yield(.messageEdited(frame))
        case "message.deleted": emit.yield(.messageDeleted(frame))
        case "reaction": emit.yield(.reaction(frame))
        case "read": emit.yield(.read(frame))
        case "typing": emit.yield(.typing(frame))
        case "presence": emit.yield(.presence(frame))
        case "leaderboard": emit.yield(.leaderboard(frame))
        case "streak": emit.yield(.streak(frame))
        case "achievement": emit.yield(.achievement(frame))
        case "moderation": emit.yield(.moderation(frame))
        case "moderation.review": emit.yield(.review(frame))
        case "kicked":
            if let room = frame["room"]?.string { rooms[room] = nil }
            emit.yield(.kicked(frame))
        default:
            logger.debug("unknown push", metadata: ["type": "\(type)"])
        }
    }

    private static func encode(_ frame: [String: JSONValue]) -> String {
        // A dictionary of JSON values always encodes.
        String(decoding: (try? JSONEncoder().encode(frame)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
