import Activity
import Broker
import Logging
import Metrics
import Outbound
import Presence
import Storage
import Wire

/// One loaded room on this node: its members and the sessions joined here.
///
/// Sends are queued and stored in batches (one transaction each; the store allocates seqs),
/// then acknowledged and fanned out in seq order: every message is encoded once and the same
/// frame is queued to every joined session, and published once to the other nodes. Messages
/// stored by other nodes arrive through the broker; a missing seq is waited for briefly,
/// then read from the store, so local sessions see one gap-free order.
public actor Room {
    public nonisolated let org: String
    public nonisolated let id: String

    private var info: RoomInfo
    private let epoch: String
    /// Highest seq pushed to this node's sessions; every lower one has been pushed.
    private var lastSeq: Int64
    /// Messages that arrived ahead of a missing seq, waiting for it.
    private var ahead: [Int64: SharedFrame] = [:]
    private var gapFillScheduled = false
    private var readSeqs: [String: Int64]

    /// Sessions receiving live pushes, by connection id.
    private var live: [UInt64: Subscriber] = [:]
    /// Sessions between `join` and their `joined` reply: pushes wait here so none is lost or doubled.
    private var joining: [UInt64: [SharedFrame]] = [:]

    private var queue: [PendingSend] = []
    private var flushing = false
    private var idleSince: Int64
    private var retired = false

    /// Different emojis one message may carry: bounds what every `message` in history grows by.
    static let maxDistinctReactions = 50

    private let store: any ChatStore
    private let audit: AuditTrail
    private let broker: any ClusterBroker
    private let presence: PresenceTracker
    private let activity: any ActivityFeed
    private let index: MembershipIndex
    private let settings: RoomSettings
    private let clock: any WallClock
    private let logger: Logger
    private let fanoutTimer = Timer(label: "rts_fanout_seconds")
    private let messagesCounter = Counter(label: "rts_messages_total", dimensions: [("outcome", "delivered")])
    private let duplicatesCounter = Counter(label: "rts_messages_total", dimensions: [("outcome", "duplicate")])
    /// Messages held back behind a missing seq, and gaps that had to be read from the store.
    private let heldCounter = Counter(label: "rts_room_order_waits_total", dimensions: [("kind", "held")])
    private let gapReadsCounter = Counter(label: "rts_room_order_waits_total", dimensions: [("kind", "gap_read")])

    private struct Subscriber {
        var sink: any FrameSink
        var user: String
    }

    private struct PendingSend {
        var message: NewMessage
        /// The author's zone, for gamification's local days.
        var timeZone: String?
        /// Where the ack goes; nil for a held message approved later (its author already had `held`).
        var sink: (any FrameSink)?
        var requestID: String?
        /// Called once it is stored (or storing failed), after the ack and the fan-out.
        var settled: @Sendable (Result<Void, RequestError>) -> Void
    }

    init(
        org: String, stored: StoredRoom, readSeqs: [String: Int64], store: any ChatStore, audit: AuditTrail, broker: any ClusterBroker,
        presence: PresenceTracker, activity: any ActivityFeed, index: MembershipIndex, settings: RoomSettings, clock: any WallClock,
        logger: Logger
    ) {
        self.org = org
        id = stored.info.id
        info = stored.info
        epoch = stored.epoch
        lastSeq = stored.lastSeq
        self.readSeqs = readSeqs
        self.store = store
        self.audit = audit
        self.broker = broker
        self.presence = presence
        self.activity = activity
        self.index = index
        self.settings = settings
        self.clock = clock
        self.logger = logger
        idleSince = clock.nowMS()
    }

    // MARK: Membership

    /// Subscribes the session and sends `joined`; returns who reads what this member writes here.
    @discardableResult
    public func join(_ principal: Principal, sink: any FrameSink, requestID: String?, since: Int64?, epoch clientEpoch: String?) async throws(RequestError)
        -> RoomAudience
    {
        try checkNotRetired()
        guard RoomPolicy.canJoin(principal, info) else { throw .forbidden("not allowed to join this room") }
        if !info.members.contains(principal.user) {
            try await audit.record(AuditRecord(org: org, at: clock.nowMS(), actor: principal.user, action: "member_add", room: id, subject: principal.user))
            try await addMember(principal.user)
        }
        let connection = sink.connectionID
        live[connection] = nil
        // A client that saw newer seqs on another node: first push here what is still in flight.
        if let since, since > lastSeq { await catchUp() }
        let upTo = lastSeq
        joining[connection] = []
        let audience: RoomAudience
        do {
            let (missed, recovered) = try await recovery(since: since, epoch: clientEpoch, upTo: upTo)
            let presence = try await presenceEntries()
            audience = Self.audience(of: principal.user, kind: info.kind, members: info.members, presence: presence)
            sink.sendReply(EventEncoder.frame(
                Joined(re: requestID, room: info, lastSeq: upTo, epoch: epoch, presence: presence, missed: missed, recovered: recovered),
                byteBudget: settings.replyByteBudget))
        } catch {
            joining[connection] = nil
            logger.error("join failed", metadata: ["room": "\(id)", "error": "\(error)"])
            throw .internalError
        }
        // Pushes that happened while we were reading storage, in order, then live.
        for frame in joining.removeValue(forKey: connection) ?? [] { sink.send(frame) }
        live[connection] = Subscriber(sink: sink, user: principal.user)
        return audience
    }

    private static func audience(of user: String, kind: RoomKind, members: [String], presence: [PresenceEntry]) -> RoomAudience {
        guard kind == .direct, let peer = members.first(where: { $0 != user }) else { return .group }
        return .direct(peer: peer, peerRole: presence.first { $0.user == peer }?.role)
    }

    /// Ends this session's subscription; for group rooms also ends the user's membership.
    public func leave(_ principal: Principal, connection: UInt64) async throws(RequestError) {
        try checkNotRetired()
        let wasJoined = unsubscribe(connection: connection)
        guard info.kind == .group, info.members.contains(principal.user) else {
            if wasJoined { return }
            throw .badRequest("not a member of this room")
        }
        try await audit.record(AuditRecord(org: org, at: clock.nowMS(), actor: principal.user, action: "member_remove", room: id, subject: principal.user))
        try await removeMember(principal.user)
        publish(.memberRemoved(user: principal.user, kicked: false), nil)
    }

    /// The session went away: stop pushing to it.
    @discardableResult
    public func unsubscribe(connection: UInt64) -> Bool {
        let removed = live.removeValue(forKey: connection) != nil || joining.removeValue(forKey: connection) != nil
        if live.isEmpty && joining.isEmpty { idleSince = clock.nowMS() }
        return removed
    }

    /// Removes a user from a group room; their sessions get `kicked` and stop receiving pushes.
    public func kick(_ principal: Principal, user: String) async throws(RequestError) {
        try checkNotRetired()
        guard RoomPolicy.canModerate(principal, info) else { throw .forbidden("only admins and the room's creator may kick") }
        guard info.kind == .group else { throw .badRequest("cannot kick from a direct room") }
        guard info.members.contains(user) else { throw .notFound("member") }
        try await audit.record(AuditRecord(org: org, at: clock.nowMS(), actor: principal.user, action: "kick", room: id, subject: user))
        try await removeMember(user)
        let frame = EventEncoder.frame(KickedPush(room: id, by: principal.user))
        dropSessions(of: user, sending: frame)
        publish(.memberRemoved(user: user, kicked: true), frame)
    }

    /// Changes a group room's title (admins and the room's creator); joined sessions everywhere get `room.updated`.
    public func retitle(_ principal: Principal, title: String) async throws(RequestError) -> RoomInfo {
        try checkNotRetired()
        guard RoomPolicy.canModerate(principal, info) else { throw .forbidden("only admins and the room's creator may change its title") }
        guard info.kind == .group else { throw .badRequest("a direct room has no title of its own") }
        do {
            try await store.setTitle(org: org, room: id, title: title)
        } catch {
            throw storageFailure(error)
        }
        info.title = title
        return announceUpdate(.retitled(title: title), by: principal.user)
    }

    /// Archives the room (read-only: history and joins work, writes are refused) or, with
    /// `archived` false, opens it again. Audited first; joined sessions everywhere get `room.updated`.
    public func setArchived(_ archived: Bool, by principal: Principal) async throws(RequestError) -> RoomInfo {
        try checkNotRetired()
        guard RoomPolicy.canModerate(principal, info) else { throw .forbidden("only admins and the room's creator may archive it") }
        guard (info.archivedAt != nil) != archived else { return info }
        let at = archived ? clock.nowMS() : nil
        try await audit.record(AuditRecord(org: org, at: clock.nowMS(), actor: principal.user, action: archived ? "archive" : "unarchive", room: id))
        do {
            try await store.setArchived(org: org, room: id, at: at)
        } catch {
            throw storageFailure(error)
        }
        info.archivedAt = at
        return announceUpdate(.archived(at: at), by: principal.user)
    }

    /// The room object changed: joined sessions here and on every node get `room.updated`.
    private func announceUpdate(_ change: RoomChange, by actor: String) -> RoomInfo {
        let frame = EventEncoder.frame(RoomUpdatedPush(room: info, by: actor))
        broadcast(frame)
        publish(change, frame)
        return info
    }

    private func dropSessions(of user: String, sending frame: SharedFrame) {
        for (connection, subscriber) in live where subscriber.user == user {
            subscriber.sink.send(frame)
            live[connection] = nil
        }
    }

    public func isJoined(connection: UInt64) -> Bool {
        live[connection] != nil || joining[connection] != nil
    }

    // MARK: Messages

    /// Queues the message behind those already queued and returns at once (so a session can go on
    /// to its next send). The room stores the queue in order, sends each ack to its sink in that
    /// order, fans the message out, and then calls `settled` (with `internal` when storing failed;
    /// the caller replies the error).
    public func submit(
        _ principal: Principal, _ message: NewMessage, sink: any FrameSink, requestID: String?,
        settled: @escaping @Sendable (Result<Void, RequestError>) -> Void
    ) throws(RequestError) {
        try checkNotRetired()
        try checkCanWrite(principal, connection: sink.connectionID)
        enqueue(PendingSend(message: message, timeZone: principal.timeZone, sink: sink, requestID: requestID, settled: settled))
    }

    /// Delivers a message a moderator approved: it takes the next seq now, like any send.
    public func deliverApproved(_ message: NewMessage, timeZone: String?) async throws(RequestError) {
        try checkNotRetired()
        let result = await withCheckedContinuation { continuation in
            enqueue(PendingSend(message: message, timeZone: timeZone, sink: nil, requestID: nil) { continuation.resume(returning: $0) })
        }
        try result.get()
    }

    /// A moderator bot deletes a delivered message.
    public func moderatorDelete(msgID: String, by actor: String) async throws(RequestError) -> String {
        try checkNotRetired()
        let found: ChatMessage?
        do {
            found = try await store.message(org: org, room: id, id: msgID)
        } catch {
            throw storageFailure(error)
        }
        guard let message = found, message.deleted != true else { throw .notFound("message") }
        do {
            try await store.deleteMessage(org: org, room: id, id: msgID, at: clock.nowMS())
        } catch {
            throw storageFailure(error)
        }
        broadcastAndPublish(EventEncoder.frame(MessageDeleted(room: id, msgID: msgID, by: actor)))
        return message.from.id
    }

    /// An erased user's messages (already tombstones in the store) are gone for every joined session, on every node.
    public func announceErased(_ msgIDs: [String], by actor: String) {
        for msgID in msgIDs { broadcastAndPublish(EventEncoder.frame(MessageDeleted(room: id, msgID: msgID, by: actor))) }
    }

    /// `reply_to` must name a message of this room (not one of another room or org, nor a made-up id).
    public func checkReplyTarget(_ msgID: String) async throws(RequestError) {
        let found: ChatMessage?
        do {
            found = try await store.message(org: org, room: id, id: msgID)
        } catch {
            throw storageFailure(error)
        }
        guard found != nil else { throw RequestError(.notFound, "reply_to names no message of this room") }
    }

    /// The ack of the user's earlier send with this `client_msg_id` within the idempotency window, if any.
    public func previousAck(from user: String, clientMsgID: String) async throws(RequestError) -> StoredAck? {
        do {
            return try await store.storedAck(
                org: org, room: id, user: user, clientMsgID: clientMsgID, idempotentSince: clock.nowMS() - settings.idempotencyWindowMS)
        } catch {
            throw storageFailure(error)
        }
    }

    /// The author of a delivered message.
    public func author(of msgID: String) async throws(RequestError) -> String {
        try checkNotRetired()
        do {
            guard let message = try await store.message(org: org, room: id, id: msgID) else { throw RequestError.notFound("message") }
            return message.from.id
        } catch let error as RequestError {
            throw error
        } catch {
            throw storageFailure(error)
        }
    }

    private func enqueue(_ pending: PendingSend) {
        queue.append(pending)
        if !flushing {
            flushing = true
            Task { await self.flush() }
        }
    }

    /// An edit of someone else's message (an admin's, or the room creator's) is audited first.
    public func edit(_ principal: Principal, msgID: String, text: String, connection: UInt64) async throws(RequestError) {
        try checkNotRetired()
        try checkCanWrite(principal, connection: connection)
        let message = try await editableMessage(msgID, by: principal)
        try await auditChange("edit", of: message, by: principal)
        let now = clock.nowMS()
        do {
            try await store.editMessage(org: org, room: id, id: message.id, text: text, editedAt: now)
        } catch {
            throw storageFailure(error)
        }
        broadcastAndPublish(EventEncoder.frame(MessageEdited(room: id, msgID: msgID, text: text, editedAt: now, by: principal.user)))
    }

    /// A delete of someone else's message (an admin's, or the room creator's) is audited first.
    public func delete(_ principal: Principal, msgID: String, connection: UInt64) async throws(RequestError) {
        try checkNotRetired()
        try checkCanWrite(principal, connection: connection)
        let message = try await editableMessage(msgID, by: principal)
        try await auditChange("delete", of: message, by: principal)
        do {
            try await store.deleteMessage(org: org, room: id, id: message.id, at: clock.nowMS())
        } catch {
            throw storageFailure(error)
        }
        broadcastAndPublish(EventEncoder.frame(MessageDeleted(room: id, msgID: msgID, by: principal.user)))
    }

    private func auditChange(_ action: String, of message: ChatMessage, by principal: Principal) async throws(RequestError) {
        guard message.from.id != principal.user else { return }
        try await audit.record(AuditRecord(
            org: org, at: clock.nowMS(), actor: principal.user, action: action, room: id, msgID: message.id, subject: message.from.id))
    }

    public func react(_ principal: Principal, msgID: String, emoji: String, on: Bool, connection: UInt64) async throws(RequestError) {
        try checkNotRetired()
        try checkCanWrite(principal, connection: connection)
        let count: Int
        let author: String
        let now = clock.nowMS()
        do {
            guard let message = try await store.message(org: org, room: id, id: msgID), message.deleted != true else {
                throw RequestError.notFound("message")
            }
            let emojis = message.reactions ?? [:]
            if on, emojis[emoji] == nil, emojis.count >= Self.maxDistinctReactions {
                throw RequestError(.tooLarge, "a message holds at most \(Self.maxDistinctReactions) different reactions")
            }
            author = message.from.id
            count = try await store.setReaction(org: org, room: id, msgID: msgID, user: principal.user, emoji: emoji, on: on, at: now)
        } catch let error as RequestError {
            throw error
        } catch {
            throw storageFailure(error)
        }
        broadcastAndPublish(EventEncoder.frame(ReactionPush(room: id, msgID: msgID, emoji: emoji, user: principal.user, on: on, count: count)))
        activity.record(.reaction(
            org: org, room: id, msgID: msgID, emoji: emoji, reactor: principal.user, reactorRole: principal.role,
            author: author, on: on, at: now))
    }

    /// Raises the user's read position (capped at the latest seq) and pushes `read` when it rose.
    public func read(_ principal: Principal, seq: Int64, connection: UInt64) async throws(RequestError) {
        try checkNotRetired()
        try checkCanWrite(principal, connection: connection)
        let target = min(seq, lastSeq)
        guard target > readSeqs[principal.user, default: 0] else { return }
        let stored: Int64
        do {
            stored = try await store.setReadSeq(org: org, room: id, user: principal.user, seq: target)
        } catch {
            throw storageFailure(error)
        }
        guard stored > readSeqs[principal.user, default: 0] else { return }
        readSeqs[principal.user] = stored
        let frame = EventEncoder.frame(ReadPush(room: id, user: principal.user, seq: stored))
        broadcast(frame)
        publish(.read(user: principal.user, seq: stored), frame)
    }

    public func history(_ principal: Principal, before: Int64?, limit: Int) async throws(RequestError) -> (messages: [ChatMessage], hasMore: Bool) {
        try authorizeRead(principal)
        do {
            return try await store.history(org: org, room: id, beforeSeq: before, limit: limit)
        } catch {
            throw storageFailure(error)
        }
    }

    /// Reading (history, the room's leaderboard) is open to whoever may join.
    public func authorizeRead(_ principal: Principal) throws(RequestError) {
        try checkNotRetired()
        guard RoomPolicy.canJoin(principal, info) else { throw .forbidden("not allowed to read this room") }
    }

    // MARK: Pushes from presence and typing

    /// A typing indicator of one of this node's sessions: pushed here and on every other node.
    public func typing(_ frame: SharedFrame, user: String) {
        broadcast(frame, excludingUser: user)
        publish(.typing(user: user), frame)
    }

    // MARK: Events from other nodes

    /// Applies what another node did in this room.
    public func apply(_ change: RoomChange, frame: SharedFrame?) {
        switch change {
        case .none:
            if let frame { broadcast(frame) }
        case .message(let seq):
            if let frame { pushInOrder(seq: seq, frame) }
        case .typing(let user):
            if let frame { broadcast(frame, excludingUser: user) }
        case .read(let user, let seq):
            readSeqs[user] = max(readSeqs[user, default: 0], seq)
            if let frame { broadcast(frame) }
        case .memberAdded(let user):
            guard !info.members.contains(user) else { return }
            info.members.append(user)
            index.add(org: org, room: id, users: [user])
        case .memberRemoved(let user, let kicked):
            info.members.removeAll { $0 == user }
            index.remove(org: org, room: id, users: [user])
            if kicked, let frame { dropSessions(of: user, sending: frame) }
        case .retitled(let title):
            info.title = title
            if let frame { broadcast(frame) }
        case .archived(let at):
            info.archivedAt = at
            if let frame { broadcast(frame) }
        }
    }

    /// Pushes whatever the store holds beyond what this node has pushed (after the broker was
    /// down, or a gap that did not fill by itself).
    public func catchUp() async {
        do {
            while true {
                let missed = try await store.messages(org: org, room: id, afterSeq: lastSeq, limit: settings.recoveryMax)
                for message in missed { pushInOrder(seq: message.seq, EventEncoder.frame(MessagePush(room: id, msg: message))) }
                if missed.count < settings.recoveryMax { break }
            }
        } catch {
            logger.error("reading missed messages failed", metadata: ["room": "\(id)", "error": "\(error)"])
        }
    }

    /// Pushes a message in seq order: held back while an earlier seq is missing.
    private func pushInOrder(seq: Int64, _ frame: SharedFrame) {
        guard seq > lastSeq else { return }
        guard seq == lastSeq + 1 else {
            ahead[seq] = frame
            heldCounter.increment()
            scheduleGapFill()
            return
        }
        broadcast(frame)
        lastSeq = seq
        while let next = ahead.removeValue(forKey: lastSeq + 1) {
            broadcast(next)
            lastSeq += 1
        }
        // Anything at or below what was pushed is a duplicate now.
        if !ahead.isEmpty { ahead = ahead.filter { $0.key > lastSeq } }
    }

    /// A missing seq is usually in flight from another node: wait briefly, then read it.
    private func scheduleGapFill() {
        guard !gapFillScheduled else { return }
        gapFillScheduled = true
        let wait = settings.gapWaitMS
        Task {
            try? await Task.sleep(for: .milliseconds(wait))
            await self.fillGap()
        }
    }

    private func fillGap() async {
        gapFillScheduled = false
        guard !ahead.isEmpty else { return }
        gapReadsCounter.increment()
        await catchUp()
        if !ahead.isEmpty { scheduleGapFill() }
    }

    private func broadcastAndPublish(_ frame: SharedFrame) {
        broadcast(frame)
        publish(.none, frame)
    }

    private func publish(_ change: RoomChange, _ frame: SharedFrame?) {
        broker.publish(ClusterEvent(origin: broker.nodeID, org: org, body: .room(room: id, change: change, frame: frame)))
    }

    /// Queues one frame to every joined session here, optionally leaving out one user's sessions.
    public func broadcast(_ frame: SharedFrame, excludingUser excluded: String? = nil) {
        for subscriber in live.values where subscriber.user != excluded {
            subscriber.sink.send(frame)
        }
        for connection in joining.keys {
            joining[connection]?.append(frame)
        }
    }

    // MARK: Unloading

    /// Marks the room retired when nobody has been joined for `idleMS` and nothing is pending.
    func retireIfIdle(now: Int64, idleMS: Int64) -> Bool {
        guard live.isEmpty, joining.isEmpty, queue.isEmpty, !flushing, now - idleSince >= idleMS else { return false }
        retired = true
        index.remove(org: org, room: id, users: info.members)
        return true
    }

    /// Waits until every queued send has been stored and acknowledged (graceful shutdown).
    func drain() async {
        while flushing || !queue.isEmpty {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    // MARK: Internals

    private func flush() async {
        while !queue.isEmpty {
            let batch = Array(queue.prefix(settings.maxBatch))
            queue.removeFirst(batch.count)
            let since = clock.nowMS() - settings.idempotencyWindowMS
            do {
                let outcomes = try await store.appendMessages(org: org, room: id, batch.map(\.message), idempotentSince: since)
                let started = ContinuousClock.now
                for (pending, outcome) in zip(batch, outcomes) {
                    deliver(outcome, to: pending)
                }
                fanoutTimer.recordNanoseconds(Int64((ContinuousClock.now - started).components.attoseconds / 1_000_000_000))
            } catch {
                logger.error("storing messages failed", metadata: ["room": "\(id)", "count": "\(batch.count)", "error": "\(error)"])
                for pending in batch { pending.settled(.failure(.internalError)) }
            }
        }
        flushing = false
    }

    private func deliver(_ outcome: AppendOutcome, to pending: PendingSend) {
        switch outcome {
        case .stored(let message):
            pending.sink?.sendReply(EventEncoder.frame(Ack(
                re: pending.requestID, msgID: message.id, seq: message.seq, ts: message.ts, status: pending.message.status)))
            let frame = EventEncoder.frame(MessagePush(room: id, msg: message))
            publish(.message(seq: message.seq), frame)
            pushInOrder(seq: message.seq, frame)
            messagesCounter.increment()
            activity.record(.messageDelivered(org: org, room: id, user: message.from.id, timeZone: pending.timeZone, at: message.ts))
        case .duplicate(let ack):
            pending.sink?.sendReply(EventEncoder.frame(Ack(re: pending.requestID, ack)))
            duplicatesCounter.increment()
        }
        pending.settled(.success(()))
    }

    private func recovery(since: Int64?, epoch clientEpoch: String?, upTo: Int64) async throws -> (missed: [ChatMessage], recovered: Bool) {
        guard let since else { return ([], true) }
        let sameEpoch = clientEpoch == nil || clientEpoch == epoch
        if sameEpoch && since == upTo { return ([], true) }
        // A client ahead of the room holds seqs the store lost (a restore): it must re-sync, like a new epoch.
        let ahead = since > upTo
        if sameEpoch && !ahead && upTo - since <= Int64(settings.recoveryMax) {
            return (try await store.messages(org: org, room: id, afterSeq: since, limit: Int(upTo - since)), true)
        }
        let latest = try await store.history(org: org, room: id, beforeSeq: upTo + 1, limit: settings.recoveryMax)
        return (latest.messages, false)
    }

    private func presenceEntries() async throws -> [PresenceEntry] {
        let members = info.members
        let users = try await store.users(org: org, ids: members)
        let states = await presence.states(org: org, users: members)
        return users.map { user in
            let state = states[user.id]
            return PresenceEntry(
                user: user.id, name: user.name, role: user.role, status: state?.status ?? .offline,
                lastSeen: state?.lastSeen ?? user.lastSeen, readSeq: readSeqs[user.id, default: 0])
        }
    }

    private func addMember(_ user: String) async throws(RequestError) {
        do {
            try await store.addMember(org: org, room: id, user: user, at: clock.nowMS())
        } catch {
            throw storageFailure(error)
        }
        guard !info.members.contains(user) else { return }
        info.members.append(user)
        index.add(org: org, room: id, users: [user])
        publish(.memberAdded(user: user), nil)
    }

    private func removeMember(_ user: String) async throws(RequestError) {
        do {
            try await store.removeMember(org: org, room: id, user: user)
        } catch {
            throw storageFailure(error)
        }
        info.members.removeAll { $0 == user }
        index.remove(org: org, room: id, users: [user])
    }

    private func editableMessage(_ msgID: String, by principal: Principal) async throws(RequestError) -> ChatMessage {
        let found: ChatMessage?
        do {
            found = try await store.message(org: org, room: id, id: msgID)
        } catch {
            throw storageFailure(error)
        }
        guard let message = found, message.deleted != true else { throw .notFound("message") }
        guard message.from.id == principal.user || RoomPolicy.canModerate(principal, info) else {
            throw .forbidden("only the author, admins and the room's creator may change this message")
        }
        return message
    }

    private func checkCanWrite(_ principal: Principal, connection: UInt64) throws(RequestError) {
        guard RoomPolicy.canWrite(principal.role) else { throw .forbidden("guests are read-only") }
        guard isJoined(connection: connection) else { throw .forbidden("join the room first") }
        guard info.archivedAt == nil else { throw .forbidden("the room is archived: read-only", reason: "archived") }
    }

    private func checkNotRetired() throws(RequestError) {
        if retired { throw RoomRetired.error }
    }

    private func storageFailure(_ error: any Error) -> RequestError {
        logger.error("storage failed", metadata: ["room": "\(id)", "error": "\(error)"])
        return .internalError
    }
}

/// A retired room was unloaded while a caller held it; the registry reloads it and retries.
enum RoomRetired {
    static let error = RequestError(.unavailable, "room was unloaded; retry")
}
