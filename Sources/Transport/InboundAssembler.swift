/// Reassembles one WebSocket message from the pieces lws hands to LWS_CALLBACK_RECEIVE
/// (a message may be fragmented, and each frame may arrive in several chunks).
///
/// The size cap is enforced as bytes arrive, including what the current frame header
/// announces, so an oversize message is refused before it is buffered. The buffer is
/// released after every message so an idle connection holds no receive memory.
struct InboundAssembler {
    enum Outcome: Equatable {
        case needMore
        case message([UInt8], isBinary: Bool)
        case tooLarge
    }

    private var buffer: [UInt8] = []
    private var inMessage = false
    private var isBinary = false

    /// - Parameters:
    ///   - chunk: the bytes of this callback.
    ///   - isFinal: last chunk of the last frame of the message (`lws_is_final_fragment`).
    ///   - isBinary: the message's type (`lws_frame_is_binary`).
    ///   - remainingInFrame: bytes of the current frame still to come (`lws_remaining_packet_payload`).
    ///   - limit: largest message accepted.
    mutating func append(
        _ chunk: UnsafeRawBufferPointer, isFinal: Bool, isBinary: Bool, remainingInFrame: Int, limit: Int
    ) -> Outcome {
        let announced = buffer.count + chunk.count + max(0, remainingInFrame)
        if announced > limit {
            reset()
            return .tooLarge
        }
        if !inMessage && isFinal {
            // The common case: a whole message in one callback, copied once.
            return .message(Array(chunk), isBinary: isBinary)
        }
        if !inMessage {
            inMessage = true
            self.isBinary = isBinary
            buffer.reserveCapacity(announced)
        }
        buffer.append(contentsOf: chunk)
        guard isFinal else { return .needMore }
        let message = buffer
        let binary = self.isBinary
        reset()
        return .message(message, isBinary: binary)
    }

    private mutating func reset() {
        buffer = []
        inMessage = false
    }
}
