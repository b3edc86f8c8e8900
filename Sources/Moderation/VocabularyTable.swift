/// Token → vocabulary index, looked up by UTF-8 bytes so that scoring never builds a String per token.
///
/// Open addressing over one contiguous byte buffer, built once when the model loads.
struct VocabularyTable: Sendable {
    private let keyBytes: [UInt8]
    /// Key `i` is `keyBytes[keyStarts[i]..<keyStarts[i + 1]]`.
    private let keyStarts: [Int]
    /// Key index per slot, -1 when empty.
    private let slots: [Int32]
    private let slotMask: Int
    /// Tokens longer than this cannot be in the table.
    let longestKey: Int

    /// Indexes are positions in `words`; words in `omitted` are never found (stop words).
    init(words: [String], omitted: Set<String> = []) {
        var bytes: [UInt8] = []
        var starts: [Int] = [0]
        var longest = 0
        for word in words {
            bytes.append(contentsOf: word.utf8)
            starts.append(bytes.count)
            longest = max(longest, word.utf8.count)
        }
        var capacity = 16
        while capacity < words.count * 2 { capacity <<= 1 }
        var table = [Int32](repeating: -1, count: capacity)
        let mask = capacity - 1
        for (index, word) in words.enumerated() where !omitted.contains(word) {
            var slot = Int(truncatingIfNeeded: Self.hash(word.utf8)) & mask
            while table[slot] >= 0 { slot = (slot + 1) & mask }
            table[slot] = Int32(index)
        }
        keyBytes = bytes
        keyStarts = starts
        slots = table
        slotMask = mask
        longestKey = longest
    }

    /// `hash`: the token's FNV-1a hash when the caller has it already (a normalised word's key).
    func index(of token: UnsafeBufferPointer<UInt8>, hash: UInt64? = nil) -> Int32? {
        var slot = Int(truncatingIfNeeded: hash ?? Self.hash(token)) & slotMask
        return keyBytes.withUnsafeBufferPointer { keys in
            while true {
                let candidate = slots[slot]
                if candidate < 0 { return nil }
                let start = keyStarts[Int(candidate)]
                let end = keyStarts[Int(candidate) + 1]
                if end - start == token.count, Self.equal(keys, start, token) { return candidate }
                slot = (slot + 1) & slotMask
            }
        }
    }

    func index(of word: String) -> Int32? {
        var word = word
        return word.withUTF8 { index(of: $0) }
    }

    private static func equal(_ keys: UnsafeBufferPointer<UInt8>, _ start: Int, _ token: UnsafeBufferPointer<UInt8>) -> Bool {
        for offset in 0..<token.count where keys[start + offset] != token[offset] { return false }
        return true
    }

    /// FNV-1a, 64 bit.
    private static func hash<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> UInt64 {
        var hash = StableHash.seed
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* StableHash.prime
        }
        return hash
    }
}
