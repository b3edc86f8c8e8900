import Foundation
import GRDB
import Storage
import Logging

/// Detects that the database file is not the one this server last wrote (restored from a
/// backup, copied in from elsewhere) and then gives every room a new epoch.
///
/// Why: a restored file has lower `last_seq`s than clients have seen, so new messages would
/// reuse seqs clients already hold; under the old epoch a `join` with `since` would answer
/// `recovered:true` with a gap. A new epoch makes every client reload instead.
///
/// How: a random generation id lives both in the database and in a sidecar file next to it
/// (`<db>.generation`). A new id is written to both at every open and at every clean close,
/// so a copy taken while the server ran, or between two runs, carries an id the sidecar no
/// longer holds. At open, a database whose id differs from the sidecar's (or has an id but no
/// sidecar) is a restore. A fresh database has no id yet: nothing to rotate.
///
/// The one restore this cannot see: a copy taken during a run that then crashed (no clean
/// close), restored before the next start. Deleting the sidecar when restoring forces rotation.
enum StoreGeneration {
    /// Where the sidecar of the database at `databasePath` lives.
    static func sidecarPath(for databasePath: String) -> String { databasePath + ".generation" }

    /// Checks the database against its sidecar, rotates room epochs on a mismatch, then writes
    /// a new generation to both. Returns how many rooms got a new epoch.
    @discardableResult
    static func open(_ pool: DatabasePool, databasePath: String, logger: Logger) throws -> Int {
        let sidecar = sidecarPath(for: databasePath)
        let remembered = try readSidecar(sidecar)
        let next = makeID()
        let rotated = try pool.write { db -> Int in
            let stored = try String.fetchOne(db, sql: "SELECT generation FROM store_generation WHERE id = 1")
            var rotated = 0
            if let stored, stored != remembered {
                // Random per room, like the epochs rooms are created with.
                try db.execute(sql: "UPDATE rooms SET epoch = 'e' || lower(hex(randomblob(12)))")
                rotated = db.changesCount
            }
            try store(next, in: db)
            return rotated
        }
        if rotated > 0 {
            logger.warning(
                "database generation differs from its sidecar (restored from a copy?): every room has a new epoch",
                metadata: ["path": "\(databasePath)", "rooms": "\(rotated)"])
        }
        try writeSidecar(next, to: sidecar)
        return rotated
    }

    /// A clean close moves both to a new id, so copies taken during this run are recognised later.
    static func close(_ pool: DatabasePool, databasePath: String) throws {
        let next = makeID()
        try pool.write { db in try store(next, in: db) }
        try writeSidecar(next, to: sidecarPath(for: databasePath))
    }

    private static func store(_ generation: String, in db: Database) throws {
        try db.execute(
            sql: "INSERT INTO store_generation (id, generation) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET generation = excluded.generation",
            arguments: [generation])
    }

    private static func makeID() -> String { UUID().uuidString.lowercased() }

    private static func readSidecar(_ path: String) throws -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Written to a temporary file, fsynced, then renamed: a crash leaves the old or the new id, never half.
    private static func writeSidecar(_ generation: String, to path: String) throws {
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data((generation + "\n").utf8)) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary])
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
        try handle.synchronize()
        try handle.close()
        if rename(temporary, path) != 0 {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }
}
