import Foundation
import Storage

/// The file `backup` writes and `restore` reads: JSON Lines. The first line is a header
/// (`format`, `version`, `org`, `created_at`, and with encryption at rest `sealed_with` and `id`);
/// then one line per row, `{"table":…,"row":{column: value}}`, tables in `OrgTables.all` order;
/// then `{"end":<rows>}`, so a truncated file is refused. With encryption keys configured every
/// line after the header is sealed with the current key (`FieldCipher`), its place in the file
/// authenticated, so lines cannot be dropped, reordered or moved between backups. Row values are
/// plaintext inside (opened on the way out, sealed again by the restoring store), so a backup
/// from either store restores into either, and after a key rotation, as long as its key is kept.
enum OrgBackupFile {
    static let formatName = "realtime-server org backup"
    static let currentVersion = 3
    /// Version 2: no end line, never sealed.
    static let readableVersions = 2...3

    struct Header: Codable {
        var format: String
        var version: Int
        var org: String
        /// When the snapshot was taken (ms).
        var createdAt: Int64
        /// The key the lines are sealed with; nil: plaintext.
        var sealedWith: String?
        /// Random, part of every sealed line's authenticated data.
        var id: String?

        enum CodingKeys: String, CodingKey {
            case format, version, org, id
            case createdAt = "created_at"
            case sealedWith = "sealed_with"
        }
    }

    struct Line: Codable {
        var table: String
        var row: StoredRow
    }

    struct End: Codable {
        var end: Int
    }

    static func context(backup id: String, line: Int) -> String { "backup:\(id):\(line)" }
}

/// Writes a backup as rows arrive, to a temporary file readable by its owner only (it holds
/// personal data); `finish` fsyncs it and renames it into place, so a crash never leaves a
/// half-written backup under the name.
final class OrgBackupWriter: @unchecked Sendable {  // used by one thread at a time: the store's read, then `finish`
    private let path: String
    private let temporary: String
    private let handle: FileHandle
    private let cipher: FieldCipher
    private let header: OrgBackupFile.Header
    private var buffer = Data()
    private let encoder = JSONEncoder()
    private var lineNumber = 0
    private(set) var rows = 0
    private(set) var rooms = 0

    init(path: String, org: String, cipher: FieldCipher) throws {
        self.path = path
        self.cipher = cipher
        header = OrgBackupFile.Header(
            format: OrgBackupFile.formatName, version: OrgBackupFile.currentVersion, org: org,
            createdAt: Int64(Date().timeIntervalSince1970 * 1000), sealedWith: cipher.keyring?.currentID,
            id: cipher.isEnabled ? UUID().uuidString : nil)
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
        try append(OrgBackupFile.End(end: rows))
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
        let json = try encoder.encode(value)
        if let id = header.id, lineNumber > 0 {
            buffer.append(contentsOf: cipher.seal(json, context: OrgBackupFile.context(backup: id, line: lineNumber)).utf8)
        } else {
            buffer.append(json)
        }
        buffer.append(UInt8(ascii: "\n"))
        lineNumber += 1
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
    private let cipher: FieldCipher
    private var buffer = LineBuffer()
    private var atEnd = false
    private var ended = false
    private var lineNumber = 0
    private let decoder = JSONDecoder()
    private let tables = Set(OrgTables.all.map(\.name))
    private(set) var rows = 0
    private(set) var rooms = 0

    /// `cipher` opens a sealed backup: its keys must include the one the backup names.
    init(path: String, cipher: FieldCipher) throws {
        self.path = path
        self.cipher = cipher
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
        guard OrgBackupFile.readableVersions.contains(header.version) else {
            throw CommandFailure("\(path) is backup format version \(header.version); this server reads versions \(OrgBackupFile.readableVersions)")
        }
        if let key = header.sealedWith, cipher.keyring?.ids.contains(key) != true {
            throw CommandFailure("\(path) is sealed with key '\(key)', which the configured encryption keys do not include")
        }
        self.header = header
    }

    func next() throws -> (table: String, row: StoredRow)? {
        guard let data = try Self.nextLine(handle, &buffer, &atEnd) else {
            if header.version >= 3, !ended { throw CommandFailure("\(path) ends after \(rows) rows without its end line: the backup is truncated") }
            return nil
        }
        lineNumber += 1
        guard !ended else { throw CommandFailure("\(path) line \(lineNumber + 1) follows the end line") }
        let json = try opened(data)
        if let line = try? decoder.decode(OrgBackupFile.Line.self, from: json) {
            guard tables.contains(line.table) else {
                throw CommandFailure("\(path) line \(lineNumber + 1) has a table this server does not know: \(line.table)")
            }
            rows += 1
            if line.table == "rooms" { rooms += 1 }
            return (line.table, line.row)
        }
        if header.version >= 3, let end = try? decoder.decode(OrgBackupFile.End.self, from: json) {
            guard end.end == rows else { throw CommandFailure("\(path) ends after \(rows) rows but says it holds \(end.end)") }
            ended = true
            return try next()
        }
        throw CommandFailure("\(path) line \(lineNumber + 1) is not a backup row")
    }

    /// A line as JSON: opened when the backup is sealed.
    private func opened(_ data: Data) throws -> Data {
        guard let id = header.id, header.sealedWith != nil else { return data }
        let context = OrgBackupFile.context(backup: id, line: lineNumber)
        guard let plain = try? cipher.open(sealed: String(decoding: data, as: UTF8.self), context: context) else {
            throw CommandFailure("\(path) line \(lineNumber + 1) does not open with its key: the backup was altered, or lines moved")
        }
        return plain
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
