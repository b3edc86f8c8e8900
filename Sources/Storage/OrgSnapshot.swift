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

/// Rows of the tables in `OrgTables.all`, by table name; each row maps column names (SQLite's)
/// to values. What a backup holds, and what a personal-data export lists.
public typealias OrgRows = [String: [[String: StoredCell]]]

/// Reading and writing one org's data as a whole: per-org backup and restore, and the
/// personal-data export.
public protocol OrgDataStore: Sendable {
    /// Every row of the org in every table of `OrgTables.all`, read in one consistent snapshot
    /// (one read transaction) while the server keeps writing. With `user`, only the rows about
    /// that user (`OrgTables.Table.userColumns`).
    func orgRows(org: String, user: String?) async throws -> OrgRows

    /// Replaces everything of the org with `rows` in one transaction (first deleting what the org
    /// has), then gives every restored room a new random epoch so clients reload instead of
    /// recovering across seqs they may already hold. Returns how many rows were written.
    func replaceOrg(_ org: String, with rows: OrgRows) async throws -> Int

    /// Whether the store holds any user or room of the org.
    func hasOrg(_ org: String) async throws -> Bool
}
