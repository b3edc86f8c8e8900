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
        /// The message passed the limit; the rest of it is read and dropped.
        case tooLarge
        /// The last byte of an oversize message was dropped: the peer is done sending it.
        case tooLargeEnded
    }

    /// Most bytes of an oversize message read and dropped so its close frame reaches a peer
    /// that is still sending it (closing with unread input resets the TCP connection instead).
    static let maxDiscard = 1 << 20

    private var buffer: [UInt8] = []
    private var inMessage = false
    private var isBinary = false
    /// Bytes of an oversize message dropped so far; nil when not dropping one.
    private var discarded: Int?

    /// True while an oversize message is being dropped and it is still small enough to read to its end.
    var isDiscardingWithinBound: Bool { (discarded ?? Int.max) <= Self.maxDiscard }

    /// - Parameters:
    ///   - chunk: the bytes of this callback.
    ///   - isFinal: last chunk of the last frame of the message (`lws_is_final_fragment`).
    ///   - isBinary: the message's type (`lws_frame_is_binary`).
    ///   - remainingInFrame: bytes of the current frame still to come (`lws_remaining_packet_payload`).
    ///   - limit: largest message accepted.
    mutating func append(
        _ chunk: UnsafeRawBufferPointer, isFinal: Bool, isBinary: Bool, remainingInFrame: Int, limit: Int
    ) -> Outcome {
        if let dropped = discarded {
            guard !isFinal else {
                discarded = nil
                return .tooLargeEnded
            }
            discarded = dropped + chunk.count
            return isDiscardingWithinBound ? .needMore : .tooLarge
        }
        let announced = buffer.count + chunk.count + max(0, remainingInFrame)
        if announced > limit {
            reset()
            if isFinal { return .tooLargeEnded }
            // A frame announcing far more than the limit is not read to its end.
            discarded = announced - limit <= Self.maxDiscard ? chunk.count : nil
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
