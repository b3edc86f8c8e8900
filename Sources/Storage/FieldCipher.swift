import Crypto
import Foundation

/// Encryption at rest of the personal columns `OrgTables` marks `sealed` (message text, names,
/// titles, reasons, audit details), with AES-256-GCM.
///
/// A sealed value is text, so both backends keep their column types:
/// `U+0002 "rts1." <key id> "." base64(nonce ‖ ciphertext ‖ tag)`. The column's name is the
/// authenticated data, so a value moved to another column does not open (backups use the same
/// form per line, with the line's place as the authenticated data). New values are sealed
/// with the keyring's current key; any key of the ring opens. A value without the marker is
/// plaintext written before encryption was turned on (no text the server accepts starts with a
/// control character): it reads as it is, and `keys rotate` seals it.
public struct FieldCipher: Sendable {
    /// No keys: values are stored as they are.
    public static let plaintext = FieldCipher(keyring: nil)

    public let keyring: Keyring?

    public init(keyring: Keyring?) {
        self.keyring = keyring
    }

    public var isEnabled: Bool { keyring != nil }

    static let marker = "\u{2}rts1."

    /// The prefix of every value sealed with the current key (`keys rotate` re-seals the others).
    public var currentPrefix: String? { keyring.map { Self.marker + $0.currentID + "." } }

    public func seal(_ value: String, _ column: SealedColumn) -> String {
        guard isEnabled else { return value }
        return seal(Data(value.utf8), context: column.description)
    }

    /// The plaintext of a stored value: opened when sealed, as it is when not.
    public func open(_ stored: String, _ column: SealedColumn) throws -> String {
        guard let plain = try open(sealed: stored, context: column.description) else { return stored }
        guard let text = String(data: plain, encoding: .utf8) else { throw StorageError.invalidData("\(column): a sealed value is not UTF-8") }
        return text
    }

    public func open(_ stored: String?, _ column: SealedColumn) throws -> String? {
        try stored.map { try open($0, column) }
    }

    /// `plaintext` sealed with the current key; `context` (authenticated, not stored) must be
    /// given again to open it. Requires keys (`isEnabled`).
    public func seal(_ plaintext: Data, context: String) -> String {
        guard let keyring else { preconditionFailure("FieldCipher.seal(_:context:) without keys") }
        do {
            let box = try AES.GCM.seal(plaintext, using: keyring.current, authenticating: Data(context.utf8))
            // `combined` is nil only for a nonce of non-standard size; `seal` always makes 12 bytes.
            guard let combined = box.combined else { preconditionFailure("AES.GCM.seal with a standard nonce") }
            return Self.marker + keyring.currentID + "." + combined.base64EncodedString()
        } catch {
            // Sealing fails only for a key of the wrong size, which `Keyring` refuses.
            preconditionFailure("AES.GCM.seal with a 256-bit key: \(error)")
        }
    }

    /// The plaintext of a sealed value; nil when `stored` is not sealed at all.
    public func open(sealed stored: String, context: String) throws -> Data? {
        guard stored.hasPrefix(Self.marker) else { return nil }
        let body = stored.dropFirst(Self.marker.count)
        guard let dot = body.firstIndex(of: ".") else { throw StorageError.invalidData("\(context): a sealed value without a key id") }
        let keyID = String(body[..<dot])
        guard let key = keyring?.keys[keyID] else {
            throw StorageError.invalidData("\(context): sealed with key '\(keyID)', which the configured keys do not include")
        }
        guard let combined = Data(base64Encoded: String(body[body.index(after: dot)...])),
            let box = try? AES.GCM.SealedBox(combined: combined),
            let plain = try? AES.GCM.open(box, using: key, authenticating: Data(context.utf8))
        else {
            throw StorageError.invalidData("\(context): a value sealed with key '\(keyID)' does not open (altered, or moved)")
        }
        return plain
    }

    /// True when `stored` is plaintext or sealed with a key other than the current one.
    public func needsResealing(_ stored: String) -> Bool {
        guard let prefix = currentPrefix else { return false }
        return !stored.hasPrefix(prefix)
    }
}

/// A column holding sealed values: its name is the authenticated data.
public struct SealedColumn: Sendable, CustomStringConvertible {
    public let table: String
    public let column: String

    public init(_ table: String, _ column: String) {
        self.table = table
        self.column = column
    }

    public var description: String { "\(table).\(column)" }

    public static let userName = SealedColumn("users", "name")
    public static let roomTitle = SealedColumn("rooms", "title")
    public static let messageText = SealedColumn("messages", "text")
    public static let messageUserName = SealedColumn("messages", "user_name")
    public static let heldText = SealedColumn("held_messages", "text")
    public static let heldUserName = SealedColumn("held_messages", "user_name")
    public static let auditDetail = SealedColumn("audit_log", "detail")
    public static let banReason = SealedColumn("bans", "reason")
}

/// Whole rows (backup, restore, export, rotation): only the columns `OrgTables` marks sealed change.
extension FieldCipher {
    public func open(_ cell: StoredCell, _ column: OrgTables.Column) throws -> StoredCell {
        guard let sealed = column.sealed, case .text(let stored) = cell else { return cell }
        return .text(try open(stored, sealed))
    }

    public func seal(_ cell: StoredCell, _ column: OrgTables.Column) -> StoredCell {
        guard let sealed = column.sealed, case .text(let plain) = cell else { return cell }
        return .text(seal(plain, sealed))
    }

    /// Sealed with the current key: plaintext and values of older keys are (re-)sealed.
    public func reseal(_ cell: StoredCell, _ column: OrgTables.Column) throws -> StoredCell {
        guard case .text(let stored) = cell, needsResealing(stored) else { return cell }
        return seal(try open(cell, column), column)
    }
}
