import Crypto
import Foundation

/// Each org's audit trail is a hash chain: entry `seq` stores the hash of entry `seq - 1` as
/// `prev_hash` and its own `hash` over its fields and that. Editing, deleting or reordering
/// stored entries breaks the chain exactly there, which `realtime-server audit verify` finds.
/// (Someone who can rewrite the whole database can rebuild a chain: keep the head hash `verify`
/// prints somewhere else to pin it.)
public enum AuditChain {
    /// `prev_hash` of an org's first entry.
    public static let genesis = String(repeating: "0", count: 64)

    /// An entry as stored, with the text of its JSON columns exactly as written.
    public struct Link: Sendable, Equatable {
        public var org: String
        public var seq: Int64
        public var at: Int64
        public var actor: String
        public var action: String
        public var room: String?
        public var msgID: String?
        public var subject: String?
        public var reasons: String
        public var scores: String
        public var detail: String?
        public var prevHash: String
        public var hash: String

        public init(
            org: String, seq: Int64, at: Int64, actor: String, action: String, room: String?, msgID: String?, subject: String?,
            reasons: String, scores: String, detail: String?, prevHash: String, hash: String = ""
        ) {
            self.org = org
            self.seq = seq
            self.at = at
            self.actor = actor
            self.action = action
            self.room = room
            self.msgID = msgID
            self.subject = subject
            self.reasons = reasons
            self.scores = scores
            self.detail = detail
            self.prevHash = prevHash
            self.hash = hash
        }

        /// The next entry of the chain for `record`, after `previous` (nil: the org's first).
        public init(_ record: AuditRecord, after previous: (seq: Int64, hash: String)?) throws {
            self.init(
                org: record.org, seq: (previous?.seq ?? 0) + 1, at: record.at, actor: record.actor, action: record.action,
                room: record.room, msgID: record.msgID, subject: record.subject, reasons: try AuditChain.text(record.reasons),
                scores: try AuditChain.text(record.scores), detail: record.detail, prevHash: previous?.hash ?? AuditChain.genesis)
            hash = AuditChain.hash(of: self)
        }
    }

    /// SHA-256 (hex) over every field but `hash`, each length-prefixed so no two entries share an input.
    public static func hash(of link: Link) -> String {
        var input = Data()
        func field(_ value: String?) {
            guard let value else {
                input.append(contentsOf: "-".utf8)
                return
            }
            let bytes = Array(value.utf8)
            input.append(contentsOf: "\(bytes.count):".utf8)
            input.append(contentsOf: bytes)
        }
        for value in [link.org, String(link.seq), String(link.at), link.actor, link.action] { field(value) }
        for value in [link.room, link.msgID, link.subject] { field(value) }
        for value in [link.reasons, link.scores] { field(value) }
        field(link.detail)
        field(link.prevHash)
        return SHA256.hash(data: input).map { String(format: "%02x", $0) }.joined()
    }

    /// Where a chain stops holding, and why.
    public struct Break: Sendable, Equatable, CustomStringConvertible {
        public var seq: Int64
        public var problem: String
        public var description: String { "entry \(seq): \(problem)" }
    }

    /// Checks `links` (ascending, one org) as a continuation of a chain whose last entry was
    /// `previous` (nil: from the org's first entry).
    public static func firstBreak(in links: [Link], after previous: (seq: Int64, hash: String)?) -> Break? {
        var last = previous
        for link in links {
            if let last {
                if link.seq != last.seq + 1 {
                    return Break(seq: link.seq, problem: "follows entry \(last.seq): entries are missing or reordered")
                }
                if link.prevHash != last.hash { return Break(seq: link.seq, problem: "prev_hash does not match the entry before it") }
            } else if link.seq != 1 {
                return Break(seq: link.seq, problem: "the entries before it are missing")
            } else if link.prevHash != genesis {
                return Break(seq: link.seq, problem: "the first entry does not start from the genesis hash")
            }
            if hash(of: link) != link.hash { return Break(seq: link.seq, problem: "its content does not match its hash (edited)") }
            last = (link.seq, link.hash)
        }
        return nil
    }

    /// The stored text of a JSON column (sorted keys, so the same value always hashes the same).
    static func text(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
