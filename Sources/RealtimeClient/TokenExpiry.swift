import Foundation
import JSONValues

/// The `exp` of a JWT, read without verifying it (the server verifies): when to refresh.
enum TokenExpiry {
    static func expiry(of token: String) -> Date? {
        let parts = token.split(separator: ".")
        guard parts.count == 3 else { return nil }
        var base64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64),
              let payload = try? JSONDecoder().decode(JSONValue.self, from: data),
              let exp = payload["exp"]?.int
        else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(exp))
    }
}
