import Activity
import Broker
import Logging
import Metrics
import Outbound
import Presence
import Storage
import Wire

/// Finds, creates and loads rooms, one `Room` actor per loaded room, and routes presence
/// and typing changes to the rooms they concern. Idle rooms are unloaded.
public actor RoomRegistry {
    private struct RoomKey: Hashable {
        var org: String
        var id: String
    }

    private var loaded: [RoomKey: Room] = [:]
    private var loading: [RoomKey: Task<Room?, any Error>] = [:]
    private let index = MembershipIndex()
    private let store: any ChatStore
    private let audit: AuditTrail
    private let broker: any ClusterBroker
    private let presence: PresenceTracker
    private let activity: any ActivityFeed
    private let settings: RoomSettings
    private let clock: any WallClock
    private let logger: Logger
    private let loadedGauge = Gauge(label: "rts_rooms_loaded")

    public init(
        store: any ChatStore, audit: AuditTrail, broker: any ClusterBroker, presence: PresenceTracker, activity: any ActivityFeed,
        settings: RoomSettings, clock: any WallClock, logger: Logger
    ) {
        self.store = store
        self.audit = audit
        self.broker = broker
        self.presence = presence
        self.activity = activity
        self.settings = settings
        self.clock = clock
        self.logger = logger
    }

    /// Runs `body` on the loaded room, reloading once if it was unloaded in between.
    public func withRoom<T: Sendable>(
        org: String, id: String, _ body: @Sendable (Room) async throws(RequestError) -> T
    ) async throws(RequestError) -> T {
        do {
            return try await body(try await room(org: org, id: id))
        } catch let error where error == RoomRetired.error {
            return try await body(try await room(org: org, id: id))
        }
    }

    /// The room, loading it from storage on first use. Unknown ids (including other orgs' rooms) are `not_found`.
    public func room(org: String, id: String) async throws(RequestError) -> Room {
        let key = RoomKey(org: org, id: id)
        if let room = loaded[key] { return room }
        let task: Task<Room?, any Error>
        if let inFlight = loading[key] {
            task = inFlight
        } else {
            task = Task { try await self.load(key) }
            loading[key] = task
        }
        let result = await task.result
        loading[key] = nil
        switch result {
        case .success(let room?):
            return room
        case .success(nil):
            throw .notFound("room")
        case .failure(let error):
            logger.error("loading room failed", metadata: ["room": "\(id)", "error": "\(error)"])
            throw .internalError
        }
    }

    public func create(_ principal: Principal, _ request: ClientRequest.CreateRoom) async throws(RequestError) -> RoomInfo {
        guard RoomPolicy.canCreateGroup(principal.role) else { throw .forbidden("only admins and mentors create rooms") }
        guard !request.room.hasPrefix(DirectRoom.prefix) else { throw .badRequest("room ids starting with '\(DirectRoom.prefix)' are reserved") }
        var members = [principal.user]
        for member in request.members where !members.contains(member) { members.append(member) }
        let info = RoomInfo(
            id: request.room, kind: .group, title: request.title, visibility: request.visibility,
            members: members, createdBy: principal.user, createdAt: clock.nowMS())
        do {
            let known = try await store.users(org: principal.org, ids: members)
            if let unknown = members.first(where: { id in !known.contains { $0.id == id } }) {
                throw RequestError(.notFound, "user '\(unknown)' not found")
            }
            guard try await store.room(org: principal.org, id: info.id) == nil else { throw RequestError(.conflict, "room '\(request.room)' already exists") }
            try await audited(info, org: principal.org)
            guard try await store.createRoom(org: principal.org, info: info, epoch: RandomID.make("e")) else {
                throw RequestError(.conflict, "room '\(request.room)' already exists")
            }
        } catch let error as RequestError {
            throw error
        } catch {
            logger.error("creating room failed", metadata: ["room": "\(request.room)", "error": "\(error)"])
            throw .internalError
        }
        return info
    }

    /// The 1:1 room of the two users, created on first use; the same id whoever opens it.
    public func openDirect(_ principal: Principal, with other: String) async throws(RequestError) -> RoomInfo {
        guard other != principal.user else { throw .badRequest("cannot open a direct room with yourself") }
        let id = DirectRoom.id(principal.user, other)
        do {
            guard let peer = try await store.user(org: principal.org, id: other) else { throw RequestError.notFound("user") }
            guard RoomPolicy.canOpenDirect(principal.role, with: peer.role) else {
                throw RequestError.forbidden("\(principal.role.rawValue)s may not open a direct room with a \(peer.role.rawValue)")
            }
            if let existing = try await store.room(org: principal.org, id: id) { return existing.info }
            let info = RoomInfo(
                id: id, kind: .direct, title: "", visibility: .private, members: [principal.user, other].sorted(),
                createdBy: principal.user, createdAt: clock.nowMS())
            try await audited(info, org: principal.org)
            if try await store.createRoom(org: principal.org, info: info, epoch: RandomID.make("e")) { return info }
            // Both users opened it at once: the other call created it.
            guard let created = try await store.room(org: principal.org, id: id) else { throw RequestError.internalError }
            return created.info
        } catch let error as RequestError {
            throw error
        } catch {
            logger.error("opening direct room failed", metadata: ["error": "\(error)"])
            throw .internalError
        }
    }

    /// Records a room's creation, with its first members, before it is stored.
    private func audited(_ info: RoomInfo, org: String) async throws(RequestError) {
        try await audit.record(AuditRecord(
            org: org, at: info.createdAt, actor: info.createdBy, action: "room_create", room: info.id,
            detail: "\(info.kind.rawValue), \(info.visibility.rawValue), members: \(info.members.joined(separator: ","))"))
    }

    /// Unloads rooms nobody has joined for a while. Called periodically, never per message.
    public func unloadIdleRooms() async {
        let now = clock.nowMS()
        for (key, room) in loaded where await room.retireIfIdle(now: now, idleMS: settings.idleUnloadMS) {
            loaded[key] = nil
        }
        loadedGauge.record(loaded.count)
    }

    /// What another node did in a room: applied when the room is loaded here (otherwise the
    /// store has it for whoever loads the room later).
    public func apply(org: String, room: String, change: RoomChange, frame: SharedFrame?) async {
        await loaded[RoomKey(org: org, id: room)]?.apply(change, frame: frame)
    }

    /// Every loaded room pushes what the store holds beyond what it pushed (the broker was down).
    public func catchUp() async {
        for room in loaded.values { await room.catchUp() }
    }

    /// Rooms in memory.
    public var loadedCount: Int { loaded.count }

    /// Waits for every loaded room to store and acknowledge its queued sends.
    public func drain() async {
        for room in loaded.values { await room.drain() }
    }

    private func load(_ key: RoomKey) async throws -> Room? {
        guard let stored = try await store.room(org: key.org, id: key.id) else { return nil }
        let reads = try await store.readSeqs(org: key.org, room: key.id)
        if let room = loaded[key] { return room }
        let room = Room(
            org: key.org, stored: stored, readSeqs: reads, store: store, audit: audit, broker: broker, presence: presence, activity: activity,
            index: index,
            settings: settings, clock: clock, logger: logger)
        index.add(org: key.org, room: key.id, users: stored.info.members)
        loaded[key] = room
        loadedGauge.record(loaded.count)
        return room
    }

    private func loadedRooms(org: String, user: String) -> [Room] {
        index.rooms(org: org, user: user).compactMap { loaded[RoomKey(org: org, id: $0)] }
    }
}

extension RoomRegistry: PresenceBroadcaster {
    public func presenceChanged(org: String, user: String, status: PresenceStatus, lastSeen: Int64) async {
        for room in loadedRooms(org: org, user: user) {
            await room.broadcast(EventEncoder.frame(PresencePush(room: room.id, user: user, status: status, lastSeen: lastSeen)))
        }
    }
}

extension RoomRegistry: TypingBroadcaster {
    public func typingChanged(org: String, room: String, user: String, on: Bool) async {
        guard let target = loaded[RoomKey(org: org, id: room)] else { return }
        await target.typing(EventEncoder.frame(TypingPush(room: room, user: user, on: on)), user: user)
    }
}

/// Direct (1:1) rooms have a reserved id derived from both user ids, whoever opens it.
public enum DirectRoom {
    public static let prefix = "dm:"

    /// `dm:<length of first>:<first>:<second>` with the ids sorted: unambiguous even when ids contain ':'.
    public static func id(_ a: String, _ b: String) -> String {
        let (first, second) = a < b ? (a, b) : (b, a)
        return "\(prefix)\(first.utf8.count):\(first):\(second)"
    }
}
