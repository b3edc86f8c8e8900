import Foundation
import Storage

/// The file `backup` writes and `restore` reads: one JSON document with every row of one org,
/// table by table (`OrgTables`), in the same form for SQLite and PostgreSQL, so a backup taken
/// from either restores into either.
struct OrgBackupFile: Codable {
    static let formatName = "realtime-server org backup"
    static let currentVersion = 1

    var format: String
    var version: Int
    var org: String
    /// When the snapshot was taken (ms).
    var createdAt: Int64
    var tables: OrgRows

    enum CodingKeys: String, CodingKey {
        case format, version, org, tables
        case createdAt = "created_at"
    }

    init(org: String, createdAt: Int64, tables: OrgRows) {
        format = Self.formatName
        version = Self.currentVersion
        self.org = org
        self.createdAt = createdAt
        self.tables = tables
    }

    static func read(from path: String) throws -> OrgBackupFile {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CommandFailure("cannot read \(path): \(error.localizedDescription)")
        }
        let file: OrgBackupFile
        do {
            file = try JSONDecoder().decode(OrgBackupFile.self, from: data)
        } catch {
            throw CommandFailure("\(path) is not a realtime-server org backup: \(error)")
        }
        guard file.format == formatName else { throw CommandFailure("\(path) is not a realtime-server org backup") }
        guard file.version == currentVersion else {
            throw CommandFailure("\(path) is backup format version \(file.version); this server reads version \(currentVersion)")
        }
        let known = Set(OrgTables.all.map(\.name))
        if let unknown = file.tables.keys.first(where: { !known.contains($0) }) {
            throw CommandFailure("\(path) has a table this server does not know: \(unknown)")
        }
        return file
    }

    /// Written to a temporary file readable by the owner only (it holds personal data), fsynced,
    /// then renamed: a crash leaves no half-written backup under the name.
    func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: try encoder.encode(self), attributes: [.posixPermissions: 0o600]) else {
            throw CommandFailure("cannot write \(temporary)")
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
        try handle.synchronize()
        try handle.close()
        guard rename(temporary, path) == 0 else { throw CommandFailure("cannot rename \(temporary) to \(path)") }
    }
}

/// A command's failure, printed as one line (ArgumentParser adds "Error: ") with exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}
