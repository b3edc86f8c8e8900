import Synchronization

/// The default broker: nodes in one process reach each other directly. A single node has no
/// peers, so what it publishes goes nowhere.
public final class InProcessBroker: ClusterBroker {
    public let nodeID: String
    private let hub: InProcessHub

    public init(nodeID: String, hub: InProcessHub = InProcessHub()) {
        self.nodeID = nodeID
        self.hub = hub
    }

    public func publish(_ event: ClusterEvent) {
        for receiver in hub.receivers(except: nodeID) { receiver.received(event) }
    }

    public func start(receiver: any ClusterReceiver) async throws {
        hub.attach(nodeID, receiver)
    }

    public func stop() async {
        hub.detach(nodeID)
    }

    public var isConnected: Bool { true }
    public var isClustered: Bool { hub.nodeCount > 1 }
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

    var nodeCount: Int { nodes.withLock { $0.count } }
}
