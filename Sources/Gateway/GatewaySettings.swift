/// The limits sessions enforce, taken from the server configuration.
public struct GatewaySettings: Sendable {
    public var authTimeoutMS: Int = 5000
    public var heartbeatMS: Int = 25000
    public var maxText: Int = 4000
    public var maxFrameBytes: Int = 65536
    public var sendRate: Double = 5
    public var sendBurst: Double = 10
    public var frameRate: Double = 50
    public var frameBurst: Double = 100
    public var connRatePerIP: Double = 20
    public var connBurstPerIP: Double = 40
    /// More `rate_limited` replies than this within `rateLimitedWindowMS` closes the connection with 4008.
    public var rateLimitedCloseThreshold: Int = 50
    public var rateLimitedWindowMS: Int64 = 10_000
    public var maxSessionsPerUser: Int = 20
    /// Largest `history` reply: half of `max_outbound_bytes` (PROTOCOL.md, Rooms).
    public var replyByteBudget: Int = 1 << 19
    /// `/v1/*` HTTP requests per client IP.
    public var httpRatePerIP: Double = 10
    public var httpBurstPerIP: Double = 20

    public init() {}
}
