/// Finds a frame's top-level `"id"` without decoding the frame, so a frame refused by the rate
/// limiter (before any JSON parsing, which is what a flood costs) can still be answered with `re`.
/// Only a plain string id (no escapes) of up to `RequestDecoder.maxRequestIDLength` bytes counts;
/// anything unusual yields nil, and the reply then simply carries no `re`.
public enum RequestIDPeek {
    public static func id(in bytes: [UInt8]) -> String? {
        var scanner = Scanner(bytes: bytes)
        guard scanner.consume(UInt8(ascii: "{")) else { return nil }
        while true {
            guard let key = scanner.plainString() else { return nil }
            guard scanner.consume(UInt8(ascii: ":")) else { return nil }
            if key.elementsEqual("id".utf8) {
                guard let value = scanner.plainString(), !value.isEmpty, value.count <= RequestDecoder.maxRequestIDLength else { return nil }
                return String(decoding: value, as: UTF8.self)
            }
            guard scanner.skipValue(), scanner.consume(UInt8(ascii: ",")) else { return nil }
        }
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
        }

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func consume(_ byte: UInt8) -> Bool {
            skipSpace()
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        /// A string without escapes, as its raw bytes; nil for anything else.
        mutating func plainString() -> ArraySlice<UInt8>? {
            guard consume(UInt8(ascii: "\"")) else { return nil }
            let start = index
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    index += 1
                    return bytes[start..<(index - 1)]
                case UInt8(ascii: "\\"):
                    return nil
                default:
                    index += 1
                }
            }
            return nil
        }

        /// Skips one value of any kind, tracking strings (with escapes) and nesting.
        mutating func skipValue() -> Bool {
            skipSpace()
            var depth = 0
            var inString = false
            while index < bytes.count {
                let byte = bytes[index]
                if inString {
                    if byte == UInt8(ascii: "\\") {
                        index += 1
                    } else if byte == UInt8(ascii: "\"") {
                        inString = false
                        if depth == 0 {
                            index += 1
                            return true
                        }
                    }
                } else {
                    switch byte {
                    case UInt8(ascii: "\""): inString = true
                    case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        if depth == 0 { return true }  // end of the enclosing object: the value was a scalar
                        depth -= 1
                        if depth == 0 {
                            index += 1
                            return true
                        }
                    case UInt8(ascii: ","):
                        if depth == 0 { return true }
                    default: break
                    }
                }
                index += 1
            }
            return false
        }
    }
}
