import Synchronization

/// The default broker. A single node has no hub: what it publishes goes nowhere. Several nodes
/// in one process (tests) share an `InProcessHub` and reach each other directly.
public final class InProcessBroker: ClusterBroker {
    public let nodeID: String
    private let hub: InProcessHub?

    public init(nodeID: String, hub: InProcessHub? = nil) {
        self.nodeID = nodeID
        self.hub = hub
    }

    public func publish(_ event: ClusterEvent) {
        guard let hub else { return }
        for receiver in hub.receivers(except: nodeID) { receiver.received(event) }
    }

    public func start(receiver: any ClusterReceiver) async throws {
        hub?.attach(nodeID, receiver)
    }

    public func stop() async {
        hub?.detach(nodeID)
    }

    public var isConnected: Bool { true }
    public var isClustered: Bool { hub != nil }
}

/// The nodes of one process that form a cluster (tests run two or three nodes this way).
public final class InProcessHub: Sendable {
    private let nodes = Mutex<[String: any ClusterReceiver]>([:])

    public init() {}

    func attach(_ nodeID: String, _ receiver: any ClusterReceiver) {
        nodes.withLock { $0[nodeID] = receiver }
    }

    func detach(_ nodeID: String) {
        _ = nodes.withLock { $0.removeValue(forKey: nodeID) }
    }

    func receivers(except nodeID: String) -> [any ClusterReceiver] {
        nodes.withLock { nodes in nodes.compactMap { $0.key == nodeID ? nil : $0.value } }
    }
}
