/// Carries events between the nodes of a cluster. Rooms, presence, review and gamification
/// publish through it and never know which implementation it is: `InProcessBroker` (single
/// node, or several nodes in one process) or the Redis broker (`BrokerRedis`).
///
/// Delivery is at most once and in publish order per origin; nothing durable depends on it
/// (the store orders messages and clients recover gaps with `since`).
public protocol ClusterBroker: Sendable {
    /// This node's id; every event it publishes carries it.
    var nodeID: String { get }
    /// Hands the event to every other node. Never blocks and never awaits: rooms call it inline.
    func publish(_ event: ClusterEvent)
    /// Starts delivering other nodes' events, in order, to `receiver`. Called once.
    func start(receiver: any ClusterReceiver) async throws
    /// Stops delivery and releases connections.
    func stop() async
    /// Whether events currently reach the other nodes (and theirs reach this one).
    var isConnected: Bool { get }
    /// Whether this broker links several nodes (false: events go nowhere, nothing to wait for).
    var isClustered: Bool { get }
}

/// Where a broker hands other nodes' events. Called from the broker's own thread or task, one
/// event at a time and in order; implementations must return quickly and never block.
public protocol ClusterReceiver: Sendable {
    func received(_ event: ClusterEvent)
    /// The broker lost and regained its connection: events in between may be lost.
    func reconnected()
}
