import Broker
import Rooms
import Synchronization

/// Asks the other nodes for a user's sessions (for the admin API's session list) and gathers
/// their answers: done when every node asked has answered, or at the timeout with what came.
final class SessionQueries: Sendable {
    /// Long enough for a broker round trip, short enough for an admin waiting on a page.
    static let timeout: Duration = .seconds(1)

    private struct Pending {
        var waiting: Set<String>
        var answers: [(node: String, sessions: [RemoteSession])] = []
        var continuation: CheckedContinuation<[(node: String, sessions: [RemoteSession])], Never>?
    }

    private let broker: any ClusterBroker
    private let pending = Mutex<[String: Pending]>([:])

    init(broker: any ClusterBroker) {
        self.broker = broker
    }

    /// The sessions of `user` on `nodes`, by node; nodes that did not answer in time are missing.
    func ask(org: String, user: String, nodes: [String]) async -> [(node: String, sessions: [RemoteSession])] {
        guard !nodes.isEmpty else { return [] }
        let requestID = RandomID.make("q")
        return await withCheckedContinuation { continuation in
            pending.withLock { $0[requestID] = Pending(waiting: Set(nodes), continuation: continuation) }
            broker.publish(ClusterEvent(origin: broker.nodeID, org: org, body: .sessionsQuery(requestID: requestID, user: user)))
            // Whatever came by then; a no-op when every node answered first.
            Task {
                try? await Task.sleep(for: Self.timeout)
                self.finish(requestID)
            }
        }
    }

    /// A node's answer (from the cluster link); answers to nobody's question are ignored.
    func answered(_ requestID: String, node: String, sessions: [RemoteSession]) {
        let done = pending.withLock { pending -> Bool in
            guard var query = pending[requestID], query.waiting.remove(node) != nil else { return false }
            query.answers.append((node, sessions))
            pending[requestID] = query
            return query.waiting.isEmpty
        }
        if done { finish(requestID) }
    }

    private func finish(_ requestID: String) {
        guard let query = pending.withLock({ $0.removeValue(forKey: requestID) }) else { return }
        query.continuation?.resume(returning: query.answers)
    }
}
