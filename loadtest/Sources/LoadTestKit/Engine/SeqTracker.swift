/// Loss and duplicate accounting for one client in one room, by `seq` (per room, gap-free,
/// in order per PROTOCOL.md). `baseline` is the room's last seq when the client joined.
struct SeqTracker: Sendable, Equatable {
    enum Outcome: Equatable {
        case inOrder
        /// A jump: this many seqs were skipped (lost, unless they turn up later as out of order).
        case gap(Int64)
        /// A seq at or below one already seen: duplicate or out of order.
        case duplicate
    }

    private(set) var baseline: Int64
    private(set) var last: Int64
    /// Distinct seqs received after `baseline`.
    private(set) var unique: Int64 = 0
    private(set) var duplicates: Int64 = 0
    private(set) var gaps: Int64 = 0
    /// Seqs the server said it cannot replay (`recovered:false`): not counted as loss.
    private(set) var skipped: Int64 = 0

    init(baseline: Int64) {
        self.baseline = baseline
        last = baseline
    }

    @discardableResult
    mutating func observe(_ seq: Int64) -> Outcome {
        if seq == last + 1 {
            last = seq
            unique += 1
            return .inOrder
        }
        if seq <= last {
            duplicates += 1
            return .duplicate
        }
        let jumped = seq - last - 1
        gaps += jumped
        last = seq
        unique += 1
        return .gap(jumped)
    }

    /// The server replays only from `firstReplayed`: older missed seqs will never come.
    mutating func skip(to firstReplayed: Int64) {
        guard firstReplayed > last + 1 else { return }
        skipped += firstReplayed - last - 1
        last = firstReplayed - 1
    }

    /// Seqs up to `high` (the room's highest known seq) that never arrived.
    func missing(upTo high: Int64) -> Int64 {
        max(0, high - baseline - unique - skipped)
    }
}
