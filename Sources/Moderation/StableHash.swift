/// FNV-1a over UTF-8: a hash that is the same in every process, unlike `Hasher`.
enum StableHash {
    static func of(_ text: String, seed: UInt64 = 0xcbf2_9ce4_8422_2325) -> UInt64 {
        var hash = seed
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return hash
    }

    /// Org and user together; the separator keeps ("ab","c") and ("a","bc") apart.
    static func of(org: String, user: String) -> UInt64 {
        of(user, seed: of(org) ^ 0xff)
    }
}
