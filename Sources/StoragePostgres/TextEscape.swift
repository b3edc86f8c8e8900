/// PostgreSQL text cannot hold U+0000, which clients may send in any string (and SQLite stores).
/// Every string the store writes goes through `esc` and every string it reads through `unesc`:
/// U+0001 is the escape character, `\u{1}0` stands for U+0000 and `\u{1}1` for U+0001 itself.
/// Injective, so equality (keys, lookups) is unchanged; strings without either character (all
/// real ones) pass through untouched.
@inline(__always)
func esc(_ value: String) -> String {
    guard value.utf8.contains(where: { $0 <= 1 }) else { return value }
    var escaped = ""
    escaped.reserveCapacity(value.utf8.count + 4)
    for scalar in value.unicodeScalars {
        switch scalar {
        case "\u{0}": escaped += "\u{1}0"
        case "\u{1}": escaped += "\u{1}1"
        default: escaped.unicodeScalars.append(scalar)
        }
    }
    return escaped
}

@inline(__always)
func esc(_ value: String?) -> String? { value.map { esc($0) } }

@inline(__always)
func esc(_ values: [String]) -> [String] { values.map { esc($0) } }

/// Anything that is not a string is bound as it is.
@inline(__always)
func esc<T>(_ value: T) -> T { value }

@inline(__always)
func unesc(_ value: String) -> String {
    guard value.utf8.contains(1) else { return value }
    var plain = ""
    plain.reserveCapacity(value.utf8.count)
    var escaping = false
    for scalar in value.unicodeScalars {
        if escaping {
            switch scalar {
            case "0": plain.unicodeScalars.append("\u{0}")
            case "1": plain.unicodeScalars.append("\u{1}")
            default: plain.unicodeScalars.append(scalar)
            }
            escaping = false
        } else if scalar == "\u{1}" {
            escaping = true
        } else {
            plain.unicodeScalars.append(scalar)
        }
    }
    return plain
}

@inline(__always)
func unesc(_ value: String?) -> String? { value.map { unesc($0) } }

@inline(__always)
func unesc(_ values: [String]) -> [String] { values.map { unesc($0) } }
