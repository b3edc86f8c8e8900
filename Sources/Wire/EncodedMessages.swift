import Foundation

/// The messages of a `joined` or `history` reply, each encoded once, so the reply can carry the
/// newest ones that fit a byte budget (PROTOCOL.md, Rooms: no reply the server chooses to send
/// may close the client as a slow consumer).
struct EncodedMessages {
    /// Ascending by seq, like the messages they were made from.
    private let parts: [Data]

    /// nil when a message cannot be encoded (our own Codable types: not expected).
    init?(_ messages: [ChatMessage]) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        var parts: [Data] = []
        parts.reserveCapacity(messages.count)
        for message in messages {
            guard let data = try? encoder.encode(message) else { return nil }
            parts.append(data)
        }
        self.parts = parts
    }

    var count: Int { parts.count }

    /// How many of the newest messages fit in a JSON array of at most `bytes` bytes, but at least
    /// `minimum` (so paging always moves on, whatever one message weighs).
    func newestCount(fitting bytes: Int, minimum: Int = 0) -> Int {
        var used = 2  // []
        var kept = 0
        for part in parts.reversed() {
            let next = used + part.count + (kept == 0 ? 0 : 1)
            guard next <= bytes || kept < minimum else { break }
            used = next
            kept += 1
        }
        return kept
    }

    /// The JSON array of the newest `count` messages, ascending.
    func array(newest count: Int) -> [UInt8] {
        let chosen = parts.suffix(count)
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        bytes.reserveCapacity(chosen.reduce(2 + chosen.count) { $0 + $1.count })
        for (index, part) in chosen.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: part)
        }
        bytes.append(UInt8(ascii: "]"))
        return bytes
    }
}
