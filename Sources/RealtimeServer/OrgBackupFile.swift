import Foundation
import Storage

/// The file `backup` writes and `restore` reads: JSON Lines. The first line is a header
/// (`format`, `version`, `org`, `created_at`); every other line is one row,
/// `{"table":…,"row":{column: value}}`, tables in `OrgTables.all` order. The same form for SQLite
/// and PostgreSQL, so a backup from either restores into either; rows stream through both ways.
enum OrgBackupFile {
    static let formatName = "realtime-server org backup"
    static let currentVersion = 2

    struct Header: Codable {
        var format: String
        var version: Int
        var org: String
        /// When the snapshot was taken (ms).
        var createdAt: Int64

        enum CodingKeys: String, CodingKey {
            case format, version, org
            case createdAt = "created_at"
        }
    }

    struct Line: Codable {
        var table: String
        var row: StoredRow
    }
}

/// Writes a backup as rows arrive, to a temporary file readable by its owner only (it holds
/// personal data); `finish` fsyncs it and renames it into place, so a crash never leaves a
/// half-written backup under the name.
final class OrgBackupWriter: @unchecked Sendable {  // used by one thread at a time: the store's read, then `finish`
    private let path: String
    private let temporary: String
    private let handle: FileHandle
    private var buffer = Data()
    private let encoder = JSONEncoder()
    private(set) var rows = 0
    private(set) var rooms = 0

    init(path: String, header: OrgBackupFile.Header) throws {
        self.path = path
        temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw CommandFailure("cannot write \(temporary)")
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        try append(header)
    }

    func write(table: String, row: StoredRow) throws {
        try append(OrgBackupFile.Line(table: table, row: row))
        rows += 1
        if table == "rooms" { rooms += 1 }
        if buffer.count >= 1 << 20 { try flush() }
    }

    func finish() throws {
        try flush()
        try handle.synchronize()
        try handle.close()
        guard rename(temporary, path) == 0 else { throw CommandFailure("cannot rename \(temporary) to \(path)") }
    }

    /// Removes the temporary file of a backup that failed.
    func abandon() {
        try? handle.close()
        try? FileManager.default.removeItem(atPath: temporary)
    }

    private func append(_ value: some Encodable) throws {
        buffer.append(try encoder.encode(value))
        buffer.append(UInt8(ascii: "\n"))
    }

    private func flush() throws {
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Reads a backup a line at a time: the header when opened, then rows for `replaceOrg`.
final class OrgBackupReader: OrgRowSource, @unchecked Sendable {  // pulled by one thread at a time: the store's write
    let header: OrgBackupFile.Header
    private let path: String
    private let handle: FileHandle
    private var buffer = LineBuffer()
    private var atEnd = false
    private var lineNumber = 1
    private let decoder = JSONDecoder()
    private let tables = Set(OrgTables.all.map(\.name))
    private(set) var rooms = 0

    init(path: String) throws {
        self.path = path
        do {
            handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        } catch {
            throw CommandFailure("cannot read \(path): \(error.localizedDescription)")
        }
        let notABackup = CommandFailure("\(path) is not a realtime-server org backup")
        var first = Data()
        if let line = try Self.nextLine(handle, &buffer, &atEnd) { first = line }
        guard let header = try? decoder.decode(OrgBackupFile.Header.self, from: first), header.format == OrgBackupFile.formatName else {
            throw notABackup
        }
        guard header.version == OrgBackupFile.currentVersion else {
            throw CommandFailure("\(path) is backup format version \(header.version); this server reads version \(OrgBackupFile.currentVersion)")
        }
        self.header = header
    }

    func next() throws -> (table: String, row: StoredRow)? {
        guard let data = try Self.nextLine(handle, &buffer, &atEnd) else { return nil }
        lineNumber += 1
        let line: OrgBackupFile.Line
        do {
            line = try decoder.decode(OrgBackupFile.Line.self, from: data)
        } catch {
            throw CommandFailure("\(path) line \(lineNumber) is not a backup row: \(error)")
        }
        guard tables.contains(line.table) else { throw CommandFailure("\(path) line \(lineNumber) has a table this server does not know: \(line.table)") }
        if line.table == "rooms" { rooms += 1 }
        return (line.table, line.row)
    }

    /// The next non-empty line, without its newline; nil at the end of the file. Consumed lines
    /// are skipped by an offset and dropped a chunk at a time (not moved once per line).
    private static func nextLine(_ handle: FileHandle, _ buffer: inout LineBuffer, _ atEnd: inout Bool) throws -> Data? {
        while true {
            if let line = buffer.takeLine() {
                if line.isEmpty { continue }
                return line
            }
            if atEnd { return buffer.takeRest() }
            let chunk = try handle.read(upToCount: 1 << 20) ?? Data()
            if chunk.isEmpty { atEnd = true } else { buffer.append(chunk) }
        }
    }
}

/// Bytes read but not yet split into lines.
struct LineBuffer {
    private var bytes: [UInt8] = []
    private var start = 0

    mutating func append(_ data: Data) {
        if start > 0 {
            bytes.removeFirst(start)
            start = 0
        }
        bytes.append(contentsOf: data)
    }

    /// The next complete line, if one is buffered.
    mutating func takeLine() -> Data? {
        guard let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        defer { start = newline + 1 }
        return Data(bytes[start..<newline])
    }

    /// What is left after the last newline (a final line without one), or nil.
    mutating func takeRest() -> Data? {
        defer {
            bytes.removeAll()
            start = 0
        }
        return start < bytes.count ? Data(bytes[start...]) : nil
    }
}

/// A command's failure, printed as one line (ArgumentParser adds "Error: ") with exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}
