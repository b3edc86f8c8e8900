/// Every table that holds an org's data, in an order where each table's parents come first,
/// with the columns a backup or an export carries. Names are the SQLite schema's; PostgreSQL
/// names the few that differ (`user` is reserved there).
public enum OrgTables {
    public struct Column: Sendable {
        public var name: String
        public var postgresName: String
        /// Personal text, stored sealed when encryption at rest is on (`FieldCipher`).
        public var sealed: SealedColumn?

        init(_ name: String, postgres: String? = nil, sealed: SealedColumn? = nil) {
            self.name = name
            postgresName = postgres ?? name
            self.sealed = sealed
        }
    }

    public struct Table: Sendable {
        public var name: String
        /// Every column but `org` (implied) and surrogate ids, which a restore assigns afresh.
        public var columns: [Column]
        /// Columns naming the user a row is about, for a personal-data export (any of them matches;
        /// none: the table is about nobody and stays out of exports).
        public var userColumns: [String]
        /// The order rows are read in (and so restored in).
        public var orderBy: [String]
    }

    private static let user = Column("user", postgres: "user_id")

    public static let all: [Table] = [
        Table(
            name: "users", columns: [Column("id"), Column("name", sealed: .userName), Column("role"), Column("last_seen")], userColumns: ["id"],
            orderBy: ["id"]),
        Table(
            name: "rooms",
            columns: [Column("id"), Column("kind"), Column("title", sealed: .roomTitle)]
                + ["visibility", "created_by", "created_at", "epoch", "last_seq", "archived_at"].map { Column($0) },
            userColumns: ["created_by"], orderBy: ["id"]),
        Table(name: "room_members", columns: [Column("room"), user, Column("joined_at")], userColumns: ["user"], orderBy: ["room", "user"]),
        Table(
            name: "messages",
            columns: ["room", "seq", "id", "user_id"].map { Column($0) }
                + [Column("user_name", sealed: .messageUserName), Column("user_role"), Column("text", sealed: .messageText)]
                + ["ts", "reply_to", "client_msg_id", "moderation", "edited_at", "deleted", "deleted_at"].map { Column($0) },
            userColumns: ["user_id"], orderBy: ["room", "seq"]),
        Table(
            name: "reactions", columns: [Column("room"), Column("msg_id"), user, Column("emoji"), Column("at")], userColumns: ["user"],
            orderBy: ["room", "msg_id", "emoji", "user"]),
        Table(name: "read_positions", columns: [Column("room"), user, Column("seq")], userColumns: ["user"], orderBy: ["room", "user"]),
        Table(
            name: "idempotency_keys",
            columns: [Column("room"), user] + ["client_msg_id", "msg_id", "seq", "ts", "status", "created_at"].map { Column($0) },
            userColumns: ["user"], orderBy: ["room", "user", "client_msg_id"]),
        Table(
            name: "gam_progress",
            columns: [user] + ["messages", "day", "day_points", "streak_days", "streak_best", "streak_last_day", "helpful_received"].map { Column($0) },
            userColumns: ["user"], orderBy: ["user"]),
        Table(
            name: "gam_scores", columns: [Column("room"), Column("period"), user, Column("points")], userColumns: ["user"],
            orderBy: ["room", "period", "user"]),
        Table(name: "gam_achievements", columns: [user, Column("name"), Column("at")], userColumns: ["user"], orderBy: ["user", "name"]),
        Table(
            name: "gam_helpful_awards", columns: ["msg_id", "mentor", "author", "room", "week", "at"].map { Column($0) },
            userColumns: ["mentor", "author"], orderBy: ["msg_id", "mentor"]),
        Table(
            name: "held_messages",
            columns: ["msg_id", "room", "user_id"].map { Column($0) }
                + [Column("user_name", sealed: .heldUserName), Column("user_role"), Column("text", sealed: .heldText)]
                + ["ts", "reply_to", "client_msg_id", "reasons", "scores", "time_zone", "deadline", "urgent"].map { Column($0) },
            userColumns: ["user_id"], orderBy: ["msg_id"]),
        Table(name: "mutes", columns: [Column("room"), user, Column("until")], userColumns: ["user"], orderBy: ["room", "user"]),
        Table(
            name: "audit_log",
            columns: ["seq", "at", "actor", "action", "room", "msg_id", "subject", "reasons", "scores"].map { Column($0) }
                + [Column("detail", sealed: .auditDetail), Column("prev_hash"), Column("hash")],
            userColumns: ["actor", "subject"], orderBy: ["seq"]),
        Table(
            name: "bans", columns: [user, Column("reason", sealed: .banReason), Column("expires_at"), Column("by", postgres: "by_user"), Column("at")],
            userColumns: ["user"], orderBy: ["user"]),
        Table(name: "sign_outs", columns: [user, Column("before")], userColumns: ["user"], orderBy: ["user"]),
        // Where the audit chain continues after retention; about nobody.
        Table(name: "audit_anchors", columns: [Column("seq"), Column("hash")], userColumns: [], orderBy: ["seq"]),
    ]
}

extension OrgTables.Table {
    /// The columns stored sealed when encryption at rest is on.
    public var sealedColumns: [OrgTables.Column] { columns.filter { $0.sealed != nil } }

    /// The PostgreSQL name of one of this table's columns.
    public func postgresName(of column: String) -> String {
        columns.first { $0.name == column }?.postgresName ?? column
    }
}
