/// FNV-1a over UTF-8: a hash that is the same in every process, unlike `Hasher`.
enum StableHash {
    static let seed: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01b3

    static func of(_ text: String, seed: UInt64 = seed) -> UInt64 {
        var hash = seed
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* prime }
        return hash
    }

    /// Org and user together; the separator keeps ("ab","c") and ("a","bc") apart.
    static func of(org: String, user: String) -> UInt64 {
        of(user, seed: of(org) ^ 0xff)
    }
}
