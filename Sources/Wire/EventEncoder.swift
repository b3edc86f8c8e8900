import Foundation
import Outbound

/// Encodes a server event once into a frame every recipient shares.
public enum EventEncoder {
    public static func frame(_ event: some ServerEvent) -> SharedFrame {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        do {
            let data = try encoder.encode(event)
            return data.withUnsafeBytes { SharedFrame(bytes: $0) }
        } catch {
            // Our own event types only hold strings, numbers and arrays of them; encoding cannot fail.
            // Fall back to a well-formed error rather than crash a request path.
            return encodingFailed
        }
    }

    /// Sent instead of an event that could not be encoded: a well-formed error, never a crash.
    static var encodingFailed: SharedFrame {
        SharedFrame(text: #"{"type":"error","code":"internal","message":"encoding failed"}"#)
    }
}
