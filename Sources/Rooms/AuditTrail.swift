import Logging
import Storage
import Wire

/// Where actions are audited, before they take effect: when the entry cannot be written the
/// caller gets `internal` and does not act.
public struct AuditTrail: Sendable {
    private let store: any ModerationStore
    private let logger: Logger

    public init(store: any ModerationStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    public func record(_ entry: AuditRecord) async throws(RequestError) {
        do {
            try await store.appendAudit(entry)
        } catch {
            logger.error("writing audit record failed", metadata: ["action": "\(entry.action)", "error": "\(error)"])
            throw .internalError
        }
    }
}
