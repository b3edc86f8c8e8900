/// Everything one run needs. Defaults here, then a scenario file, then command-line
/// overrides (see `SettingKey` for the names both use).
public struct LoadTestSettings: Sendable, Codable, Equatable {
    public var scenario: ScenarioKind = .fanout

    // Target
    /// WebSocket URLs of the node(s); clients are spread round-robin.
    public var urls: [String] = ["ws://127.0.0.1:8080/ws"]
    public var secret = "dev-secret-change-me-loopback-only-0123"
    public var org = "lt"
    /// Server process to sample (RSS, CPU); nil: found by the first URL's port when local.
    public var serverPID: Int?
    /// Prometheus endpoint; nil: `http://<first host>:<port>/metrics`.
    public var metricsURL: String?

    // Timing (seconds)
    public var durationSeconds = 10.0
    public var warmupSeconds = 2.0
    /// After the last send: how long to wait for outstanding acks and deliveries.
    public var drainSeconds = 5.0
    /// Limit for each setup phase (connect, create, join).
    public var setupTimeoutSeconds = 120.0

    // Connections
    public var connectRate = 2000.0
    public var connectConcurrency = 500

    // Messages
    public var messageBytes = 100
    public var p99TargetMS = 10.0
    /// idle: target server memory per authenticated connection.
    public var rssTargetKiB = 16.0
    /// storm: target time until every client recovered.
    public var recoveryTargetSeconds = 5.0

    // idle
    /// Connection counts to hold and measure, in increasing order (e.g. 5000,10000).
    public var connections: [Int] = [5000]
    /// Seconds to let the server settle before reading its memory.
    public var settleSeconds = 3.0
    /// Also join one shared room (memory of a joined rather than only authenticated session).
    public var idleJoin = false

    // fanout / storm / ramp(fanout) topology
    public var rooms = 1
    /// Members per room (publishers included).
    public var members = 500
    /// Publishers in total, spread over the rooms.
    public var publishers = 10
    /// Offered messages per second, all publishers together.
    public var rate = 200.0

    // mentoring
    public var mentors = 50
    public var studentsPerMentor = 10
    public var groups = 5
    public var groupSize = 20
    /// Messages per user per minute in mentoring (sets the rate unless `rate_override` is set).
    public var msgsPerMinute = 6.0
    /// Share of sends preceded by `typing on`.
    public var typingPercent = 50.0
    /// Each reader sends `read` at most this often per room.
    public var readIntervalMS = 2000
    /// Use `rate` instead of mentors/students × msgs_per_minute (for ramps).
    public var rateOverride = false

    // storm
    /// Seconds of traffic before the drop.
    public var stormAfterSeconds = 3.0
    /// Time between the drop and the reconnect attempts.
    public var stormDowntimeMS = 0
    /// Reconnects in flight at once; 0 = all at once.
    public var stormConcurrency = 0
    public var recoveryTimeoutSeconds = 30.0

    // ramp
    /// Topology the ramp drives: fanout or mentoring.
    public var rampTopology: ScenarioKind = .fanout
    public var rampStart = 100.0
    /// Multiply the rate by this each step (ignored when `ramp_step` > 0).
    public var rampFactor = 1.5
    /// Add this to the rate each step.
    public var rampStep = 0.0
    public var stepSeconds = 5.0
    public var maxSteps = 20
    /// After the search, run one step at half the highest passing rate.
    public var halfRateCheck = true

    // soak (the mentoring topology; `duration` defaults to 30 minutes)
    /// Every this many seconds, some clients leave and come back.
    public var churnIntervalSeconds = 5.0
    /// Share of the clients that leave at each churn.
    public var churnPercent = 2.0
    /// How long a leaving client stays away.
    public var churnDowntimeMS = 1000
    /// Share of sends followed by a reaction to the room's latest message.
    public var reactPercent = 20.0
    /// Share of sends followed by a `history` page request.
    public var historyPercent = 5.0
    /// Seconds between two samples of the server's RSS and open descriptors.
    public var sampleSeconds = 5.0
    /// Flat enough: RSS slope over the second half of the run, KiB per minute.
    public var rssSlopeTargetKiB = 256.0
    /// Flat enough: open-descriptor slope over the second half of the run, per minute.
    public var fdSlopeTarget = 1.0

    // Capacity plan
    public var planUsers = 100_000
    public var planOnlinePercent = 10.0
    public var planMsgsPerMinute = 2.0
    /// Deliveries per message (sessions joined to the average room, sender included).
    public var planRecipients = 2.0
    /// Run nodes at this share of the measured maximum.
    public var planHeadroomPercent = 70.0
    /// Connections one node holds; nil: the most this run held.
    public var planNodeConnections: Int?

    // Output
    /// Report directory; nil: loadtest/reports/<timestamp>-<scenario>.
    public var out: String?
    public var progress = true
    /// Prefix of room ids, unique per run so a reused database does not collide.
    public var runTag: String?

    public init() {}

    /// `duration` of a soak unless set: 30 minutes.
    public static let soakDefaultSeconds = 1800.0
}
