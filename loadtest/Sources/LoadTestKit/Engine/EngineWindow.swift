import Histogram

/// Counters of one measurement window, kept by the service thread and handed over whole.
struct EngineCounters: Sendable, Equatable {
    var sent = 0
    /// Sends not made because the sender was not connected and joined (e.g. during a storm).
    var sendsSkipped = 0
    var acked = 0
    var sendErrors = 0
    /// Acks with status held or masked (moderation touched a harness message).
    var moderated = 0
    var deliveries = 0
    /// Deliveries the acks promise: joined subscribers of the room when its ack arrived.
    var expectedDeliveries = 0
    var gaps = 0
    var duplicates = 0
    /// Messages replayed in `joined.missed` after a reconnect.
    var replayed = 0
    var typingSent = 0
    var readsSent = 0
    var reactionsSent = 0
    var historySent = 0
    var typingPushes = 0
    var readPushes = 0
    var presencePushes = 0
    var otherFrames = 0
    /// Message pushes for a room this client never joined.
    var strayPushes = 0
    var connectFailures = 0
    var unexpectedCloses = 0
    var errors: [String: Int] = [:]
    var closeCodes: [Int: Int] = [:]
    /// Sends issued more than 5 ms after their scheduled time: the generator fell behind.
    var lateSends = 0

    mutating func add(_ other: EngineCounters) {
        sent += other.sent
        sendsSkipped += other.sendsSkipped
        acked += other.acked
        sendErrors += other.sendErrors
        moderated += other.moderated
        deliveries += other.deliveries
        expectedDeliveries += other.expectedDeliveries
        gaps += other.gaps
        duplicates += other.duplicates
        replayed += other.replayed
        typingSent += other.typingSent
        readsSent += other.readsSent
        reactionsSent += other.reactionsSent
        historySent += other.historySent
        typingPushes += other.typingPushes
        readPushes += other.readPushes
        presencePushes += other.presencePushes
        otherFrames += other.otherFrames
        strayPushes += other.strayPushes
        connectFailures += other.connectFailures
        unexpectedCloses += other.unexpectedCloses
        errors.merge(other.errors, uniquingKeysWith: +)
        closeCodes.merge(other.closeCodes, uniquingKeysWith: +)
        lateSends += other.lateSends
    }
}

/// Connection states right now.
struct EngineGauges: Sendable, Equatable {
    var clients = 0
    var connecting = 0
    var open = 0
    var ready = 0
    var pendingSetup = 0
    var recovering = 0
    var queuedConnects = 0
}

/// One window: counters and latency histograms since the previous window.
struct EngineWindow: Sendable {
    var startNS: UInt64
    var endNS: UInt64
    var counters = EngineCounters()
    var gauges = EngineGauges()
    var latency = LatencySummary.makeHistogram()
    var ackLatency = LatencySummary.makeHistogram()
    var connectLatency = LatencySummary.makeHistogram()
    var authLatency = LatencySummary.makeHistogram()
    var recoveryTime = LatencySummary.makeHistogram()

    init(startNS: UInt64) {
        self.startNS = startNS
        endNS = startNS
    }

    var seconds: Double { Double(endNS &- startNS) / 1e9 }

    /// Folds a later window into this one.
    mutating func add(_ other: EngineWindow) {
        endNS = max(endNS, other.endNS)
        counters.add(other.counters)
        gauges = other.gauges
        latency.add(other.latency)
        ackLatency.add(other.ackLatency)
        connectLatency.add(other.connectLatency)
        authLatency.add(other.authLatency)
        recoveryTime.add(other.recoveryTime)
    }
}

/// Loss accounting at the end of a run, per subscription against the room's highest seq.
struct LossAccounting: Sendable, Equatable {
    var subscriptions = 0
    /// Subscriptions whose client was not joined at the end (not counted below).
    var detached = 0
    var missing: Int64 = 0
    var duplicates: Int64 = 0
    /// Seqs the server declared unrecoverable (`recovered:false`).
    var unrecoverable: Int64 = 0
    var expected: Int64 = 0
}
