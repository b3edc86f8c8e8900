/// What the engine connects and how: the nodes, the simulated users and the rooms they use.
struct EngineSetup: Sendable {
    struct Endpoint: Sendable {
        /// Numeric address (resolved before the service thread starts).
        var address: String
        var port: Int
        var path: String
        var authority: String
        var tls: Bool
    }

    struct Client: Sendable {
        var user: String
        var role: String
        var token: String
        var endpoint: Int
    }

    struct Room: Sendable {
        enum Kind: Sendable { case group, direct }
        /// The room id; empty for a direct room until `direct.open` returns it.
        var id: String
        var kind: Kind
        var title: String
        var members: [String]
    }

    var endpoints: [Endpoint]
    var clients: [Client]
    var rooms: [Room]
    var messageBytes: Int
    var readIntervalMS: Int
    var connectRate: Double
    var connectConcurrency: Int
}

/// One setup request a client makes, in order, each after the previous reply.
enum ControlStep: Sendable, Equatable {
    case createRoom(room: Int)
    case openDirect(room: Int, peer: String)
    case join(room: Int, readReceipts: Bool)
    /// After a reconnect: join again with `since` and `epoch` of subscription `index`.
    case rejoin(subscription: Int)
}

/// Who sends where while traffic runs.
struct TrafficPlan: Sendable {
    struct Slot: Sendable, Equatable {
        var client: Int
        var room: Int
    }

    var slots: [Slot]
    var rate: Double
    /// Probability a send is preceded by `typing on`.
    var typingProbability: Double
    /// Probability a send is followed by a reaction to the room's latest acked message (soak).
    var reactProbability = 0.0
    /// Probability a send is followed by a `history` page request for its room (soak).
    var historyProbability = 0.0
}
