import CLibWebSockets
import Outbound

/// The header of an unmasked (server-to-client), final WebSocket frame (RFC 6455 §5.2).
enum FrameHeader {
    static let maxSize = 10

    static func size(payload: Int) -> Int {
        payload < 126 ? 2 : payload <= 0xFFFF ? 4 : 10
    }

    /// Writes the header at `to`; returns its size.
    static func write(payload: Int, isBinary: Bool, to: UnsafeMutableRawPointer) -> Int {
        to.storeBytes(of: 0x80 | (isBinary ? 0x2 : 0x1), as: UInt8.self)
        let size = size(payload: payload)
        switch size {
        case 2:
            to.storeBytes(of: UInt8(payload), toByteOffset: 1, as: UInt8.self)
        case 4:
            to.storeBytes(of: 126, toByteOffset: 1, as: UInt8.self)
            to.storeBytes(of: UInt16(payload).bigEndian, toByteOffset: 2, as: UInt16.self)
        default:
            to.storeBytes(of: 127, toByteOffset: 1, as: UInt8.self)
            to.storeBytes(of: UInt64(payload).bigEndian, toByteOffset: 2, as: UInt64.self)
        }
        return size
    }
}

/// The frames one WRITEABLE callback writes (service thread only): a batch of messages, or a ping.
///
/// lws frames one message per `lws_write`, so a connection with N queued messages would cost
/// N WRITEABLE callbacks and N send() calls; on loopback the kernel's TCP path was most of
/// the server's CPU under fan-out. A lone frame goes out as before, with its header written
/// into its own headroom (no copy). Several are framed here, copied into one buffer and
/// written raw (`LWS_WRITE_HTTP` bypasses lws' framing; lws still buffers a partial write).
final class FrameBatch {
    /// Largest batch on the wire: one TLS record, a few pages; big enough to amortise the
    /// syscall over ~100 chat messages, small enough that one slow peer costs little copying.
    static let budget = 16 * 1024

    var frames: [SharedFrame] = []
    /// `LWS_PRE` spare bytes, then room for `budget` bytes of frames.
    private let buffer: UnsafeMutableRawPointer
    private let pre: Int

    init() {
        pre = rts_lws_pre()
        buffer = .allocate(byteCount: pre + Self.budget, alignment: 16)
        frames.reserveCapacity(64)
    }

    deinit { buffer.deallocate() }

    /// Writes a ping (lws frames it in the buffer's headroom). Not empty: lws does not report
    /// an empty PONG to the protocol callback.
    func writePing(to wsi: OpaquePointer) -> Int32 {
        let payload = buffer + pre
        payload.copyMemory(from: Self.pingPayload, byteCount: Self.pingPayload.count)
        return lws_write(wsi, payload.assumingMemoryBound(to: UInt8.self), Self.pingPayload.count, LWS_WRITE_PING)
    }

    private static let pingPayload: [UInt8] = Array("rts".utf8)

    /// Writes the batch with one `lws_write` and empties it; returns lws' result and the payload bytes.
    func write(to wsi: OpaquePointer) -> (result: Int32, payloadBytes: Int) {
        defer { frames.removeAll(keepingCapacity: true) }
        if frames.count == 1, let frame = frames.first {
            let mode = frame.isBinary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT
            return (lws_write(wsi, frame.payload.assumingMemoryBound(to: UInt8.self), frame.count, mode), frame.count)
        }
        let start = buffer + pre
        var offset = 0
        var payloadBytes = 0
        for frame in frames {
            offset += FrameHeader.write(payload: frame.count, isBinary: frame.isBinary, to: start + offset)
            (start + offset).copyMemory(from: frame.payload, byteCount: frame.count)
            offset += frame.count
            payloadBytes += frame.count
        }
        return (lws_write(wsi, start.assumingMemoryBound(to: UInt8.self), offset, LWS_WRITE_HTTP), payloadBytes)
    }
}
