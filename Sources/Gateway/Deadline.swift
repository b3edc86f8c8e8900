import Synchronization

/// One instant that several steps of a drain share (graceful shutdown: transport, rooms, store).
struct Deadline: Sendable {
    let instant: ContinuousClock.Instant

    init(afterMS milliseconds: Int) {
        instant = .now.advanced(by: .milliseconds(max(0, milliseconds)))
    }

    /// Milliseconds left, never negative.
    var remainingMS: Int {
        let left = ContinuousClock.now.duration(to: instant)
        return max(0, Int(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))
    }

    /// Runs `work` and returns when it finished (true) or the deadline passed (false), whichever comes
    /// first. Work still running at the deadline is left to the process's exit.
    func run(_ work: @escaping @Sendable () async -> Void) async -> Bool {
        let outcome = Outcome()
        return await withCheckedContinuation { continuation in
            outcome.set(continuation)
            let timer = Task {
                try? await Task.sleep(until: instant)
                outcome.resume(false)
            }
            Task {
                await work()
                outcome.resume(true)
                timer.cancel()
            }
        }
    }

    /// Whoever comes first resumes the waiter; the other finds nothing to resume.
    private final class Outcome: Sendable {
        private let waiter = Mutex<CheckedContinuation<Bool, Never>?>(nil)

        func set(_ continuation: CheckedContinuation<Bool, Never>) {
            waiter.withLock { $0 = continuation }
        }

        func resume(_ finished: Bool) {
            waiter.withLock { $0.take() }?.resume(returning: finished)
        }
    }
}
