/// A bitmap over word keys that says "certainly not" for most keys at the cost of one bit test: the
/// matcher asks it before its tables, since most words of a message start no entry.
struct KeyFilter: Sendable {
    private static let bitCount = 1 << 16
    private var bits = [UInt64](repeating: 0, count: KeyFilter.bitCount / 64)

    init(_ keys: some Sequence<UInt64>) {
        for key in keys {
            let bit = Self.bit(key)
            bits[bit >> 6] |= 1 << UInt64(bit & 63)
        }
    }

    /// False only when no key given at init is `key`.
    @inline(__always)
    func mayContain(_ key: UInt64) -> Bool {
        let bit = Self.bit(key)
        return bits[bit >> 6] & (1 << UInt64(bit & 63)) != 0
    }

    /// Bits above those `KeyTable` picks its slots by, so the two don't collide together.
    @inline(__always)
    private static func bit(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: key >> 32) & (bitCount - 1)
    }
}
