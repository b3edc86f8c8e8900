/// One value of a stored row, as both backends hold it: SQLite's storage classes (booleans are
/// 0 and 1). Encoded as the JSON null, number or string.
public enum StoredCell: Sendable, Equatable, Codable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let integer = try? container.decode(Int64.self) {
            self = .integer(integer)
        } else if let real = try? container.decode(Double.self) {
            self = .real(real)
        } else {
            self = .text(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .integer(let value): try container.encode(value)
        case .real(let value): try container.encode(value)
        case .text(let value): try container.encode(value)
        }
    }
}

/// One stored row of a table of `OrgTables.all`: column names (SQLite's) to values.
public typealias StoredRow = [String: StoredCell]

/// Rows by table name, for what is small enough to hold at once (a personal-data export).
public typealias OrgRows = [String: [StoredRow]]

/// Rows to restore, pulled one at a time in table order (`OrgTables.all`): a backup file being read.
public protocol OrgRowSource: AnyObject, Sendable {
    /// The next row and its table, or nil at the end.
    func next() throws -> (table: String, row: StoredRow)?
}

/// Reading and writing one org's data as a whole: per-org backup and restore, the personal-data
/// export, and re-sealing after a key rotation. Rows stream through: an org of any size costs little memory.
public protocol OrgDataStore: Sendable {
    /// Hands every row of the org in every table of `OrgTables.all` to `emit`, table by table, as
    /// it is read, all in one consistent snapshot (one read transaction) while the server keeps
    /// writing. With `user`, only the rows about that user (`OrgTables.Table.userColumns`).
    func readOrg(org: String, user: String?, _ emit: @escaping @Sendable (_ table: String, _ row: StoredRow) throws -> Void) async throws

    /// Replaces everything of the org with the rows of `source` in one transaction (first deleting
    /// what the org has), then gives every restored room a new random epoch so clients reload
    /// instead of recovering across seqs they may already hold. Returns how many rows were written.
    func replaceOrg(_ org: String, from source: any OrgRowSource) async throws -> Int

    /// Whether the store holds any user or room of the org.
    func hasOrg(_ org: String) async throws -> Bool

    /// Re-seals, with the current key, up to `limit` rows of `table` (any org) whose sealed
    /// columns hold plaintext or values of an older key, in one short transaction. Returns how
    /// many rows it rewrote: 0 once none are left. Servers keep running meanwhile.
    func resealBatch(_ table: OrgTables.Table, limit: Int) async throws -> Int

    /// Erases one user's personal data (GDPR) in one transaction: their messages become
    /// tombstones (no text, no name; seqs stay, so rooms keep no gaps), and their reactions (and
    /// everyone's on their messages), held messages, points, scores, achievements, helpful awards and account row are removed.
    /// Memberships, bans, sign-outs and audit entries (ids only, kept for security) stay.
    func eraseUser(org: String, user: String, at: Int64) async throws -> ErasedUser
}

/// What `eraseUser` changed.
public struct ErasedUser: Sendable, Equatable {
    /// Messages that were live and are tombstones now, oldest first per room (for `message.deleted` pushes).
    public var messages: [(room: String, msgID: String)]
    public var reactions: Int
    public var heldMessages: Int

    public init(messages: [(room: String, msgID: String)], reactions: Int, heldMessages: Int) {
        self.messages = messages
        self.reactions = reactions
        self.heldMessages = heldMessages
    }

    public static func == (a: ErasedUser, b: ErasedUser) -> Bool {
        a.messages.map { "\($0.room)/\($0.msgID)" } == b.messages.map { "\($0.room)/\($0.msgID)" }
            && a.reactions == b.reactions && a.heldMessages == b.heldMessages
    }
}

extension OrgDataStore {
    /// Every row read by `readOrg`, collected by table (every table present, maybe empty).
    public func orgRows(org: String, user: String?) async throws -> OrgRows {
        let collected = RowCollector(tables: OrgTables.all.filter { user == nil || !$0.userColumns.isEmpty })
        try await readOrg(org: org, user: user) { table, row in collected.add(table, row) }
        return collected.rows
    }
}

/// Collects rows from `readOrg`'s callback (called on one thread at a time).
private final class RowCollector: @unchecked Sendable {
    private(set) var rows: OrgRows

    init(tables: [OrgTables.Table]) {
        rows = Dictionary(uniqueKeysWithValues: tables.map { ($0.name, []) })
    }

    func add(_ table: String, _ row: StoredRow) { rows[table, default: []].append(row) }
}
