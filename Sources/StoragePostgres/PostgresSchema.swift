import Logging
import PostgresNIO

/// The PostgreSQL schema as an ordered list of versioned migrations, recorded in `schema_migrations`.
///
/// Never edit a shipped migration: databases in the field have already applied it. Append a new
/// `Migration` instead. Nodes starting together are safe: the whole upgrade runs in one
/// transaction under a transaction-scoped advisory lock, so exactly one node applies it and the
/// others then find it applied.
///
/// Same tables as the SQLite schema, every one keyed by org first (ids are only unique within an
/// org). Columns named `user` in SQLite are `user_id` here (`user` is reserved in PostgreSQL).
/// Text columns use the "C" collation: byte order, as SQLite sorts, and the cheapest comparisons
/// for keys.
enum PostgresSchema {
    struct Migration: Sendable {
        var version: String
        var statements: [String]
    }

    /// Arbitrary constant naming the migration lock among advisory locks.
    static let lockKey: Int64 = 0x7274_735f_6d69_6772 // "rts_migr"

    static let migrations: [Migration] = [
        Migration(version: "v1-chat", statements: [
            """
            CREATE TABLE users (
                org        TEXT COLLATE "C" NOT NULL,
                id         TEXT COLLATE "C" NOT NULL,
                name       TEXT    NOT NULL,
                role       TEXT    NOT NULL,
                last_seen  BIGINT  NOT NULL,
                banned     BOOLEAN NOT NULL DEFAULT FALSE,
                PRIMARY KEY (org, id)
            )
            """,
            """
            CREATE TABLE rooms (
                org         TEXT COLLATE "C" NOT NULL,
                id          TEXT COLLATE "C" NOT NULL,
                kind        TEXT    NOT NULL,
                title       TEXT    NOT NULL,
                visibility  TEXT    NOT NULL,
                created_by  TEXT    NOT NULL,
                created_at  BIGINT  NOT NULL,
                epoch       TEXT    NOT NULL,
                last_seq    BIGINT  NOT NULL DEFAULT 0,
                PRIMARY KEY (org, id)
            )
            """,
            """
            CREATE TABLE room_members (
                org        TEXT COLLATE "C" NOT NULL,
                room       TEXT COLLATE "C" NOT NULL,
                user_id    TEXT COLLATE "C" NOT NULL,
                joined_at  BIGINT  NOT NULL,
                PRIMARY KEY (org, room, user_id),
                FOREIGN KEY (org, room) REFERENCES rooms (org, id) ON DELETE CASCADE
            )
            """,
            """
            CREATE TABLE messages (
                org            TEXT COLLATE "C" NOT NULL,
                room           TEXT COLLATE "C" NOT NULL,
                seq            BIGINT  NOT NULL,
                id             TEXT COLLATE "C" NOT NULL,
                user_id        TEXT    NOT NULL,
                user_name      TEXT    NOT NULL,
                user_role      TEXT    NOT NULL,
                text           TEXT,               -- NULL once deleted
                ts             BIGINT  NOT NULL,
                reply_to       TEXT,
                client_msg_id  TEXT    NOT NULL,
                moderation     TEXT,               -- JSON ModerationNote
                edited_at      BIGINT,
                deleted        BOOLEAN NOT NULL DEFAULT FALSE,
                deleted_at     BIGINT,
                PRIMARY KEY (org, room, seq),
                UNIQUE (org, room, id),
                FOREIGN KEY (org, room) REFERENCES rooms (org, id) ON DELETE CASCADE
            )
            """,
            """
            CREATE TABLE reactions (
                org      TEXT COLLATE "C" NOT NULL,
                room     TEXT COLLATE "C" NOT NULL,
                msg_id   TEXT COLLATE "C" NOT NULL,
                user_id  TEXT COLLATE "C" NOT NULL,
                emoji    TEXT COLLATE "C" NOT NULL,
                at       BIGINT  NOT NULL,
                PRIMARY KEY (org, room, msg_id, emoji, user_id),
                FOREIGN KEY (org, room, msg_id) REFERENCES messages (org, room, id) ON DELETE CASCADE
            )
            """,
            """
            CREATE TABLE read_positions (
                org      TEXT COLLATE "C" NOT NULL,
                room     TEXT COLLATE "C" NOT NULL,
                user_id  TEXT COLLATE "C" NOT NULL,
                seq      BIGINT  NOT NULL,
                PRIMARY KEY (org, room, user_id),
                FOREIGN KEY (org, room) REFERENCES rooms (org, id) ON DELETE CASCADE
            )
            """,
            """
            CREATE TABLE idempotency_keys (
                org            TEXT COLLATE "C" NOT NULL,
                room           TEXT COLLATE "C" NOT NULL,
                user_id        TEXT COLLATE "C" NOT NULL,
                client_msg_id  TEXT COLLATE "C" NOT NULL,
                msg_id         TEXT    NOT NULL,
                seq            BIGINT  NOT NULL,
                ts             BIGINT  NOT NULL,
                status         TEXT    NOT NULL,
                created_at     BIGINT  NOT NULL,
                PRIMARY KEY (org, room, user_id, client_msg_id),
                FOREIGN KEY (org, room) REFERENCES rooms (org, id) ON DELETE CASCADE
            )
            """,
            // purgeIdempotencyKeys(before:) runs across all orgs by age.
            "CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at)",
        ]),
        Migration(version: "v2-gamification", statements: [
            """
            CREATE TABLE gam_progress (
                org               TEXT COLLATE "C" NOT NULL,
                user_id           TEXT COLLATE "C" NOT NULL,
                messages          BIGINT NOT NULL,
                day               BIGINT NOT NULL,
                day_points        BIGINT NOT NULL,
                streak_days       BIGINT NOT NULL,
                streak_best       BIGINT NOT NULL,
                streak_last_day   BIGINT,
                helpful_received  BIGINT NOT NULL,
                PRIMARY KEY (org, user_id)
            )
            """,
            // room '' is the org's board; period 'all' or an ISO week like '2026-W48' (sorts in time order).
            """
            CREATE TABLE gam_scores (
                org      TEXT COLLATE "C" NOT NULL,
                room     TEXT COLLATE "C" NOT NULL,
                period   TEXT COLLATE "C" NOT NULL,
                user_id  TEXT COLLATE "C" NOT NULL,
                points   BIGINT NOT NULL,
                PRIMARY KEY (org, room, period, user_id)
            )
            """,
            """
            CREATE TABLE gam_achievements (
                org      TEXT COLLATE "C" NOT NULL,
                user_id  TEXT COLLATE "C" NOT NULL,
                name     TEXT COLLATE "C" NOT NULL,
                at       BIGINT NOT NULL,
                PRIMARY KEY (org, user_id, name)
            )
            """,
            """
            CREATE TABLE gam_helpful_awards (
                org     TEXT COLLATE "C" NOT NULL,
                msg_id  TEXT COLLATE "C" NOT NULL,
                mentor  TEXT COLLATE "C" NOT NULL,
                author  TEXT   NOT NULL,
                room    TEXT   NOT NULL,
                week    TEXT   NOT NULL,
                at      BIGINT NOT NULL,
                PRIMARY KEY (org, msg_id, mentor)
            )
            """,
        ]),
        Migration(version: "v3-moderation", statements: [
            """
            CREATE TABLE held_messages (
                org            TEXT COLLATE "C" NOT NULL,
                msg_id         TEXT COLLATE "C" NOT NULL,
                room           TEXT    NOT NULL,
                user_id        TEXT    NOT NULL,
                user_name      TEXT    NOT NULL,
                user_role      TEXT    NOT NULL,
                text           TEXT    NOT NULL,
                ts             BIGINT  NOT NULL,
                reply_to       TEXT,
                client_msg_id  TEXT    NOT NULL,
                reasons        TEXT    NOT NULL,   -- JSON array
                scores         TEXT    NOT NULL,   -- JSON object
                time_zone      TEXT,
                deadline       BIGINT  NOT NULL,
                PRIMARY KEY (org, msg_id)
            )
            """,
            """
            CREATE TABLE mutes (
                org      TEXT COLLATE "C" NOT NULL,
                room     TEXT COLLATE "C" NOT NULL,
                user_id  TEXT COLLATE "C" NOT NULL,
                until    BIGINT NOT NULL,
                PRIMARY KEY (org, room, user_id)
            )
            """,
            """
            CREATE TABLE audit_log (
                id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                org      TEXT COLLATE "C" NOT NULL,
                at       BIGINT  NOT NULL,
                actor    TEXT    NOT NULL,
                action   TEXT    NOT NULL,
                room     TEXT,
                msg_id   TEXT,
                subject  TEXT,
                reasons  TEXT    NOT NULL,
                scores   TEXT    NOT NULL,
                detail   TEXT
            )
            """,
            "CREATE INDEX audit_log_by_org_time ON audit_log (org, at)",
            "CREATE INDEX audit_log_by_time ON audit_log (at)",
        ]),
    ]

    /// Applies every migration the database lacks, in order, in one transaction. Returns the versions applied.
    @discardableResult
    static func migrate(_ store: PostgresStore) async throws -> [String] {
        try await store.transaction { connection in
            let logger = store.logger
            _ = try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger).collect()
            _ = try await connection.query("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version     TEXT PRIMARY KEY,
                    applied_at  TIMESTAMPTZ NOT NULL DEFAULT now()
                )
                """, logger: logger).collect()
            var done = Set<String>()
            for row in try await connection.query("SELECT version FROM schema_migrations", logger: logger).collect() {
                done.insert(try row.decode(String.self))
            }
            var applied: [String] = []
            for migration in migrations where !done.contains(migration.version) {
                for statement in migration.statements {
                    _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger).collect()
                }
                _ = try await connection.query(
                    "INSERT INTO schema_migrations (version) VALUES (\(migration.version))", logger: logger).collect()
                applied.append(migration.version)
            }
            return applied
        }
    }

    /// The versions recorded in `schema_migrations`, in the order applied.
    static func appliedVersions(_ store: PostgresStore) async throws -> [String] {
        try await store.rows("SELECT version FROM schema_migrations ORDER BY applied_at, version").map { try $0.decode(String.self) }
    }
}
