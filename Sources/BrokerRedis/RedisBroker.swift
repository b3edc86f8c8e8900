import Broker
import Logging
import Metrics
import Synchronization

/// The cluster broker over Redis pub/sub: every node PUBLISHes its events on one channel and
/// SUBSCRIBEs to it, skipping its own.
///
/// Two connections, each on its own thread: one for PUBLISH (pipelined, bounded, never blocks
/// `publish`) and one subscribed. Delivery is at most once and in publish order per origin
/// (one connection per node and Redis' single-threaded fan-out keep it); losses are survived,
/// not hidden: `isConnected` turns false, the loss is logged once, and after the subscriber is
/// back the receiver hears `reconnected()` so it can catch up from the store.
///
/// One channel: every node needs nearly every org's events (a room's members sit on any node),
/// a fixed subscription count keeps reconnects cheap, and Redis pub/sub costs per message and
/// subscriber, not per channel. A large deployment shards it: `rts:events:{shard}` with the
/// shard a hash of the org (or org and room), each node subscribing to the shards it holds
/// sessions for, spread over several Redis instances by consistent hashing; on Redis Cluster
/// the braces make the shard a hash tag (or use sharded pub/sub, SSUBSCRIBE/SPUBLISH, in Redis 7)
/// so a shard's messages stay on one cluster node. Order per origin then holds per shard, which
/// is all the rooms need (a room's events always hash to one shard).
public final class RedisBroker: ClusterBroker {
    /// The one channel every node publishes on and subscribes to.
    public static let channel = "rts:events"
    /// How long `start` keeps trying before it throws.
    public static let startTimeout: Duration = .seconds(5)

    public let nodeID: String
    public let url: RedisURL
    private let core: Core
    private let commands: RedisConnection
    private let subscriber: RedisSubscriber

    /// - Parameters:
    ///   - maxPending: PUBLISHes that may wait for Redis; beyond it `publish` drops (counted).
    public init(url: RedisURL, nodeID: String, logger: Logger, maxPending: Int = 100_000, timeouts: RedisTimeouts = RedisTimeouts()) {
        self.url = url
        self.nodeID = nodeID
        var logger = logger
        logger[metadataKey: "redis"] = "\(url.endpoint)"
        logger[metadataKey: "node"] = "\(nodeID)"
        let core = Core(nodeID: nodeID, logger: logger)
        self.core = core
        commands = RedisConnection(
            url: url, name: "publish", logger: logger, maxPending: maxPending, timeouts: timeouts,
            onEvent: { core.commandEvent($0) }, onSendReply: { core.published($0, latencyNanos: $1) }
        )
        subscriber = RedisSubscriber(
            url: url, channels: [Self.channel], name: "subscribe", logger: logger, timeouts: timeouts,
            onEvent: { core.subscriberEvent($0) }, onMessage: { _, payload in core.message(payload) }
        )
    }

    /// Parses `url` (`redis://[:password@]host:port[/db]`).
    public convenience init(url: String, nodeID: String, logger: Logger) throws {
        self.init(url: try RedisURL(parsing: url), nodeID: nodeID, logger: logger)
    }

    public func publish(_ event: ClusterEvent) {
        var command = RedisCommand()
        command.append("PUBLISH")
        command.append(Self.channel)
        command.appendArgument(reservingCapacity: ClusterEventCodec.estimatedSize(event) + 32) { buffer in
            ClusterEventCodec.encode(event, into: &buffer)
        }
        commands.send(command)
    }

    /// Connects both connections and subscribes; throws `RedisError.unreachable` ("redis at
    /// host:port unreachable: …") when that has not happened within about 5 s.
    public func start(receiver: any ClusterReceiver) async throws {
        core.attach(receiver)
        commands.start()
        subscriber.start()
        let deadline = ContinuousClock.now + Self.startTimeout
        while !(commands.isConnected && subscriber.isSubscribed) {
            if ContinuousClock.now >= deadline || Task.isCancelled {
                let why = subscriber.lastFailure ?? commands.lastFailure
                await stop()
                throw RedisError.unreachable("redis at \(url.endpoint) unreachable: \(why.map { "\($0)" } ?? "no reply within \(Self.startTimeout)")")
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        core.started()
    }

    public func stop() async {
        core.stopping()
        await subscriber.stop()
        await commands.stop()
        core.stopped()
    }

    public var isConnected: Bool { commands.isConnected && subscriber.isSubscribed }
    public var isClustered: Bool { true }

    /// What both connections' threads report to; holds the receiver and the metrics.
    final class Core: Sendable {
        let nodeID: String
        let nodeIDBytes: [UInt8]
        let logger: Logger

        private struct State {
            var receiver: (any ClusterReceiver)?
            var started = false
            var stopping = false
            var commandUp = false
            var subscriberUp = false
            /// What was last announced (logged and in the gauge).
            var announced = false
            var everUp = false
        }

        private let state = Mutex(State())

        private let connectedGauge = Gauge(label: "rts_broker_connected")
        private let reconnects = Counter(label: "rts_broker_reconnects_total")
        private let publishedCounter = Counter(label: "rts_broker_published_total")
        private let receivedCounter = Counter(label: "rts_broker_received_total")
        private let droppedMalformed = Counter(label: "rts_broker_dropped_total", dimensions: [("reason", "malformed")])
        private let droppedUnknownVersion = Counter(label: "rts_broker_dropped_total", dimensions: [("reason", "unknown_version")])
        private let droppedRedisError = Counter(label: "rts_broker_dropped_total", dimensions: [("reason", "redis_error")])
        private let publishLag = Metrics.Timer(label: "rts_broker_publish_lag_seconds")

        init(nodeID: String, logger: Logger) {
            self.nodeID = nodeID
            nodeIDBytes = Array(nodeID.utf8)
            self.logger = logger
            connectedGauge.record(0)
        }

        func attach(_ receiver: any ClusterReceiver) {
            state.withLock { $0.receiver = receiver }
        }

        func started() {
            let announce = state.withLock { state in
                state.started = true
                return transition(&state)
            }
            announce?()
        }

        func stopping() {
            state.withLock { $0.stopping = true }
        }

        func stopped() {
            state.withLock { state in
                state.commandUp = false
                state.subscriberUp = false
                state.announced = false
            }
            connectedGauge.record(0)
        }

        func commandEvent(_ event: RedisConnection.Event) {
            let announce: (() -> Void)? = state.withLock { state in
                switch event {
                case .connected(let reconnect):
                    if reconnect { reconnects.increment() }
                    state.commandUp = true
                case .connectFailed, .disconnected:
                    state.commandUp = false
                }
                return transition(&state, cause: event.failure)
            }
            announce?()
        }

        func subscriberEvent(_ event: RedisSubscriber.Event) {
            var receiverToTell: (any ClusterReceiver)?
            let announce: (() -> Void)? = state.withLock { state in
                switch event {
                case .subscribed(let resubscribe):
                    state.subscriberUp = true
                    if resubscribe {
                        reconnects.increment()
                        receiverToTell = state.receiver
                    }
                case .connectFailed, .disconnected:
                    state.subscriberUp = false
                }
                return transition(&state, cause: event.failure)
            }
            announce?()
            receiverToTell?.reconnected()
        }

        /// Updates what is announced; returns the log line and gauge change to make outside the lock.
        private func transition(_ state: inout State, cause: RedisError? = nil) -> (() -> Void)? {
            let up = state.commandUp && state.subscriberUp
            guard state.started, !state.stopping, up != state.announced else { return nil }
            let wasUpBefore = state.everUp
            state.announced = up
            if up { state.everUp = true }
            let logger = logger
            let gauge = connectedGauge
            return {
                gauge.record(up ? 1 : 0)
                if up && wasUpBefore {
                    logger.warning("redis broker reconnected: events between nodes flow again (some may have been lost)")
                } else if up {
                    logger.info("redis broker connected: events flow between nodes")
                } else {
                    logger.error(
                        "redis broker disconnected: events to and from other nodes are lost until it reconnects",
                        metadata: ["error": "\(cause.map { "\($0)" } ?? "unknown")"])
                }
            }
        }

        func published(_ reply: RedisReply?, latencyNanos: UInt64) {
            switch reply {
            case nil:
                break  // counted by the connection (connection_lost)
            case .error(let message)?:
                droppedRedisError.increment()
                logger.debug("redis refused a PUBLISH", metadata: ["error": "\(message)"])
            case _?:
                publishedCounter.increment()
                publishLag.recordNanoseconds(Int64(clamping: latencyNanos))
            }
        }

        func message(_ payload: UnsafeRawBufferPointer) {
            if ClusterEventCodec.hasOrigin(payload, nodeIDBytes) { return }
            let event: ClusterEvent
            do {
                event = try ClusterEventCodec.decode(payload)
            } catch {
                if case .unknownVersion = error { droppedUnknownVersion.increment() } else { droppedMalformed.increment() }
                logger.debug("dropped a cluster event that does not decode", metadata: ["error": "\(error)", "bytes": "\(payload.count)"])
                return
            }
            guard let receiver = state.withLock({ $0.receiver }) else { return }
            receivedCounter.increment()
            receiver.received(event)
        }
    }
}

extension RedisConnection.Event {
    var failure: RedisError? {
        switch self {
        case .connected: nil
        case .connectFailed(let error), .disconnected(let error): error
        }
    }
}

extension RedisSubscriber.Event {
    var failure: RedisError? {
        switch self {
        case .subscribed: nil
        case .connectFailed(let error), .disconnected(let error): error
        }
    }
}
