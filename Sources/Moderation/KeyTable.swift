/// A read-only map from word keys (already well-mixed 64-bit hashes) to small lists of term indices, by
/// open addressing: a lookup is a mask and a probe or two, where `Dictionary` would rehash the key
/// with SipHash first. The matcher asks it several times for every word of every message.
struct KeyTable: Sendable {
    private let keys: [UInt64]
    /// For slot i, the range of `values` holding its indices (empty: a free slot).
    private let ranges: [Range<Int32>]
    private let values: [Int]
    private let mask: Int

    init(_ entries: [UInt64: [Int]]) {
        var capacity = 16
        while capacity < entries.count * 2 { capacity *= 2 }
        var keys = [UInt64](repeating: 0, count: capacity)
        var ranges = [Range<Int32>](repeating: 0..<0, count: capacity)
        var values: [Int] = []
        for (key, indices) in entries where !indices.isEmpty {
            var slot = Int(truncatingIfNeeded: key) & (capacity - 1)
            while !ranges[slot].isEmpty { slot = (slot + 1) & (capacity - 1) }
            keys[slot] = key
            ranges[slot] = Int32(values.count)..<Int32(values.count + indices.count)
            values += indices
        }
        self.keys = keys
        self.ranges = ranges
        self.values = values
        mask = capacity - 1
    }

    /// Calls `body` with each index stored under `key`. (A slice of `values` would retain and release
    /// the array on every lookup, and most lookups find nothing.)
    @inline(__always)
    func forEach(_ key: UInt64, _ body: (Int) -> Void) {
        guard let range = range(of: key) else { return }
        for offset in range { body(values[offset]) }
    }

    func contains(_ key: UInt64) -> Bool {
        range(of: key) != nil
    }

    private func range(of key: UInt64) -> Range<Int>? {
        var slot = Int(truncatingIfNeeded: key) & mask
        while !ranges[slot].isEmpty {
            if keys[slot] == key { return Int(ranges[slot].lowerBound)..<Int(ranges[slot].upperBound) }
            slot = (slot + 1) & mask
        }
        return nil
    }
}
