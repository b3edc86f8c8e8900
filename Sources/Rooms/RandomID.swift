/// Unguessable ids for messages, sessions and room epochs.
public enum RandomID {
    private static let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz".utf8)

    /// `prefix` followed by `length` random base-36 characters (about 5.2 bits each).
    public static func make(_ prefix: String, length: Int = 20) -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8]()
        bytes.reserveCapacity(length)
        for _ in 0..<length {
            bytes.append(alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))])
        }
        return prefix + String(decoding: bytes, as: UTF8.self)
    }
}
