import Logging
import PostgresNIO
import Storage

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
        /// Work SQL alone cannot do (computing hashes), run after the statements in the same transaction.
        var backfill: (@Sendable (PostgresConnection, Logger) async throws -> Void)? = nil
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
        // appendMessages in one round trip: the statements of PostgresStore.appendMessages' doc,
        // run by the server (each statement of a volatile function takes a fresh snapshot, so the
        // key lookup after the lock sees every send committed before it).
        Migration(version: "v4-append-function", statements: [
            appendFunction,
        ]),
        // Holds record idempotency keys (status held); the approval of that very message is stored.
        Migration(version: "v5-append-own-hold", statements: [
            appendFunction,
        ]),
        // Child-safety and self-harm holds: reviewed first, never approved by a timeout.
        Migration(version: "v6-urgent-holds", statements: [
            "ALTER TABLE held_messages ADD COLUMN urgent BOOLEAN NOT NULL DEFAULT false",
        ]),
        // Bans gain a reason, an expiry and who set them; users.banned moves here.
        Migration(version: "v7-bans", statements: [
            """
            CREATE TABLE bans (
                org         TEXT COLLATE "C" NOT NULL,
                user_id     TEXT COLLATE "C" NOT NULL,
                reason      TEXT,
                expires_at  BIGINT,
                by_user     TEXT    NOT NULL,
                at          BIGINT  NOT NULL,
                PRIMARY KEY (org, user_id)
            )
            """,
            "CREATE INDEX bans_by_expiry ON bans (expires_at) WHERE expires_at IS NOT NULL",
            "INSERT INTO bans (org, user_id, reason, expires_at, by_user, at) SELECT org, id, NULL, NULL, '', last_seen FROM users WHERE banned",
            "ALTER TABLE users DROP COLUMN banned",
        ]),
        // "Sign out everywhere": tokens of the user issued before `before` (ms) are refused.
        Migration(version: "v8-sign-outs", statements: [
            """
            CREATE TABLE sign_outs (
                org      TEXT COLLATE "C" NOT NULL,
                user_id  TEXT COLLATE "C" NOT NULL,
                before   BIGINT  NOT NULL,
                PRIMARY KEY (org, user_id)
            )
            """,
        ]),
        // Each org's audit entries become a hash chain (AuditChain); existing ones are chained in
        // the order they were written. NULL seqs do not collide in the unique index.
        Migration(
            version: "v9-audit-chain",
            statements: [
                "ALTER TABLE audit_log ADD COLUMN seq BIGINT, ADD COLUMN prev_hash TEXT, ADD COLUMN hash TEXT",
                "CREATE UNIQUE INDEX audit_log_by_org_seq ON audit_log (org, seq)",
            ],
            backfill: chainExistingAuditEntries),
        // Where an org's chain continues after retention deleted its start.
        Migration(version: "v10-audit-anchors", statements: [
            """
            CREATE TABLE audit_anchors (
                org   TEXT COLLATE "C" NOT NULL PRIMARY KEY,
                seq   BIGINT NOT NULL,
                hash  TEXT   NOT NULL
            )
            """,
        ]),
        Migration(version: "v11-room-archive", statements: ["ALTER TABLE rooms ADD COLUMN archived_at BIGINT"]),
    ]

    /// `rts_append_messages` as it is now: v4 created it, later migrations replace it.
    static let appendFunction = """
        CREATE OR REPLACE FUNCTION rts_append_messages(p_org TEXT, p_room TEXT, p_since BIGINT, p_batch JSONB)
        RETURNS TABLE (item INT, stored BOOLEAN, msg_id TEXT, seq BIGINT, ts BIGINT, status TEXT)
        LANGUAGE plpgsql VOLATILE AS $fn$
        #variable_conflict use_column
        DECLARE
            v_seq     BIGINT;
            m         RECORD;
            k         RECORD;
            pos       INT;
            -- The messages stored by this call, aligned: batch item, key, id, seq, ts, status.
            s_items   INT[]    := '{}';
            s_keys    TEXT[]   := '{}';
            s_ids     TEXT[]   := '{}';
            s_seqs    BIGINT[] := '{}';
            s_ts      BIGINT[] := '{}';
            s_status  TEXT[]   := '{}';
        BEGIN
            -- Serialises the writers of this room (and only this room) across nodes.
            SELECT r.last_seq INTO v_seq FROM rooms r WHERE r.org = p_org AND r.id = p_room FOR UPDATE;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'room % not found in org %', p_room, p_org USING ERRCODE = 'RT404';
            END IF;
            FOR m IN
                SELECT * FROM jsonb_to_recordset(p_batch)
                    AS x(i INT, id TEXT, user_id TEXT, client_msg_id TEXT, msg_ts BIGINT, msg_status TEXT)
                ORDER BY x.i
            LOOP
                -- The same user + client_msg_id earlier in this batch: replay that ack.
                pos := array_position(s_keys, m.user_id || chr(31) || m.client_msg_id);
                IF pos IS NOT NULL THEN
                    RETURN QUERY SELECT m.i, FALSE, s_ids[pos], s_seqs[pos], s_ts[pos], s_status[pos];
                    CONTINUE;
                END IF;
                SELECT ik.msg_id, ik.seq, ik.ts, ik.status INTO k FROM idempotency_keys ik
                WHERE ik.org = p_org AND ik.room = p_room AND ik.user_id = m.user_id
                  AND ik.client_msg_id = m.client_msg_id AND ik.created_at >= p_since;
                -- A key recorded when this very message was held is its own: its approval is stored.
                IF FOUND AND NOT (k.status = 'held' AND k.msg_id = m.id) THEN
                    RETURN QUERY SELECT m.i, FALSE, k.msg_id, k.seq, k.ts, k.status;
                    CONTINUE;
                END IF;
                v_seq := v_seq + 1;
                s_items := s_items || m.i;
                s_keys := s_keys || (m.user_id || chr(31) || m.client_msg_id);
                s_ids := s_ids || m.id;
                s_seqs := s_seqs || v_seq;
                s_ts := s_ts || m.msg_ts;
                s_status := s_status || m.msg_status;
                RETURN QUERY SELECT m.i, TRUE, m.id, v_seq, m.msg_ts, m.msg_status;
            END LOOP;
            IF cardinality(s_items) > 0 THEN
                -- One multi-row insert each; a failure (e.g. a reused message id) rolls back the whole call.
                INSERT INTO messages (org, room, seq, id, user_id, user_name, user_role, text, ts, reply_to, client_msg_id, moderation)
                SELECT p_org, p_room, s.seq, x.id, x.user_id, x.user_name, x.user_role, x.text, x.msg_ts, x.reply_to, x.client_msg_id, x.moderation
                FROM jsonb_to_recordset(p_batch)
                    AS x(i INT, id TEXT, user_id TEXT, user_name TEXT, user_role TEXT, text TEXT, msg_ts BIGINT,
                         reply_to TEXT, client_msg_id TEXT, moderation TEXT)
                JOIN unnest(s_items, s_seqs) AS s(i, seq) ON s.i = x.i
                ORDER BY s.seq;
                INSERT INTO idempotency_keys (org, room, user_id, client_msg_id, msg_id, seq, ts, status, created_at)
                SELECT p_org, p_room, x.user_id, x.client_msg_id, x.id, s.seq, x.msg_ts, x.msg_status, x.msg_ts
                FROM jsonb_to_recordset(p_batch)
                    AS x(i INT, id TEXT, user_id TEXT, client_msg_id TEXT, msg_ts BIGINT, msg_status TEXT)
                JOIN unnest(s_items, s_seqs) AS s(i, seq) ON s.i = x.i
                ON CONFLICT (org, room, user_id, client_msg_id) DO UPDATE SET
                    msg_id = excluded.msg_id, seq = excluded.seq, ts = excluded.ts, status = excluded.status,
                    created_at = excluded.created_at;
                UPDATE rooms SET last_seq = v_seq WHERE org = p_org AND id = p_room;
            END IF;
        END
        $fn$
        """

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
                try await migration.backfill?(connection, logger)
                _ = try await connection.query(
                    "INSERT INTO schema_migrations (version) VALUES (\(migration.version))", logger: logger).collect()
                applied.append(migration.version)
            }
            return applied
        }
    }

    @Sendable
    private static func chainExistingAuditEntries(_ connection: PostgresConnection, _ logger: Logger) async throws {
        var heads: [String: (seq: Int64, hash: String)] = [:]
        let rows = try await connection.query(
            "SELECT id, org, at, actor, action, room, msg_id, subject, reasons, scores, detail FROM audit_log ORDER BY id", logger: logger
        ).collect()
        for row in rows {
            let (id, org, at, actor, action, room, msgID, subject, reasons, scores, detail) =
                try row.decode((Int64, String, Int64, String, String, String?, String?, String?, String, String, String?).self)
            let previous = heads[org]
            var link = AuditChain.Link(
                org: unesc(org), seq: (previous?.seq ?? 0) + 1, at: at, actor: unesc(actor), action: unesc(action), room: unesc(room),
                msgID: unesc(msgID), subject: unesc(subject), reasons: unesc(reasons), scores: unesc(scores), detail: unesc(detail),
                prevHash: previous?.hash ?? AuditChain.genesis)
            link.hash = AuditChain.hash(of: link)
            _ = try await connection.query(
                "UPDATE audit_log SET seq = \(link.seq), prev_hash = \(link.prevHash), hash = \(link.hash) WHERE id = \(id)", logger: logger
            ).collect()
            heads[org] = (link.seq, link.hash)
        }
    }

    /// The versions recorded in `schema_migrations`, in the order applied.
    /// The versions recorded, in the order of `migrations` (one transaction records several at
    /// the same `applied_at`, and "v10" sorts before "v2"); unknown ones (a newer server's) last.
    static func appliedVersions(_ store: PostgresStore) async throws -> [String] {
        let recorded = try await store.rows("SELECT version FROM schema_migrations ORDER BY version").map { try $0.decode(String.self) }
        let known = migrations.map(\.version)
        return known.filter(recorded.contains) + recorded.filter { !known.contains($0) }
    }
}
