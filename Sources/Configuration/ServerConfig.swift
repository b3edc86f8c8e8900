import Foundation

/// Every setting of the server, loaded once at start (file, then `RTS_*` environment).
/// Built-in defaults come from `init()`; build one in code with `var c = ServerConfig.defaults`.
public struct ServerConfig: Sendable, Equatable {
    public enum LogFormat: String, Sendable, Equatable, CaseIterable {
        case plain, json
    }

    /// What happens to a held message nobody reviews within `reviewTimeoutMS`.
    public enum HoldDefault: String, Sendable, Equatable, CaseIterable {
        case reject, approve
    }

    /// SQLite `synchronous` for the chat store: `full` fsyncs every commit (an ack survives a power cut).
    public enum SQLiteSynchronous: String, Sendable, Equatable, CaseIterable {
        case full, normal
    }

    /// swift-log's level names.
    public static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    // MARK: listener and security
    public var host = "127.0.0.1"
    public var port = 8080
    /// HS256 secret. Empty by default, which `validate()` rejects: a deployment must set one.
    public var jwtSecret = ""
    /// PEM public key enabling RS256 or ES256 in addition to HS256.
    public var jwtPublicKeyFile: String?
    public var tlsCert: String?
    public var tlsKey: String?
    /// Allowed `Origin` values for the WebSocket handshake; empty allows any.
    public var allowedOrigins: [String] = []
    /// Serve a plain echo WebSocket at `/echo` (for conformance suites).
    public var conformanceEcho = false
    /// Serve the web app (the static files of `webDir`) at `/app`.
    public var webApp = true
    public var webDir = "web"
    /// Serve `/metrics` on this port instead of the main one.
    public var metricsPort: Int?
    /// Address the `metrics_port` listener binds; loopback keeps metrics off the network by default.
    public var metricsHost = "127.0.0.1"
    /// IPs or CIDRs of load balancers whose `X-Forwarded-For` names the client for per-IP limits.
    public var trustedProxies: [String] = []
    /// Required `iss` of tokens, when set.
    public var jwtIssuer: String?
    /// Required `aud` of tokens, when set.
    public var jwtAudience: String?
    /// Longest accepted token lifetime in seconds (a week by default).
    public var maxTokenLifetimeS = 604_800

    // MARK: storage and cluster
    public var dataDir = "data"
    /// SQLite file; nil means `<dataDir>/realtime.sqlite` (see `sqlitePath`).
    public var dbPath: String?
    /// `postgres://…` shared store for cluster mode.
    public var databaseURL: String?
    /// Cluster mode when set.
    public var redisURL: String?
    /// `load` replaces this with `<hostname>-<pid>` unless configured.
    public var nodeID = "node-1"
    public var sqliteSynchronous = SQLiteSynchronous.full
    /// Encryption at rest: a file of `<id>:<base64 key>` entries (the first seals new values) …
    public var encryptionKeysFile: String?
    /// … or the same entries inline, comma-separated (for `RTS_ENCRYPTION_KEYS`). Neither: plaintext.
    public var encryptionKeys: String?

    // MARK: logging
    public var logLevel = "info"
    public var logFormat = LogFormat.plain

    // MARK: protocol limits and timers
    public var maxFrameBytes = 65536
    public var authTimeoutMS = 5000
    public var heartbeatMS = 25000
    public var maxText = 4000
    public var recoveryMax = 500
    public var presenceGraceMS = 5000
    public var maxOutboundBytes = 1_048_576
    public var shutdownGraceMS = 10000
    public var typingTimeoutMS = 6000
    public var typingDedupMS = 2000
    public var idempotencyWindowMS = 86_400_000

    // MARK: retention (days; 0 keeps forever)
    public var messageRetentionDays = 0
    public var auditRetentionDays = 0
    /// Per-org exceptions, `<org>=<message days>/<audit days>` (see `retentionOverridesByOrg`).
    public var retentionOverrides: [String] = []
    /// How often the retention job runs.
    public var retentionIntervalS = 3600

    // MARK: gamification
    public var dailyMessagePoints = 20
    /// Default time zone of orgs (days, ISO weeks).
    public var orgTimezone = "UTC"

    // MARK: moderation
    public var reviewTimeoutMS = 60000
    public var holdDefault = HoldDefault.reject
    /// Moderation rules, lists and model (`default.json`, `orgs/<org>.json`); "" turns screening off.
    public var moderationDir = "config/moderation"

    // MARK: rate limits (token buckets; rates per second)
    public var sendRate = 5.0
    public var sendBurst = 10
    public var frameRate = 50.0
    public var frameBurst = 100
    public var connRatePerIP = 20.0
    public var connBurstPerIP = 40
    /// More `rate_limited` replies than this within 10 s closes the connection with 4008.
    public var rateLimitedCloseThreshold = 50
    /// Per-user buckets for the other operations: edit and delete; react; typing, read and
    /// presence.set; history; room.create and direct.open; subscribe and unsubscribe.
    public var editRate = 2.0
    public var editBurst = 10
    public var reactRate = 5.0
    public var reactBurst = 20
    public var signalRate = 5.0
    public var signalBurst = 20
    public var historyRate = 5.0
    public var historyBurst = 20
    public var roomRate = 5.0
    public var roomBurst = 50
    public var subscribeRate = 2.0
    public var subscribeBurst = 10
    /// Authenticated sessions one user may hold at once (phones, tablets, browser tabs).
    public var maxSessionsPerUser = 20
    /// Open WebSocket connections allowed from one client IP; more are refused with HTTP 429.
    public var maxConnectionsPerIP = 1000
    /// `/v1/*` HTTP requests per client IP.
    public var httpRatePerIP = 10.0
    public var httpBurstPerIP = 20

    public init() {}

    public static let defaults = ServerConfig()

    /// The SQLite file actually used.
    public var sqlitePath: String { dbPath ?? dataDir + "/realtime.sqlite" }
}
