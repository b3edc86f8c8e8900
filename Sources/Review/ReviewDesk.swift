import Broker
import Logging
import Metrics
import Moderation
import Outbound
import Rooms
import Storage
import Wire

/// Held messages and the moderator bots that review them: stores each held message (it survives
/// restarts), shows it to the org's subscribed bots, applies their decisions, and applies the
/// org's `hold_default` when nobody decides in time (urgent holds, child safety and self-harm, come first
/// and are rejected, never approved, on a timeout). Every action is audited.
///
/// In a cluster every node shows every held message to its own bots and arms its deadline;
/// the store's `takeHeldMessage` lets exactly one decision or timeout win.
public actor ReviewDesk {
    private let store: any ModerationStore
    private let broker: any ClusterBroker
    private let rooms: RoomRegistry
    private let notifier: any UserNotifier
    private let mutes: MuteList
    private let policy: ReviewPolicy
    private let clock: any WallClock
    private let logger: Logger
    /// Subscribed bots per org, by connection.
    private var bots: [String: [UInt64: any FrameSink]] = [:]
    private var timers: [String: Task<Void, Never>] = [:]
    private let urgentHolds = Counter(label: "rts_moderation_urgent_holds_total")

    public init(
        store: any ModerationStore, broker: any ClusterBroker, rooms: RoomRegistry, notifier: any UserNotifier, mutes: MuteList,
        policy: ReviewPolicy, clock: any WallClock, logger: Logger
    ) {
        self.store = store
        self.broker = broker
        self.rooms = rooms
        self.notifier = notifier
        self.mutes = mutes
        self.policy = policy
        self.clock = clock
        self.logger = logger
    }

    /// Re-arms the review deadlines of messages held, and the mutes set, before a restart.
    public func start() async throws {
        for (org, held) in try await store.allHeldMessages() { armTimer(org: org, msgID: held.message.id, deadline: held.deadline) }
        for mute in try await store.activeMutes(now: clock.nowMS()) {
            mutes.mute(org: mute.org, room: mute.room, user: mute.user, until: mute.until)
        }
    }

    /// Holds a message: stored, audited, shown to the org's bots. The author gets `held`.
    /// A resend (its `client_msg_id` already used in the room) holds nothing: the original ack is returned.
    public func hold(org: String, room: String, message: NewMessage, verdict: Verdict, timeZone: String?) async throws(RequestError) -> StoredAck? {
        let now = clock.nowMS()
        let held = HeldMessage(
            room: room, message: message, reasons: verdict.reasons, scores: verdict.scores, timeZone: timeZone,
            deadline: now + policy.reviewTimeoutMS, urgent: verdict.urgent)
        try await record(AuditRecord(
            org: org, at: message.ts, actor: "moderator", action: "hold", room: room, msgID: message.id, subject: message.from.id,
            reasons: verdict.reasons, scores: verdict.scores))
        do {
            if let original = try await store.holdMessage(org: org, held, idempotentSince: now - policy.idempotencyWindowMS) { return original }
        } catch {
            logger.error("holding message failed", metadata: ["error": "\(error)"])
            throw .internalError
        }
        if held.urgent {
            // The line an alert watches: someone should look now, not when the queue gets to it.
            urgentHolds.increment()
            logger.warning(
                "urgent moderation hold",
                metadata: ["org": "\(org)", "room": "\(room)", "msg": "\(message.id)", "user": "\(message.from.id)", "reasons": "\(verdict.reasons)"])
        }
        let frame = Self.review(held)
        broker.publish(ClusterEvent(origin: broker.nodeID, org: org, body: .review(msgID: message.id, deadline: held.deadline, frame: frame)))
        heldElsewhere(org: org, msgID: message.id, deadline: held.deadline, frame: frame)
        return nil
    }

    /// A message held on any node: shown to this node's bots, its deadline armed here too.
    public func heldElsewhere(org: String, msgID: String, deadline: Int64, frame: SharedFrame) {
        for bot in bots[org, default: [:]].values { bot.send(frame) }
        armTimer(org: org, msgID: msgID, deadline: deadline)
    }

    /// A bot subscribes to its org's reviews: `ok`, then every message still waiting.
    public func subscribe(org: String, bot: any FrameSink, requestID: String?) async throws(RequestError) {
        let waiting: [HeldMessage]
        do {
            waiting = try await store.heldMessages(org: org)
        } catch {
            throw .internalError
        }
        bots[org, default: [:]][bot.connectionID] = bot
        bot.send(EventEncoder.frame(OK(re: requestID)))
        for held in waiting { bot.send(Self.review(held)) }
    }

    public func unsubscribe(org: String, connection: UInt64) {
        bots[org]?[connection] = nil
        if bots[org]?.isEmpty == true { bots[org] = nil }
    }

    /// A bot's decision. Held messages take exactly one decision; `delete` and `mute` also work on delivered messages.
    public func decide(org: String, bot: Principal, request: ClientRequest.Moderate) async throws(RequestError) {
        let held: HeldMessage?
        do {
            held = try await store.takeHeldMessage(org: org, msgID: request.msgID)
        } catch {
            throw .internalError
        }
        if let held, held.room != request.room {
            // Wrong room for this message: put it back untouched.
            try await restore(org: org, held)
            throw .notFound("message")
        }
        // Whose message it is, then the audit entry, then the action: an action that cannot be audited does not happen.
        let author: String
        switch (request.action, held) {
        case (_, let held?):
            author = held.message.from.id
        case (.approve, nil), (.reject, nil):
            throw .notFound("held message")
        case (.delete, nil), (.mute, nil):
            author = try await rooms.withRoom(org: org, id: request.room) { room throws(RequestError) in
                try await room.author(of: request.msgID)
            }
        }
        do {
            try await record(AuditRecord(
                org: org, at: clock.nowMS(), actor: bot.user, action: request.action.rawValue, room: request.room, msgID: request.msgID,
                subject: author, reasons: held?.reasons ?? [], scores: held?.scores ?? [:], detail: request.reason))
        } catch {
            if let held { try await restore(org: org, held) }
            throw error
        }
        if let held { timers.removeValue(forKey: Self.timerKey(org, held.message.id))?.cancel() }
        switch (request.action, held) {
        case (.approve, let held?):
            try await deliver(org: org, held)
        case (.reject, let held?), (.delete, let held?):
            notifyAuthor(org: org, held, action: request.action, reason: request.reason)
        case (.delete, nil):
            _ = try await rooms.withRoom(org: org, id: request.room) { room throws(RequestError) in
                try await room.moderatorDelete(msgID: request.msgID, by: bot.user)
            }
        case (.mute, let held):
            if let held { notifyAuthor(org: org, held, action: .mute, reason: request.reason) }
            try await mute(org: org, room: request.room, user: author, durationMS: request.durationMS ?? 0)
        case (.approve, nil), (.reject, nil):
            break  // refused above
        }
    }

    /// The org's held messages awaiting a decision: urgent ones first, then oldest first.
    public func pending(org: String) async throws(RequestError) -> [HeldMessage] {
        do {
            let held = try await store.heldMessages(org: org)
            return held.filter(\.urgent) + held.filter { !$0.urgent }
        } catch {
            logger.error("reading held messages failed", metadata: ["error": "\(error)"])
            throw .internalError
        }
    }

    /// The org's mutes in force now, by room and user.
    public func activeMutes(org: String) async throws(RequestError) -> [(room: String, user: String, until: Int64)] {
        do {
            return try await store.activeMutes(now: clock.nowMS())
                .filter { $0.org == org }
                .map { ($0.room, $0.user, $0.until) }
                .sorted { ($0.room, $0.user) < ($1.room, $1.user) }
        } catch {
            logger.error("reading mutes failed", metadata: ["error": "\(error)"])
            throw .internalError
        }
    }

    /// An admin mutes a user in a room for `durationMS` (audited first); returns when it ends.
    public func mute(org: String, room: String, user: String, durationMS: Int64, by principal: Principal, reason: String?) async throws(RequestError)
        -> Int64
    {
        try await record(AuditRecord(
            org: org, at: clock.nowMS(), actor: principal.user, action: "mute", room: room, subject: user,
            detail: [reason, "duration_ms=\(durationMS)"].compactMap { $0 }.joined(separator: "; ")))
        return try await mute(org: org, room: room, user: user, durationMS: durationMS)
    }

    /// Lifts a mute (audited first); false when none is in force.
    public func unmute(org: String, room: String, user: String, by principal: Principal) async throws(RequestError) -> Bool {
        guard mutes.mutedUntil(org: org, room: room, user: user, now: clock.nowMS()) != nil else { return false }
        try await record(AuditRecord(org: org, at: clock.nowMS(), actor: principal.user, action: "unmute", room: room, subject: user))
        try await setMute(org: org, room: room, user: user, until: 0)
        return true
    }

    /// Appends an audit entry, before the action it records: when it cannot be written the caller
    /// gets `internal` and does not act.
    public func record(_ entry: AuditRecord) async throws(RequestError) {
        try await AuditTrail(store: store, logger: logger).record(entry)
    }

    // MARK: Internals

    private func deliver(org: String, _ held: HeldMessage) async throws(RequestError) {
        do {
            try await rooms.withRoom(org: org, id: held.room) { room throws(RequestError) in
                try await room.deliverApproved(held.message, timeZone: held.timeZone)
            }
        } catch {
            try await restore(org: org, held)
            throw error
        }
    }

    @discardableResult
    private func mute(org: String, room: String, user: String, durationMS: Int64) async throws(RequestError) -> Int64 {
        // Saturating: a mute "forever" must not overflow (the decoder bounds it too).
        let (sum, overflow) = clock.nowMS().addingReportingOverflow(max(0, durationMS))
        let until = overflow ? Int64.max : sum
        try await setMute(org: org, room: room, user: user, until: until)
        return until
    }

    /// Stores the mute (`until` 0 lifts it) and tells this node and the others.
    private func setMute(org: String, room: String, user: String, until: Int64) async throws(RequestError) {
        do {
            try await store.setMute(org: org, room: room, user: user, until: until)
        } catch {
            throw .internalError
        }
        mutes.mute(org: org, room: room, user: user, until: until)
        broker.publish(ClusterEvent(origin: broker.nodeID, org: org, body: .mute(room: room, user: user, until: until)))
    }

    private func notifyAuthor(org: String, _ held: HeldMessage, action: ModerationDecision, reason: String?) {
        notifier.notify(
            org: org, user: held.message.from.id,
            frame: EventEncoder.frame(ModerationNotice(room: held.room, msgID: held.message.id, action: action.rawValue, reason: reason)))
    }

    /// Puts a taken held message back, to be decided later (by `deadline`, or its own).
    private func restore(org: String, _ held: HeldMessage, deadline: Int64? = nil) async throws(RequestError) {
        var held = held
        if let deadline { held.deadline = deadline }
        do {
            // Its own idempotency key is still there, so this stores it again.
            _ = try await store.holdMessage(org: org, held, idempotentSince: clock.nowMS() - policy.idempotencyWindowMS)
        } catch {
            logger.error("restoring held message failed", metadata: ["msg": "\(held.message.id)", "error": "\(error)"])
            throw .internalError
        }
        armTimer(org: org, msgID: held.message.id, deadline: held.deadline)
    }

    private func armTimer(org: String, msgID: String, deadline: Int64) {
        let key = Self.timerKey(org, msgID)
        let delay = max(0, deadline - clock.nowMS())
        timers[key]?.cancel()
        timers[key] = Task {
            do {
                try await Task.sleep(for: .milliseconds(delay))
            } catch {
                return
            }
            await self.reviewTimedOut(org: org, msgID: msgID)
        }
    }

    /// Nobody decided in time: the org's `hold_default` applies.
    private func reviewTimedOut(org: String, msgID: String) async {
        timers[Self.timerKey(org, msgID)] = nil
        do {
            guard let held = try await store.takeHeldMessage(org: org, msgID: msgID) else { return }
            // An urgent hold is never delivered without a person: a timeout rejects it whatever the policy.
            let decision: ModerationDecision = held.urgent ? .reject : policy.holdDefault
            do {
                try await record(AuditRecord(
                    org: org, at: clock.nowMS(), actor: "policy", action: decision.rawValue, room: held.room, msgID: msgID,
                    subject: held.message.from.id, reasons: held.reasons, scores: held.scores, detail: "review_timeout"))
            } catch {
                // Not audited, so not decided: back in the queue, to be tried again after another timeout.
                try await restore(org: org, held, deadline: clock.nowMS() + policy.reviewTimeoutMS)
                return
            }
            switch decision {
            case .approve:
                try await deliver(org: org, held)
            default:
                notifyAuthor(org: org, held, action: .reject, reason: "review_timeout")
            }
            if held.urgent {
                logger.warning("urgent moderation hold expired without a review", metadata: ["org": "\(org)", "msg": "\(msgID)"])
            }
        } catch {
            logger.error("applying hold_default failed", metadata: ["msg": "\(msgID)", "error": "\(error)"])
        }
    }

    private static func timerKey(_ org: String, _ msgID: String) -> String { org + "\u{0}" + msgID }

    private static func review(_ held: HeldMessage) -> SharedFrame {
        let message = held.message
        return EventEncoder.frame(ModerationReview(
            room: held.room,
            msg: ChatMessage(id: message.id, seq: 0, from: message.from, text: message.text, ts: message.ts, replyTo: message.replyTo, clientMsgID: message.clientMsgID),
            scores: held.scores, reasons: held.reasons, urgent: held.urgent))
    }
}
