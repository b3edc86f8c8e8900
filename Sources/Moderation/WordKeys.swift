/// The hashes a word is looked up by: the whole word and its wildcard stem, in one pass over UTF-8 bytes.
enum WordKeys {
    static func of<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> (key: UInt64, stem: UInt64) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var stem = hash
        var scalars = 0
        for byte in bytes {
            // A byte that does not continue a scalar starts one.
            if byte & 0xC0 != 0x80 { scalars += 1 }
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            if scalars <= ListedTerm.wildcardStemLength { stem = hash }
        }
        return (hash, stem)
    }
}
