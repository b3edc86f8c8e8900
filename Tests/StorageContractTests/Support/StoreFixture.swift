import Foundation
import GRDB
import Logging
import PostgresNIO
import Storage
@testable import StoragePostgres
@testable import StorageSQLite
import Synchronization
import XCTest

/// Which store a contract test runs against.
enum Backend: String, Sendable {
    case sqlite
    case postgres
}

/// The PostgreSQL server for tests: env `RTS_TEST_DATABASE_URL` (a superuser URL to a running
/// server; `scripts/services.sh start` prints one). Unset: PostgreSQL tests are skipped, unless
/// `RTS_REQUIRE_SERVICES=1` (CI, `scripts/test.sh`), where they fail.
enum TestPostgres {
    static func serverURL() throws -> PostgresURL {
        let environment = ProcessInfo.processInfo.environment
        guard let raw = environment["RTS_TEST_DATABASE_URL"], !raw.isEmpty else {
            if environment["RTS_REQUIRE_SERVICES"] == "1" {
                XCTFail("RTS_REQUIRE_SERVICES=1 but RTS_TEST_DATABASE_URL is not set (eval \"$(scripts/services.sh start)\")")
                throw PostgresStoreError.invalidURL("RTS_TEST_DATABASE_URL is not set")
            }
            throw XCTSkip("set RTS_TEST_DATABASE_URL to a PostgreSQL superuser URL to run this (eval \"$(scripts/services.sh start)\")")
        }
        return try PostgresURL(raw)
    }

    static func freshDatabaseName() -> String {
        "rts_t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
    }
}

/// One test's storage: a SQLite file in a temporary directory, or a fresh PostgreSQL database
/// (created here, dropped at the end of the test). `open()` may be called several times: each
/// call is another store on the same data (a restart, or another node).
final class StoreFixture: Sendable {
    let backend: Backend
    let logger: Logger
    private let location: Location
    private let opened = Mutex<[any ServerStore]>([])

    private enum Location {
        case file(directory: URL, path: String)
        case database(server: PostgresURL, name: String)
    }

    /// Makes the fixture and registers its teardown (close every store, drop the database or the directory).
    static func make(_ backend: Backend, for testCase: XCTestCase) async throws -> StoreFixture {
        var logger = Logger(label: "storage-contract")
        logger.logLevel = .warning
        let fixture: StoreFixture
        switch backend {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("storage-contract-\(UUID().uuidString)", isDirectory: true)
            // A nested, not yet existing directory: the store must create it.
            fixture = StoreFixture(backend, .file(directory: directory, path: directory.appendingPathComponent("data/chat.sqlite").path), logger)
        case .postgres:
            let server = try TestPostgres.serverURL()
            let name = TestPostgres.freshDatabaseName()
            try await PostgresDatabases.create(name, on: server, logger: logger)
            fixture = StoreFixture(backend, .database(server: server, name: name), logger)
        }
        testCase.addTeardownBlock { await fixture.tearDown() }
        return fixture
    }

    private init(_ backend: Backend, _ location: Location, _ logger: Logger) {
        self.backend = backend
        self.location = location
        self.logger = logger
    }

    /// The URL of this test's database (PostgreSQL only).
    var databaseURL: String? {
        if case let .database(server, name) = location { return server.with(database: name).urlString }
        return nil
    }

    /// Opens a store on this fixture's data (another one each call), sealing with `cipher`.
    func open(cipher: FieldCipher = .plaintext) async throws -> any ServerStore {
        let store: any ServerStore
        switch location {
        case let .file(_, path):
            store = try SQLiteChatStore(path: path, cipher: cipher, logger: logger)
        case let .database(server, name):
            store = try await PostgresStore.connect(url: server.with(database: name).urlString, cipher: cipher, logger: logger)
        }
        opened.withLock { $0.append(store) }
        return store
    }

    /// Opens the PostgreSQL store itself (PostgreSQL-only tests).
    func openPostgres() async throws -> PostgresStore {
        guard let store = try await open() as? PostgresStore else { throw PostgresStoreError.invalidURL("not a PostgreSQL fixture") }
        return store
    }

    /// Every non-null value of a text column exactly as the database holds it (no cipher involved).
    func rawTexts(_ table: String, _ column: String) async throws -> [String] {
        let store = try await open()
        if let sqlite = store as? SQLiteChatStore {
            return try await sqlite.pool.read { db in try String.fetchAll(db, sql: "SELECT \(column) FROM \(table) WHERE \(column) IS NOT NULL") }
        }
        guard let postgres = store as? PostgresStore else { return [] }
        return try await postgres.rows(PostgresQuery(unsafeSQL: "SELECT \(column) FROM \(table) WHERE \(column) IS NOT NULL"))
            .map { try $0.decode(String.self) }
    }

    private func tearDown() async {
        for store in opened.withLock({ $0 }) { try? await store.close() }
        switch location {
        case let .file(directory, _):
            try? FileManager.default.removeItem(at: directory)
        case let .database(server, name):
            do {
                try await PostgresDatabases.drop(name, on: server, logger: logger)
            } catch {
                XCTFail("could not drop test database \(name): \(String(reflecting: error))")
            }
        }
    }
}
