import Foundation
import Wire

/// How both backends turn stored columns back into models, with one `invalidData` message for a
/// corrupt or foreign database.
public enum StoredValue {
    public static func decodeEnum<E: RawRepresentable>(_ type: E.Type, _ raw: String, column: String) throws -> E where E.RawValue == String {
        guard let value = E(rawValue: raw) else {
            throw StorageError.invalidData("unknown value '\(raw)' in \(column)")
        }
        return value
    }

    public static func encodeModeration(_ note: ModerationNote) throws -> String {
        String(decoding: try JSONEncoder().encode(note), as: UTF8.self)
    }

    public static func decodeModeration(_ json: String) throws -> ModerationNote {
        do {
            return try JSONDecoder().decode(ModerationNote.self, from: Data(json.utf8))
        } catch {
            throw StorageError.invalidData("bad moderation JSON in messages.moderation: \(error)")
        }
    }
}
