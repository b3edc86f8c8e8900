import Broker
import Gamification
import Logging
import Metrics
import Outbound
import Presence
import Review
import Rooms
import Wire

/// This node's end of the cluster: applies other nodes' events here, one at a time and in the
/// order they arrived; sends this node's heartbeat; notices nodes whose heartbeats stopped
/// (their users go offline here); and answers re-sync requests with this node's presence.
final class ClusterLink: ClusterReceiver {
    private enum Inbound {
        case event(ClusterEvent)
        case reconnected
        case tick
    }

    private let broker: any ClusterBroker
    private let rooms: RoomRegistry
    private let presence: PresenceTracker
    private let sessions: SessionRegistry
    private let mutes: MuteList
    private let review: ReviewDesk
    private let gamification: GamificationEngine
    private let sessionQueries: SessionQueries
    private let clock: any WallClock
    private let logger: Logger
    private let stream: AsyncStream<Inbound>
    private let continuation: AsyncStream<Inbound>.Continuation
    private let dropped = Counter(label: "rts_broker_dropped_total", dimensions: [("reason", "inbox_full")])
    private let nodesGauge = Gauge(label: "rts_cluster_nodes")

    init(
        broker: any ClusterBroker, rooms: RoomRegistry, presence: PresenceTracker, sessions: SessionRegistry, mutes: MuteList,
        review: ReviewDesk, gamification: GamificationEngine, sessionQueries: SessionQueries, clock: any WallClock, logger: Logger
    ) {
        self.gamification = gamification
        self.sessionQueries = sessionQueries
        self.broker = broker
        self.rooms = rooms
        self.presence = presence
        self.sessions = sessions
        self.mutes = mutes
        self.review = review
        self.clock = clock
        self.logger = logger
        // Bounded: a node that cannot keep up drops events (counted) rather than memory; messages
        // dropped here are read back from the store by the rooms' gap fill.
        (stream, continuation) = AsyncStream.makeStream(of: Inbound.self, bufferingPolicy: .bufferingOldest(200_000))
    }

    func received(_ event: ClusterEvent) {
        if case .dropped = continuation.yield(.event(event)) { dropped.increment() }
    }

    func reconnected() {
        continuation.yield(.reconnected)
    }

    /// Joins the cluster and applies events until `stop()`.
    func run() async {
        broker.publish(ClusterEvent(origin: broker.nodeID, org: "", body: .syncRequest))
        let ticker = Task { [continuation] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(ClusterTiming.heartbeatMS))
                continuation.yield(.tick)
            }
        }
        defer { ticker.cancel() }
        var lastHeard: [String: Int64] = [:]
        for await inbound in stream {
            switch inbound {
            case .event(let event):
                lastHeard[event.origin] = clock.nowMS()
                await apply(event)
            case .reconnected:
                logger.info("cluster broker reconnected; catching up rooms and presence")
                broker.publish(ClusterEvent(origin: broker.nodeID, org: "", body: .syncRequest))
                await publishPresenceSnapshot()
                await rooms.catchUp()
            case .tick:
                broker.publish(ClusterEvent(origin: broker.nodeID, org: "", body: .heartbeat))
                let now = clock.nowMS()
                for (node, heard) in lastHeard where now - heard > ClusterTiming.nodeTimeoutMS {
                    lastHeard[node] = nil
                    logger.warning("node stopped sending heartbeats; its users go offline here", metadata: ["peer": "\(node)"])
                    await presence.nodeGone(node)
                }
                nodesGauge.record(lastHeard.count + 1)
            }
        }
    }

    func stop() {
        continuation.finish()
    }

    private func apply(_ event: ClusterEvent) async {
        let org = event.org
        switch event.body {
        case .room(let room, let change, let frame):
            await rooms.apply(org: org, room: room, change: change, frame: frame)
        case .presence(let user, let online, let lastSeen):
            await presence.remote(org: org, user: user, node: event.origin, online: online, lastSeen: lastSeen)
        case .presenceSnapshot(let online):
            await presence.remoteSnapshot(org: org, node: event.origin, online: online)
        case .user(let user, let frame):
            sessions.notify(org: org, user: user, frame: frame)
        case .closeUser(let user, let code, let reason):
            for sink in sessions.sinks(org: org, user: user) { sink.close(code: code, reason: reason, flush: true) }
        case .closeSession(let user, let session, let code, let reason):
            sessions.session(org: org, user: user, id: session)?.sink.close(code: code, reason: reason, flush: true)
        case .mute(let room, let user, let until):
            mutes.mute(org: org, room: room, user: user, until: until)
        case .review(let msgID, let deadline, let frame):
            await review.heldElsewhere(org: org, msgID: msgID, deadline: deadline, frame: frame)
        case .score(let room, let period, let user, let name, let points):
            await gamification.remoteScore(org: org, room: room, period: period, user: user, name: name, points: points)
        case .userErased(let user):
            await gamification.forget(org: org, user: user)
        case .sessionsQuery(let requestID, let user):
            let local = sessions.sessions(org: org, user: user).map {
                RemoteSession(id: $0.id, connectedAt: $0.connectedAt, address: $0.address)
            }
            broker.publish(ClusterEvent(origin: broker.nodeID, org: org, body: .sessions(requestID: requestID, user: user, sessions: local)))
        case .sessions(let requestID, _, let remote):
            sessionQueries.answered(requestID, node: event.origin, sessions: remote)
        case .heartbeat:
            break
        case .syncRequest:
            await publishPresenceSnapshot()
        }
    }

    private func publishPresenceSnapshot() async {
        for (org, users) in await presence.localSnapshot() {
            broker.publish(ClusterEvent(origin: broker.nodeID, org: org, body: .presenceSnapshot(online: users)))
        }
    }
}

/// Frames for one user reach their sessions on every node.
struct ClusterNotifier: UserNotifier {
    let sessions: SessionRegistry
    let broker: any ClusterBroker

    func notify(org: String, user: String, frame: SharedFrame) {
        sessions.notify(org: org, user: user, frame: frame)
        broker.publish(ClusterEvent(origin: broker.nodeID, org: org, body: .user(user: user, frame: frame)))
    }
}
