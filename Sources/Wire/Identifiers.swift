/// Validation of the ids clients send: `[A-Za-z0-9._:@-]{1,128}` (PROTOCOL.md, Authentication).
public enum Identifier {
    public static let maxLength = 128

    /// A direct room's id holds both user ids (`dm:<length>:<first>:<second>`), so room ids that
    /// start with `dm:` may be this long.
    public static let maxDirectRoomLength = 3 + 3 + 1 + 2 * maxLength + 1

    public static func isValid(_ id: String) -> Bool { isValid(id, maxLength: maxLength) }

    /// A room id: an id, or a direct room's longer one.
    public static func isValidRoom(_ id: String) -> Bool {
        isValid(id, maxLength: id.utf8.starts(with: "dm:".utf8) ? maxDirectRoomLength : maxLength)
    }

    private static func isValid(_ id: String, maxLength: Int) -> Bool {
        var count = 0
        for byte in id.utf8 {
            count += 1
            guard count <= maxLength, isAllowed(byte) else { return false }
        }
        return count > 0
    }

    /// One byte of an id: ASCII letters, digits and `._:@-`.
    public static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }
}
