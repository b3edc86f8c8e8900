import Logging
import Metrics
import Synchronization

/// Whether the node can serve: the store answers and, in a cluster, the broker is connected.
/// A background check updates it; `/readyz` reads it on the transport thread, and each change
/// is logged once (an operator sees "broker disconnected" and "broker connected" lines).
final class Readiness: Sendable {
    struct State: Sendable, Equatable {
        var storeHealthy = false
        /// nil for a single node (no broker to be connected to).
        var brokerConnected: Bool?
        /// Graceful shutdown began: no new work, whatever the dependencies say.
        var stopping = false

        var isReady: Bool { !stopping && storeHealthy && brokerConnected != false }

        /// The `/readyz` body: one line per dependency.
        var text: String {
            let store = "store: \(storeHealthy ? "ok" : "unavailable")\n"
            let broker = brokerConnected.map { "broker: \($0 ? "connected" : "disconnected")\n" } ?? ""
            return (isReady ? "ready\n" : stopping ? "not ready: shutting down\n" : "not ready\n") + store + broker
        }
    }

    private let state = Mutex(State())
    private let storeGauge = Gauge(label: "rts_store_healthy")

    var current: State { state.withLock { $0 } }

    func stop() {
        state.withLock { $0.stopping = true }
    }

    func update(_ new: State, logger: Logger) {
        let previous: State? = state.withLock { state in
            guard !state.stopping else { return nil }
            defer { state = new }
            return state
        }
        storeGauge.record(new.storeHealthy ? 1 : 0)
        guard let old = previous, old != new else { return }
        if old.storeHealthy != new.storeHealthy {
            if new.storeHealthy { logger.info("store reachable") } else { logger.error("store unavailable: requests that need it fail until it returns") }
        }
        if let connected = new.brokerConnected, old.brokerConnected != new.brokerConnected {
            if connected {
                logger.info("broker connected: events reach the other nodes")
            } else {
                logger.error("broker disconnected: serving this node's sessions only until it returns")
            }
        }
    }
}
