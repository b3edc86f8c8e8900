import JWTKit

enum HMACSecret {
    /// jwt-kit asserts (a crash in debug builds) that an HMAC key is at least as long as
    /// the digest. HMAC zero-pads short keys to the block size anyway (RFC 2104 §2), so
    /// padding to 32 bytes here gives the identical HS256 MAC for any shorter secret.
    static func key(_ secret: String) -> HMACKey {
        var bytes = Array(secret.utf8)
        if bytes.count < 32 {
            bytes += [UInt8](repeating: 0, count: 32 - bytes.count)
        }
        return HMACKey(from: bytes)
    }
}
