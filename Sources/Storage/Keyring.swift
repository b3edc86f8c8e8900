import Crypto
import Foundation

/// The keys encryption at rest uses: 256-bit keys by id; the first listed is current (it seals
/// new values), the others only open what they sealed until `keys rotate` has re-sealed it.
///
/// Text form (a key file, or `RTS_ENCRYPTION_KEYS`): entries `<id>:<base64 of 32 bytes>`
/// separated by line breaks or commas; `#` starts a comment. `Keyring.generateEntry` makes one.
public struct Keyring: Sendable {
    public let currentID: String
    public let ids: [String]
    let keys: [String: SymmetricKey]

    var current: SymmetricKey {
        // `init` guarantees the current id is a key of the ring.
        keys[currentID] ?? SymmetricKey(size: .bits256)
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    public init(parsing text: String) throws(Invalid) {
        var ids: [String] = []
        var keys: [String: SymmetricKey] = [:]
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "," }) {
            let entry = (line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
                .trimmingCharacters(in: .whitespaces)
            if entry.isEmpty { continue }
            let parts = entry.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, Self.isValidID(parts[0]) else {
                throw Invalid(description: "a key entry must be <id>:<base64 key> with an id of 1 to 32 letters, digits, '-' or '_'")
            }
            guard let bytes = Data(base64Encoded: parts[1]), bytes.count == 32 else {
                throw Invalid(description: "key '\(parts[0])' is not 32 bytes in base64 (make one with `realtime-server keys generate`)")
            }
            guard keys[parts[0]] == nil else { throw Invalid(description: "key id '\(parts[0])' is listed twice") }
            ids.append(parts[0])
            keys[parts[0]] = SymmetricKey(data: bytes)
        }
        guard let first = ids.first else { throw Invalid(description: "no keys listed") }
        currentID = first
        self.ids = ids
        self.keys = keys
    }

    /// A new entry for a key file: `<id>:<base64 key>`, the id from the date and a random suffix.
    public static func generateEntry(now: Date = Date()) -> String {
        let key = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        let day = ISO8601DateFormatter.string(from: now, timeZone: .gmt, formatOptions: [.withFullDate]).replacingOccurrences(of: "-", with: "")
        let suffix = String(UInt16.random(in: 0...UInt16.max), radix: 16)
        return "k\(day)-\(suffix):\(key.base64EncodedString())"
    }

    static func isValidID(_ id: String) -> Bool {
        (1...32).contains(id.count) && id.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_") }
    }
}
