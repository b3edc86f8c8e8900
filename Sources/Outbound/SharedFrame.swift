/// One encoded WebSocket message, immutable once built, shared by every recipient.
///
/// The payload sits after `headroom` spare bytes so the transport can write the
/// WebSocket frame header in front of it without copying (libwebsockets' LWS_PRE).
/// A broadcast is encoded once into one `SharedFrame`; each recipient's queue holds
/// a reference to it, never a copy.
public final class SharedFrame: @unchecked Sendable {
    /// Spare bytes before the payload. Must be at least libwebsockets' LWS_PRE (16 in 4.1).
    public static let headroom = 16

    /// Start of the allocation: `headroom` bytes, then the payload.
    /// Only the transport's single service thread writes into the headroom; the payload never changes.
    public let base: UnsafeMutableRawPointer
    /// Payload length in bytes.
    public let count: Int
    public let isBinary: Bool

    /// Allocates `count` payload bytes and lets `fill` write them exactly once.
    public init(count: Int, isBinary: Bool = false, fill: (UnsafeMutableRawBufferPointer) -> Void) {
        self.count = count
        self.isBinary = isBinary
        base = UnsafeMutableRawPointer.allocate(byteCount: Self.headroom + max(count, 1), alignment: 16)
        fill(UnsafeMutableRawBufferPointer(start: base + Self.headroom, count: count))
    }

    public convenience init(bytes: UnsafeRawBufferPointer, isBinary: Bool = false) {
        self.init(count: bytes.count, isBinary: isBinary) { $0.copyMemory(from: bytes) }
    }

    public convenience init(_ bytes: [UInt8], isBinary: Bool = false) {
        self.init(count: bytes.count, isBinary: isBinary) { destination in
            bytes.withUnsafeBytes { destination.copyMemory(from: $0) }
        }
    }

    public convenience init(text: String) {
        let utf8 = text.utf8
        self.init(count: utf8.count) { destination in
            destination.copyBytes(from: utf8)
        }
    }

    /// Pointer to the first payload byte (what `lws_write` takes).
    public var payload: UnsafeMutableRawPointer { base + Self.headroom }

    /// A read-only view of the payload.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: payload, count: count) }

    deinit { base.deallocate() }
}
