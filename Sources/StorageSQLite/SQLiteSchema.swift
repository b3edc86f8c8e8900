import GRDB
import Storage

/// The SQLite schema as an ordered list of migrations.
///
/// Never edit a registered migration: files in the field have already applied it.
/// Add a new `registerMigration("v2-…")` instead.
enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            // Every table is keyed by org first: ids are only unique within an org,
            // and every query filters by org, so the org prefix is always usable.
            try db.execute(sql: """
                CREATE TABLE users (
                    org        TEXT    NOT NULL,
                    id         TEXT    NOT NULL,
                    name       TEXT    NOT NULL,
                    role       TEXT    NOT NULL,
                    last_seen  INTEGER NOT NULL,
                    banned     INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (org, id)
                ) WITHOUT ROWID;

                CREATE TABLE rooms (
                    org         TEXT    NOT NULL,
                    id          TEXT    NOT NULL,
                    kind        TEXT    NOT NULL,
                    title       TEXT    NOT NULL,
                    visibility  TEXT    NOT NULL,
                    created_by  TEXT    NOT NULL,
                    created_at  INTEGER NOT NULL,
                    epoch       TEXT    NOT NULL,
                    last_seq    INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (org, id)
                ) WITHOUT ROWID;

                CREATE TABLE room_members (
                    org        TEXT    NOT NULL,
                    room       TEXT    NOT NULL,
                    user       TEXT    NOT NULL,
                    joined_at  INTEGER NOT NULL,
                    PRIMARY KEY (org, room, user),
                    FOREIGN KEY (org, room) REFERENCES rooms (org, id) ON DELETE CASCADE
                ) WITHOUT ROWID;

                -- Ordinary rowid table: rows carry text and are larger than WITHOUT ROWID suits.
                CREATE TABLE messages (
                    org            TEXT    NOT NULL,
                    room           TEXT    NOT NULL,
                    seq            INTEGER NOT NULL,
                    id             TEXT    NOT NULL,
                    user_id        TEXT    NOT NULL,
                    user_name      TEXT    NOT NULL,
                    user_role      TEXT    NOT NULL,
                    text           TEXT,              -- NULL once deleted
                    ts             INTEGER NOT NULL,
                    reply_to       TEXT,
                    client_msg_id  TEXT    NOT NULL,
                    moderation     TEXT,              -- JSON ModerationNote
                    edited_at      INTEGER,
                    deleted        INTEGER NOT NULL DEFAULT 0,
                    deleted_at     INTEGER,
                    PRIMARY KEY (org, room, seq),
                    FOREIGN KEY (org, room) REFERENCES rooms (org, id) ON DELETE CASCADE
                );
                -- message(id:), edit, delete, reactions' foreign key.
                CREATE UNIQUE INDEX messages_by_id ON messages (org, room, id);

                -- Key order puts emoji before user so one emoji's count is a prefix range.
                CREATE TABLE reactions (
                    org     TEXT    NOT NULL,
                    room    TEXT    NOT NULL,
                    msg_id  TEXT    NOT NULL,
                    user    TEXT    NOT NULL,
                    emoji   TEXT    NOT NULL,
                    at      INTEGER NOT NULL,
                    PRIMARY KEY (org, room, msg_id, emoji, user),
                    FOREIGN KEY (org, room, msg_id) REFERENCES messages (org, room, id) ON DELETE CASCADE
                ) WITHOUT ROWID;

                CREATE TABLE read_positions (
                    org   TEXT    NOT NULL,
                    room  TEXT    NOT NULL,
                    user  TEXT    NOT NULL,
                    seq   INTEGER NOT NULL,
                    PRIMARY KEY (org, room, user),
                    FOREIGN KEY (org, room) REFERENCES rooms (org, id) ON DELETE CASCADE
                ) WITHOUT ROWID;

                CREATE TABLE idempotency_keys (
                    org            TEXT    NOT NULL,
                    room           TEXT    NOT NULL,
                    user           TEXT    NOT NULL,
                    client_msg_id  TEXT    NOT NULL,
                    msg_id         TEXT    NOT NULL,
                    seq            INTEGER NOT NULL,
                    ts             INTEGER NOT NULL,
                    status         TEXT    NOT NULL,
                    created_at     INTEGER NOT NULL,
                    PRIMARY KEY (org, room, user, client_msg_id),
                    FOREIGN KEY (org, room) REFERENCES rooms (org, id) ON DELETE CASCADE
                ) WITHOUT ROWID;
                -- purgeIdempotencyKeys(before:) runs across all orgs by age.
                CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
                """)
        }
        migrator.registerMigration("v2-gamification") { db in
            try db.execute(sql: """
                CREATE TABLE gam_progress (
                    org               TEXT    NOT NULL,
                    user              TEXT    NOT NULL,
                    messages          INTEGER NOT NULL,
                    day               INTEGER NOT NULL,
                    day_points        INTEGER NOT NULL,
                    streak_days       INTEGER NOT NULL,
                    streak_best       INTEGER NOT NULL,
                    streak_last_day   INTEGER,
                    helpful_received  INTEGER NOT NULL,
                    PRIMARY KEY (org, user)
                ) WITHOUT ROWID;

                -- room '' is the org's board; period 'all' or an ISO week like '2026-W48'.
                CREATE TABLE gam_scores (
                    org     TEXT    NOT NULL,
                    room    TEXT    NOT NULL,
                    period  TEXT    NOT NULL,
                    user    TEXT    NOT NULL,
                    points  INTEGER NOT NULL,
                    PRIMARY KEY (org, room, period, user)
                ) WITHOUT ROWID;

                CREATE TABLE gam_achievements (
                    org   TEXT    NOT NULL,
                    user  TEXT    NOT NULL,
                    name  TEXT    NOT NULL,
                    at    INTEGER NOT NULL,
                    PRIMARY KEY (org, user, name)
                ) WITHOUT ROWID;

                CREATE TABLE gam_helpful_awards (
                    org     TEXT    NOT NULL,
                    msg_id  TEXT    NOT NULL,
                    mentor  TEXT    NOT NULL,
                    author  TEXT    NOT NULL,
                    room    TEXT    NOT NULL,
                    week    TEXT    NOT NULL,
                    at      INTEGER NOT NULL,
                    PRIMARY KEY (org, msg_id, mentor)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v3-moderation") { db in
            try db.execute(sql: """
                CREATE TABLE held_messages (
                    org            TEXT    NOT NULL,
                    msg_id         TEXT    NOT NULL,
                    room           TEXT    NOT NULL,
                    user_id        TEXT    NOT NULL,
                    user_name      TEXT    NOT NULL,
                    user_role      TEXT    NOT NULL,
                    text           TEXT    NOT NULL,
                    ts             INTEGER NOT NULL,
                    reply_to       TEXT,
                    client_msg_id  TEXT    NOT NULL,
                    reasons        TEXT    NOT NULL,
                    scores         TEXT    NOT NULL,
                    time_zone      TEXT,
                    deadline       INTEGER NOT NULL,
                    PRIMARY KEY (org, msg_id)
                ) WITHOUT ROWID;

                CREATE TABLE mutes (
                    org    TEXT    NOT NULL,
                    room   TEXT    NOT NULL,
                    user   TEXT    NOT NULL,
                    until  INTEGER NOT NULL,
                    PRIMARY KEY (org, room, user)
                ) WITHOUT ROWID;

                CREATE TABLE audit_log (
                    id       INTEGER PRIMARY KEY,
                    org      TEXT    NOT NULL,
                    at       INTEGER NOT NULL,
                    actor    TEXT    NOT NULL,
                    action   TEXT    NOT NULL,
                    room     TEXT,
                    msg_id   TEXT,
                    subject  TEXT,
                    reasons  TEXT    NOT NULL,
                    scores   TEXT    NOT NULL,
                    detail   TEXT
                );
                CREATE INDEX audit_log_by_org_time ON audit_log (org, at);
                """)
        }
        migrator.registerMigration("v4-generation") { db in
            // One row: the id StoreGeneration compares with the sidecar file at every start.
            try db.execute(sql: """
                CREATE TABLE store_generation (
                    id          INTEGER PRIMARY KEY CHECK (id = 1),
                    generation  TEXT    NOT NULL
                );
                """)
        }
        migrator.registerMigration("v5-urgent-holds") { db in
            try db.execute(sql: "ALTER TABLE held_messages ADD COLUMN urgent INTEGER NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("v6-bans") { db in
            // Bans gain a reason, an expiry and who set them; users.banned moves here.
            try db.execute(sql: """
                CREATE TABLE bans (
                    org         TEXT    NOT NULL,
                    user        TEXT    NOT NULL,
                    reason      TEXT,
                    expires_at  INTEGER,
                    by          TEXT    NOT NULL,
                    at          INTEGER NOT NULL,
                    PRIMARY KEY (org, user)
                ) WITHOUT ROWID;
                -- purgeExpiredBans(now:) runs across all orgs by expiry.
                CREATE INDEX bans_by_expiry ON bans (expires_at) WHERE expires_at IS NOT NULL;
                INSERT INTO bans (org, user, reason, expires_at, by, at)
                    SELECT org, id, NULL, NULL, '', last_seen FROM users WHERE banned = 1;
                ALTER TABLE users DROP COLUMN banned;
                """)
        }
        migrator.registerMigration("v7-sign-outs") { db in
            // "Sign out everywhere": tokens of the user issued before `before` (ms) are refused.
            try db.execute(sql: """
                CREATE TABLE sign_outs (
                    org     TEXT    NOT NULL,
                    user    TEXT    NOT NULL,
                    before  INTEGER NOT NULL,
                    PRIMARY KEY (org, user)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v8-audit-chain") { db in
            // Each org's audit entries become a hash chain (AuditChain); existing ones are chained
            // in the order they were written.
            try db.execute(sql: """
                ALTER TABLE audit_log ADD COLUMN seq INTEGER;
                ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
                ALTER TABLE audit_log ADD COLUMN hash TEXT;
                """)
            var heads: [String: (seq: Int64, hash: String)] = [:]
            let rows = try Row.fetchAll(db, sql: "SELECT id, org, at, actor, action, room, msg_id, subject, reasons, scores, detail FROM audit_log ORDER BY id")
            for row in rows {
                let org: String = row["org"]
                let previous = heads[org]
                var link = AuditChain.Link(
                    org: org, seq: (previous?.seq ?? 0) + 1, at: row["at"], actor: row["actor"], action: row["action"], room: row["room"],
                    msgID: row["msg_id"], subject: row["subject"], reasons: row["reasons"], scores: row["scores"], detail: row["detail"],
                    prevHash: previous?.hash ?? AuditChain.genesis)
                link.hash = AuditChain.hash(of: link)
                try db.execute(
                    sql: "UPDATE audit_log SET seq = ?, prev_hash = ?, hash = ? WHERE id = ?",
                    arguments: [link.seq, link.prevHash, link.hash, row["id"] as Int64])
                heads[org] = (link.seq, link.hash)
            }
            try db.execute(sql: "CREATE UNIQUE INDEX audit_log_by_org_seq ON audit_log (org, seq)")
        }
        migrator.registerMigration("v9-audit-anchors") { db in
            // Where an org's chain continues after retention deleted its start.
            try db.execute(sql: """
                CREATE TABLE audit_anchors (
                    org   TEXT    NOT NULL PRIMARY KEY,
                    seq   INTEGER NOT NULL,
                    hash  TEXT    NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v10-room-archive") { db in
            try db.execute(sql: "ALTER TABLE rooms ADD COLUMN archived_at INTEGER")
        }
        return migrator
    }
}
