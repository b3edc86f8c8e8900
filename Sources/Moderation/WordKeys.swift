/// The hashes a word is looked up by: the whole word and its wildcard stem, in one pass over UTF-8 bytes.
/// FNV-1a, as `VocabularyTable` hashes tokens, so a word's key finds it in the classifier's vocabulary too.
enum WordKeys {
    static func of<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> (key: UInt64, stem: UInt64) {
        var hash = StableHash.seed
        var stem = hash
        var scalars = 0
        for byte in bytes {
            // A byte that does not continue a scalar starts one.
            if byte & 0xC0 != 0x80 { scalars += 1 }
            hash = (hash ^ UInt64(byte)) &* StableHash.prime
            if scalars <= ListedTerm.wildcardStemLength { stem = hash }
        }
        return (hash, stem)
    }
}
