import Broker
import Configuration
import Foundation
import Gateway
import Logging
import StorageBackends

/// Several in-process nodes on ephemeral ports that form one cluster: one shared store (the
/// configured backend) and an `InProcessHub` as their broker. The multi-process tests use
/// Redis and PostgreSQL; these check the cluster logic itself, quickly.
struct TestCluster {
    let nodes: [TestServer]
    /// The PostgreSQL database of the suite's PostgreSQL pass (RTS_CONFORMANCE_DATABASE_URL), dropped on stop.
    let database: ConformanceDatabase?

    static func start(nodes count: Int, _ configure: (inout ServerConfig) -> Void = { _ in }) async throws -> TestCluster {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rts-cluster-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var config = TestServer.baseConfig(directory: directory)
        configure(&config)
        var logger = Logger(label: "conformance.cluster")
        logger.logLevel = ProcessInfo.processInfo.environment["CONFORMANCE_SERVER_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        let database = try await ConformanceDatabase.createIfConfigured(logger: logger)
        if let database { config.databaseURL = database.url }
        let store = try await StorageBackend.open(config, logger: logger)
        let hub = InProcessHub()
        var nodes: [TestServer] = []
        for index in 0..<count {
            var nodeConfig = config
            nodeConfig.nodeID = "node-\(index)"
            let node = try RealtimeNode(
                config: nodeConfig, store: store, broker: InProcessBroker(nodeID: nodeConfig.nodeID, hub: hub), logger: logger)
            try await node.start()
            nodes.append(try TestServer(node: node, config: nodeConfig, directory: directory))
        }
        return TestCluster(nodes: nodes, database: database)
    }

    func stop() async {
        for node in nodes { await node.node.shutdown() }
        await database?.drop()
        if let directory = nodes.first?.directory { try? FileManager.default.removeItem(at: directory) }
    }
}

/// Runs `body` against a fresh cluster, stopping it afterwards even when `body` throws.
func withCluster<T>(
    nodes: Int = 2, _ configure: (inout ServerConfig) -> Void = { _ in }, _ body: (TestCluster) async throws -> T
) async throws -> T {
    let cluster = try await TestCluster.start(nodes: nodes, configure)
    do {
        let result = try await body(cluster)
        await cluster.stop()
        return result
    } catch {
        await cluster.stop()
        throw error
    }
}
