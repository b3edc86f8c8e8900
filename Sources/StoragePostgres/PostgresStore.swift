import Foundation
import Logging
import PostgresNIO
import Storage
import Synchronization
import Wire

/// The cluster store: every node of a cluster keeps its rooms, messages, moderation and
/// gamification in one PostgreSQL database, through a `PostgresClient` connection pool.
///
/// Correct with several server processes on the same database: whatever must happen once
/// (a room's next seq, an idempotent send, a review decision, an achievement) is decided by
/// PostgreSQL — row locks, unique keys, `ON CONFLICT`, `DELETE … RETURNING` — never by the node
/// that happened to receive the request.
///
/// - Seqs: `appendMessages` locks the room's row (`SELECT … FOR UPDATE`), so writers of one room,
///   and only that room, are serialised across nodes; `last_seq` moves only by what was stored.
/// - PostgreSQL errors surface as thrown `PSQLError`s (callers map them to `internal`).
public final class PostgresStore: ServerStore, Sendable {
    let client: PostgresClient
    let logger: Logger
    /// Seals and opens the personal columns (`OrgTables`) when encryption at rest is on.
    let cipher: FieldCipher
    /// The URL without its password, for log lines and errors.
    public let url: PostgresURL
    private let runTask: Task<Void, Never>
    private let closed = Mutex(false)

    /// How long `isHealthy` waits for `SELECT 1`.
    static let healthTimeout: Duration = .seconds(2)
    /// Longest a statement or transaction may take, waiting for a connection included: while the
    /// database is down, requests fail with a clear error instead of queueing for good.
    static let operationTimeout: Duration = .seconds(10)

    private init(url: PostgresURL, maximumConnections: Int, cipher: FieldCipher, logger: Logger) {
        var configuration = url.clientConfiguration
        configuration.options.maximumConnections = maximumConnections
        configuration.options.minimumConnections = 0
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.connectionIdleTimeout = .seconds(60)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        self.cipher = cipher
        self.url = url
        self.logger = logger
        // The pool does its work (connecting, keep-alives, closing) in `run()`, for as long as the store lives.
        runTask = Task { await client.run() }
    }

    /// Connects to the database at `url` (`postgres://user:pass@host:port/db?sslmode=disable`, or
    /// `postgresql://…`), retrying for about `timeout`, and brings the schema up to date.
    ///
    /// Throws `PostgresStoreError.unreachable` naming `host:port` (never the password) when no
    /// connection succeeds in time.
    public static func connect(
        url string: String, cipher: FieldCipher = .plaintext, logger: Logger, timeout: Duration = .seconds(5), maximumConnections: Int = 10
    ) async throws -> PostgresStore {
        let url = try PostgresURL(string)
        try await probe(url, timeout: timeout, logger: logger)
        let store = PostgresStore(url: url, maximumConnections: maximumConnections, cipher: cipher, logger: logger)
        do {
            let applied = try await PostgresSchema.migrate(store)
            logger.info("PostgreSQL store opened", metadata: [
                "database": "\(url)", "migrations_applied": "\(applied.joined(separator: ","))",
            ])
            return store
        } catch {
            try? await store.close()
            throw error
        }
    }

    /// Tries a direct connection until one succeeds or `timeout` passes.
    private static func probe(_ url: PostgresURL, timeout: Duration, logger: Logger) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var attempt = 0
        while true {
            attempt += 1
            let reason: String
            do {
                let remaining = deadline - clock.now
                let seconds = max(1, min(2, Int64(remaining.components.seconds) + 1))
                let connection = try await PostgresConnection.connect(
                    configuration: try url.connectionConfiguration(connectTimeout: .seconds(seconds)), id: attempt, logger: logger)
                try? await connection.close()
                return
            } catch {
                reason = describe(error)
            }
            if clock.now >= deadline || Task.isCancelled {
                throw PostgresStoreError.unreachable(endpoint: url.endpoint, database: url.database ?? url.user, reason: reason)
            }
            logger.debug("PostgreSQL not reachable yet, retrying", metadata: ["database": "\(url)", "reason": "\(reason)"])
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    /// A short reason without credentials: the server's message, or the connection error.
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                return message
            }
            if let underlying = error.underlying {
                return "\(error.code): \(underlying)"
            }
            return "\(error.code)"
        }
        return "\(error)"
    }

    // MARK: Transactions and queries

    private func checkOpen() throws {
        if closed.withLock({ $0 }) { throw PostgresStoreError.closed }
    }

    /// Runs `body` in one transaction on one pooled connection: committed when it returns,
    /// rolled back when it throws (the original error is rethrown, so `StorageError`s stay themselves).
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try checkOpen()
        let (client, logger) = (self.client, self.logger)
        return try await withTimeout(Self.operationTimeout, "transaction") {
            try await Self.transaction(on: client, begin: "BEGIN", logger: logger, body)
        }
    }

    /// A read-only transaction on one snapshot (REPEATABLE READ): every query sees the same
    /// committed state while other nodes keep writing. For whole-org reads, so no short timeout.
    func snapshot<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try checkOpen()
        return try await Self.transaction(on: client, begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger, body)
    }

    /// One transaction without the operation timeout, for bulk writes (a whole org's restore).
    func bulkTransaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try checkOpen()
        return try await Self.transaction(on: client, begin: "BEGIN", logger: logger, body)
    }

    private static func transaction<T: Sendable>(
        on client: PostgresClient, begin: PostgresQuery, logger: Logger, _ body: @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await client.withConnection { connection in
            _ = try await connection.query(begin, logger: logger).collect()
            do {
                let value = try await body(connection)
                _ = try await connection.query("COMMIT", logger: logger).collect()
                return value
            } catch {
                do {
                    _ = try await connection.query("ROLLBACK", logger: logger).collect()
                } catch let rollbackError {
                    // Never hand a connection that may still be inside this transaction back to the pool.
                    logger.warning("PostgreSQL rollback failed; closing the connection", metadata: ["error": "\(Self.describe(rollbackError))"])
                    try? await connection.close()
                }
                throw error
            }
        }
    }

    /// One statement on any pooled connection (autocommit); every row is read before returning.
    @discardableResult
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try checkOpen()
        let (client, logger) = (self.client, self.logger)
        return try await withTimeout(Self.operationTimeout, "query") { try await client.query(query, logger: logger).collect() }
    }

    // MARK: Operations

    public func isHealthy() async -> Bool {
        if closed.withLock({ $0 }) { return false }
        let client = self.client
        let logger = self.logger
        do {
            let answer = try await withTimeout(Self.healthTimeout, "health check") {
                try await client.query("SELECT 1", logger: logger).collect().first?.decode(Int.self)
            }
            return answer == 1
        } catch {
            logger.warning("PostgreSQL health check failed", metadata: ["error": "\(Self.describe(error))"])
            return false
        }
    }

    /// Stops the pool (its connections close); calls after this throw `PostgresStoreError.closed`.
    public func close() async throws {
        let wasClosed = closed.withLock { closed in
            defer { closed = true }
            return closed
        }
        if wasClosed { return }
        runTask.cancel()
        await runTask.value
        logger.info("PostgreSQL store closed", metadata: ["database": "\(url)"])
    }
}

/// Runs `body`, throwing `PostgresStoreError.timedOut` (and cancelling it) when it takes longer than `limit`.
func withTimeout<T: Sendable>(_ limit: Duration, _ what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw PostgresStoreError.timedOut(what)
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw PostgresStoreError.timedOut(what) }
        return first
    }
}
