import Foundation

/// JSON text built by hand, so a test can send what no encoder would write: lone surrogate
/// escapes, numbers beyond Int64 or Double, nesting thousands deep.
indirect enum RawJSON: Sendable {
    case string(String)
    /// Written as is (a number, `null`, or any token, valid or not).
    case raw(String)
    case array([RawJSON])
    /// Members in order (duplicates allowed).
    case object([(String, RawJSON)])

    static func int(_ value: Int64) -> RawJSON { .raw(String(value)) }
    static let null = RawJSON.raw("null")
    static func bool(_ value: Bool) -> RawJSON { .raw(value ? "true" : "false") }

    var text: String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case .string(let value): Self.quote(value, to: &out)
        case .raw(let token): out += token
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { out += "," }
                Self.quote(key, to: &out)
                out += ":"
                value.write(to: &out)
            }
            out += "}"
        }
    }

    /// Strings as Foundation writes them (a Swift string cannot hold a lone surrogate; `.raw` can).
    private static func quote(_ value: String, to out: inout String) {
        let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed])
        out += data.map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
    }
}
