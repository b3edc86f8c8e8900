/// The knobs rooms need from the server configuration.
public struct RoomSettings: Sendable {
    /// Most messages a `join` with `since` returns before giving up on full recovery.
    public var recoveryMax: Int
    /// How long a repeated `client_msg_id` replays the original ack.
    public var idempotencyWindowMS: Int64
    /// Most sends stored in one transaction (group commit).
    public var maxBatch: Int
    /// A room with no joined session for this long is unloaded from memory.
    public var idleUnloadMS: Int64
    /// Largest `joined` or `history` reply: half of `max_outbound_bytes` (PROTOCOL.md, Rooms).
    public var replyByteBudget: Int
    /// How long a message that arrived ahead of a missing seq waits before the gap is read from the store (cluster).
    public var gapWaitMS: Int = 100

    public init(
        recoveryMax: Int = 500, idempotencyWindowMS: Int64 = 86_400_000, maxBatch: Int = 256, idleUnloadMS: Int64 = 300_000,
        replyByteBudget: Int = 1 << 19
    ) {
        self.replyByteBudget = replyByteBudget
        self.recoveryMax = recoveryMax
        self.idempotencyWindowMS = idempotencyWindowMS
        self.maxBatch = maxBatch
        self.idleUnloadMS = idleUnloadMS
    }
}
