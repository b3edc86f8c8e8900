/// Everything a run measured; written as result.json and rendered as report.md and latency.svg.
public struct RunResult: Codable, Sendable {
    public var tool = "rts-loadtest"
    public var scenario: ScenarioKind
    public var startedAt: String
    public var commit: String?
    public var host: HostInfo
    public var settings: LoadTestSettings
    public var serverPID: Int?
    public var setup: SetupResult
    public var steps: [StepResult] = []
    public var idle: [IdleSample] = []
    public var storm: StormResult?
    public var soak: SoakResult?
    public var loss: LossResult
    public var totals: Totals
    public var verdicts: [Verdict] = []
    /// Which side limited the run, from both sides' CPU.
    public var bottleneck: String
    public var capacity: CapacityPlan?
    public var serverMetrics: [String: Double]?
}

public struct HostInfo: Codable, Sendable, Equatable {
    public var cores: Int
    public var memoryBytes: Int
    public var openFileLimit: Int
}

public struct SetupResult: Codable, Sendable, Equatable {
    public var clients: Int
    public var ready: Int
    public var connectFailures: Int
    public var seconds: Double
    /// TCP + WebSocket handshake, ms.
    public var connect: LatencySummary
    /// `auth` sent → `hello`, ms.
    public var auth: LatencySummary
}

/// One measured interval at one offered rate.
public struct StepResult: Codable, Sendable, Equatable {
    public var label: String
    /// Messages per second asked of the publishers.
    public var offeredRate: Double
    public var seconds: Double
    public var sentPerSecond: Double
    public var ackedPerSecond: Double
    public var deliveriesPerSecond: Double
    /// What the acks promise (joined subscribers per acked message), per second.
    public var expectedDeliveriesPerSecond: Double
    /// send → deliver, from the time embedded in each message.
    public var latency: LatencySummary
    /// send → ack.
    public var ackLatency: LatencySummary
    public var gaps: Int
    public var duplicates: Int
    public var errors: Int
    public var unexpectedCloses: Int
    /// Sends issued more than 5 ms late (the generator's schedule slipped).
    public var lateSends: Int
    public var serverCPUPercent: Double?
    public var serverRSSBytes: Int?
    public var generatorCPUPercent: Double
    public var serviceThreadCPUPercent: Double?
    public var passed: Bool?
    public var failure: String?
}

/// Server memory while holding `connections` authenticated sessions.
public struct IdleSample: Codable, Sendable, Equatable {
    public var connections: Int
    public var authenticated: Int
    public var baselineRSSBytes: Int?
    public var serverRSSBytes: Int?
    /// (RSS − baseline) / authenticated.
    public var bytesPerConnection: Double?
    public var generatorRSSBytes: Int?
    public var serverMetrics: [String: Double]?
}

public struct StormResult: Codable, Sendable, Equatable {
    public var clients: Int
    public var recovered: Int
    /// Drop → the last client rejoined with everything it missed, seconds.
    public var allRecoveredSeconds: Double?
    /// Per client, drop → recovered, ms.
    public var recovery: LatencySummary
    public var replayedMessages: Int
    public var reconnectFailures: Int
}

public struct LossResult: Codable, Sendable, Equatable {
    public var subscriptions: Int
    /// Deliveries due: for each client and room, seqs after it joined up to the room's last.
    public var expected: Int64
    public var missing: Int64
    public var duplicates: Int64
    /// Seqs the server declared unrecoverable (`recovered:false`), not in `missing`.
    public var unrecoverable: Int64
    /// Subscriptions whose client was not connected and joined at the end.
    public var detached: Int
    /// False when deliveries were still missing after the drain (counted in `missing`).
    public var drained: Bool = true
}

public struct Totals: Codable, Sendable, Equatable {
    public var sent: Int
    public var sendsSkipped: Int
    public var acked: Int
    public var sendErrors: Int
    public var moderated: Int
    public var deliveries: Int
    public var replayed: Int
    public var typingSent: Int
    public var readsSent: Int
    public var typingPushes: Int
    public var readPushes: Int
    public var presencePushes: Int
    public var strayPushes: Int
    public var unexpectedCloses: Int
    public var errors: [String: Int]
    public var closeCodes: [String: Int]
}

/// One target check, e.g. "p99 at half the max rate < 10 ms".
public struct Verdict: Codable, Sendable, Equatable {
    public var name: String
    public var target: String
    public var measured: String
    public var passed: Bool
}

/// What a soak measured: the server's memory and descriptors over time, and their trends.
public struct SoakResult: Codable, Sendable, Equatable {
    public struct Sample: Codable, Sendable, Equatable {
        /// Seconds since traffic started.
        public var seconds: Double
        public var rssKiB: Int
        public var openFiles: Int
        public var ready: Int
    }

    public var samples: [Sample]
    /// Least-squares slopes over the whole run and over its second half (past the warm-up growth
    /// of allocator arenas and caches), per minute.
    public var rssSlopeKiBPerMinute: Double?
    public var fdSlopePerMinute: Double?
    public var rssSlopeSecondHalfKiBPerMinute: Double?
    public var fdSlopeSecondHalfPerMinute: Double?
    /// Clients that left and came back (each rejoining every room with `since`).
    public var churned: Int
    public var reactionsSent: Int
    public var historySent: Int
}
