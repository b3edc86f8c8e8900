import Foundation

enum Base64URL {
    /// Decodes unpadded base64url (RFC 7515 §2); nil on any invalid character.
    static func decode(_ text: Substring) -> Data? {
        // Plain base64's alphabet and padding are not base64url; refuse rather than guess.
        guard !text.contains(where: { $0 == "+" || $0 == "/" || $0 == "=" }) else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        switch base64.count % 4 {
        case 0: break
        case 2: base64 += "=="
        case 3: base64 += "="
        default: return nil
        }
        return Data(base64Encoded: base64)
    }
}
