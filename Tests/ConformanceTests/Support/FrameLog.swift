import Foundation

/// With `RTS_FRAME_LOG=<file>`, every text frame the server sends on `/ws` in this suite is
/// appended to that file, one per line, for `scripts/validate-frames.py` to check against
/// `docs/schema/` (scripts/test.sh does).
enum FrameLog {
    /// Opened once, for appending: each `write` of a whole line lands in one piece.
    private static let descriptor: Int32? = ProcessInfo.processInfo.environment["RTS_FRAME_LOG"].flatMap { path in
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        return fd >= 0 ? fd : nil
    }

    static func record(_ text: String, path: String) {
        guard let descriptor, path == "/ws" else { return }
        let line = Array((text + "\n").utf8)
        _ = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }
}
