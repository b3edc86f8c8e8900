import Glibc

/// An IPv4 or IPv6 address. An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is its IPv4
/// address, so a dual-stack socket and an IPv4 one name the same client alike.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// Network byte order: 4 bytes (IPv4) or 16 (IPv6).
    let bytes: [UInt8]

    /// Parses an address literal, with or without IPv6 brackets and surrounding spaces.
    public init?(_ text: some StringProtocol) {
        var literal = text.trimmingWhitespace()
        if literal.hasPrefix("[") && literal.hasSuffix("]") { literal = String(literal.dropFirst().dropLast()) }
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, literal, &v4) == 1 {
            bytes = withUnsafeBytes(of: v4) { Array($0) }
        } else if inet_pton(AF_INET6, literal, &v6) == 1 {
            let all = withUnsafeBytes(of: v6) { Array($0) }
            let mappedPrefix: [UInt8] = Array(repeating: 0, count: 10) + [0xFF, 0xFF]
            bytes = Array(all.prefix(12)) == mappedPrefix ? Array(all.suffix(4)) : all
        } else {
            return nil
        }
    }

    /// The canonical text form (`inet_ntop`), the key per-IP limits count by.
    public var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        let written = bytes.withUnsafeBytes { source in
            inet_ntop(family, source.baseAddress, &buffer, socklen_t(buffer.count))
        }
        guard written != nil else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// An address block such as `10.0.0.0/8` or `fd00::/8`; a bare address is a block of one.
public struct IPNetwork: Sendable, Equatable {
    let base: IPAddress
    let prefixLength: Int

    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0]) else { return nil }
        let bits = address.bytes.count * 8
        if parts.count == 2 {
            guard let length = Int(parts[1].trimmingWhitespace()), (0...bits).contains(length) else { return nil }
            prefixLength = length
        } else {
            prefixLength = bits
        }
        base = address
    }

    public func contains(_ address: IPAddress) -> Bool {
        guard address.bytes.count == base.bytes.count else { return false }
        var remaining = prefixLength
        for (index, byte) in base.bytes.enumerated() where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            guard byte & mask == address.bytes[index] & mask else { return false }
            remaining -= 8
        }
        return true
    }
}
