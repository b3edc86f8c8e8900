import Foundation

/// Failures the store reports itself (SQLite errors pass through as GRDB's `DatabaseError`).
///
/// Callers map these to protocol errors (`not_found`, …); the associated values name the
/// org-scoped ids so a log line says exactly what was missing.
public enum StorageError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// The room does not exist in this org (appends, member and read changes need it).
    case roomNotFound(org: String, room: String)
    /// No message with this id in this room.
    case messageNotFound(org: String, room: String, id: String)
    /// The message was deleted; its text cannot be edited back.
    case messageDeleted(org: String, room: String, id: String)
    /// A stored value cannot be read back (unknown enum raw value, bad JSON): a corrupt or foreign file.
    case invalidData(String)

    public var description: String {
        switch self {
        case let .roomNotFound(org, room):
            return "room '\(room)' not found in org '\(org)'"
        case let .messageNotFound(org, room, id):
            return "message '\(id)' not found in room '\(room)' of org '\(org)'"
        case let .messageDeleted(org, room, id):
            return "message '\(id)' in room '\(room)' of org '\(org)' is deleted"
        case let .invalidData(detail):
            return "invalid stored data: \(detail)"
        }
    }

    public var errorDescription: String? { description }
}
