/// How a `RealtimeClient` connects, authenticates and reconnects.
public struct ClientConfiguration: Sendable {
    /// `ws://host:port/ws` or `wss://…`.
    public var url: String
    /// Returns a valid token (JWT) for the user; called for every connection and before each
    /// refresh, so it should fetch a fresh one from the app's backend when the last is near `exp`.
    public var token: @Sendable () async throws -> String
    /// How long a request waits for its reply.
    public var requestTimeout: Duration
    /// Reconnect delays: full jitter, a random wait up to `min(reconnectMax, reconnectBase · 2^attempt)`.
    public var reconnectBase: Duration
    public var reconnectMax: Duration
    /// The token is refreshed this long before its `exp` (or at half its lifetime when that is shorter).
    public var refreshMargin: Duration
    /// WebSocket pings this often; a connection that stops answering them is dropped and
    /// reconnected (a phone that changed networks often keeps a dead socket otherwise).
    public var pingInterval: Duration

    public init(
        url: String, token: @escaping @Sendable () async throws -> String, requestTimeout: Duration = .seconds(10),
        reconnectBase: Duration = .milliseconds(500), reconnectMax: Duration = .seconds(30), refreshMargin: Duration = .seconds(30),
        pingInterval: Duration = .seconds(30)
    ) {
        self.url = url
        self.token = token
        self.requestTimeout = requestTimeout
        self.reconnectBase = reconnectBase
        self.reconnectMax = reconnectMax
        self.refreshMargin = refreshMargin
        self.pingInterval = pingInterval
    }
}
