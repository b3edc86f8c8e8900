import Configuration
import Logging
import Metrics
import Storage
import Wire

/// Retention: deletes messages and audit entries older than their org's retention, in short
/// batches so live writes never wait long, every `retention_interval_s`. Audit entries go from
/// the start of the chain only; the last one deleted anchors the rest (`audit verify` still passes).
/// Metrics: `rts_retention_deleted_total{kind}` and `rts_retention_last_run_timestamp_seconds`.
struct RetentionJob: Sendable {
    let store: any ServerStore
    let defaults: RetentionDays
    let overrides: [String: RetentionDays]
    let clock: any WallClock
    let logger: Logger

    /// Rows per transaction.
    static let batch = 500
    static let dayMS: Int64 = 86_400_000

    private let deletedMessages = Counter(label: "rts_retention_deleted_total", dimensions: [("kind", "messages")])
    private let deletedAudit = Counter(label: "rts_retention_deleted_total", dimensions: [("kind", "audit")])
    private let lastRun = Gauge(label: "rts_retention_last_run_timestamp_seconds")

    init(store: any ServerStore, defaults: RetentionDays, overrides: [String: RetentionDays], clock: any WallClock, logger: Logger) {
        self.store = store
        self.defaults = defaults
        self.overrides = overrides
        self.clock = clock
        self.logger = logger
    }

    /// Whether any org keeps anything for a limited time (otherwise the job never runs).
    var isNeeded: Bool {
        ([defaults] + overrides.values).contains { $0.messages > 0 || $0.audit > 0 }
    }

    /// One pass over every org.
    func run() async {
        let now = clock.nowMS()
        do {
            for org in Set(try await store.roomOrgs()).union(try await store.auditOrgs()).sorted() {
                let days = overrides[org] ?? defaults
                if days.messages > 0 {
                    let cutoff = now - Int64(days.messages) * Self.dayMS
                    try await drain(deletedMessages, "messages", org: org) { try await store.purgeMessages(org: org, before: cutoff, limit: Self.batch) }
                }
                if days.audit > 0 {
                    let cutoff = now - Int64(days.audit) * Self.dayMS
                    try await drain(deletedAudit, "audit entries", org: org) { try await store.purgeAudit(org: org, before: cutoff, limit: Self.batch) }
                }
            }
            lastRun.record(Double(now) / 1000)
        } catch {
            logger.warning("retention pass failed; the next pass retries", metadata: ["error": "\(error)"])
        }
    }

    /// Repeats `purge` (one batch each) until a batch comes back short.
    private func drain(_ counter: Counter, _ what: String, org: String, _ purge: () async throws -> Int) async throws {
        var total = 0
        while true {
            let deleted = try await purge()
            total += deleted
            counter.increment(by: Int64(deleted))
            if deleted < Self.batch { break }
        }
        if total > 0 { logger.info("retention deleted \(what)", metadata: ["org": "\(org)", "count": "\(total)"]) }
    }
}
