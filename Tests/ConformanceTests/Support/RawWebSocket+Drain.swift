extension RawWebSocket {
    /// Reads what a reader that stopped reading was sent: the seqs of its `message` pushes in
    /// arrival order, then the close code (nil when the connection ended, or went quiet for
    /// `quiet`, without a close frame).
    func messageSeqsUntilClose(quiet: Duration = .seconds(5)) async -> (seqs: [Int], closeCode: UInt16?) {
        var seqs: [Int] = []
        while let frame = try? await readFrame(timeout: quiet) {
            if frame.opcode == 8 { return (seqs, frame.closeCode) }
            guard frame.opcode == 1, let json = JSON.parse(frame.text), json.type == "message", let seq = json.seq else { continue }
            seqs.append(seq)
        }
        return (seqs, nil)
    }
}
