import Broker
import Configuration
import Logging

/// Picks the broker the configuration names: in-process for a single node.
enum ClusterBackend {
    static func broker(_ config: ServerConfig, logger: Logger) throws -> any ClusterBroker {
        InProcessBroker(nodeID: config.nodeID)
    }
}
