#if canImport(Glibc)
import Glibc
#endif

/// Byte-level lookups in one received JSON frame. Message pushes arrive at hundreds of
/// thousands per second, so the harness finds the few fields it needs (`"seq":`, the
/// embedded send time) by scanning instead of decoding. It relies on what PROTOCOL.md
/// fixes: compact JSON, ids without escapes, and the harness's own text format.
struct FrameScanner {
    let base: UnsafePointer<UInt8>
    let count: Int

    init(_ base: UnsafePointer<UInt8>, count: Int) {
        self.base = base
        self.count = count
    }

    /// Index just past the first occurrence of `needle` at or after `start`.
    func end(of needle: StaticString, from start: Int = 0) -> Int? {
        let needleCount = needle.utf8CodeUnitCount
        guard needleCount > 0 else { return start }
        let first = needle.utf8Start.pointee
        var position = start
        while position + needleCount <= count {
            let remaining = count - position
            guard let hit = memchr(base + position, Int32(first), remaining) else { return nil }
            let index = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            guard index + needleCount <= count else { return nil }
            if memcmp(base + index, needle.utf8Start, needleCount) == 0 { return index + needleCount }
            position = index + 1
        }
        return nil
    }

    /// The integer starting at `index` (optional minus sign, then digits).
    func integer(at index: Int) -> Int64? {
        var position = index
        var negative = false
        if position < count && base[position] == UInt8(ascii: "-") {
            negative = true
            position += 1
        }
        var value: Int64 = 0
        let digitsStart = position
        while position < count {
            let byte = base[position]
            guard byte >= 48 && byte <= 57 else { break }
            value = value &* 10 &+ Int64(byte &- 48)
            position += 1
        }
        guard position > digitsStart else { return nil }
        return negative ? -value : value
    }

    /// The integer right after `needle` (e.g. `"seq":`).
    func integer(after needle: StaticString, from start: Int = 0) -> Int64? {
        guard let index = end(of: needle, from: start) else { return nil }
        return integer(at: index)
    }

    /// The bytes of the string value right after `needle` (which ends with the opening quote).
    func stringRange(after needle: StaticString, from start: Int = 0) -> Range<Int>? {
        guard let index = end(of: needle, from: start) else { return nil }
        guard let close = memchr(base + index, Int32(UInt8(ascii: "\"")), count - index) else { return nil }
        return index..<base.distance(to: close.assumingMemoryBound(to: UInt8.self))
    }

    func string(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(start: base + range.lowerBound, count: range.count), as: UTF8.self)
    }

    func matches(_ range: Range<Int>, _ bytes: [UInt8]) -> Bool {
        guard range.count == bytes.count else { return false }
        return bytes.withUnsafeBufferPointer { buffer in
            guard let pointer = buffer.baseAddress else { return range.isEmpty }
            return memcmp(base + range.lowerBound, pointer, range.count) == 0
        }
    }

    func hasPrefix(_ literal: StaticString, at index: Int) -> Bool {
        let length = literal.utf8CodeUnitCount
        return index + length <= count && memcmp(base + index, literal.utf8Start, length) == 0
    }

    /// The frame's `type`, from the first `"type":"` (the only top-level one in protocol v1).
    func frameType() -> FrameType {
        guard let index = end(of: #""type":""#) else { return .unknown }
        for candidate in FrameType.scanned where hasPrefix(candidate.literal, at: index) {
            return candidate
        }
        return .other
    }
}

/// The server frame types the harness reacts to.
enum FrameType: Equatable {
    case message, ack, joined, hello, room, error, ok, typing, read, presence, pong
    case other, unknown

    /// Most frequent first: the scan stops at the first match.
    static let scanned: [FrameType] = [.message, .ack, .typing, .read, .presence, .joined, .hello, .room, .error, .ok, .pong]

    /// The value with its closing quote, so `read` never matches a longer name.
    var literal: StaticString {
        switch self {
        case .message: return #"message""#
        case .ack: return #"ack""#
        case .joined: return #"joined""#
        case .hello: return #"hello""#
        case .room: return #"room""#
        case .error: return #"error""#
        case .ok: return #"ok""#
        case .typing: return #"typing""#
        case .read: return #"read""#
        case .presence: return #"presence""#
        case .pong: return #"pong""#
        case .other, .unknown: return ""
        }
    }
}
