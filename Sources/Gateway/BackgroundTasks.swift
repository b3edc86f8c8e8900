import Synchronization

/// The node's background work: periodic upkeep (cancelled at shutdown) and long-running
/// consumers (which finish by themselves once their input ends, and are awaited).
final class BackgroundTasks: Sendable {
    private let tasks = Mutex<[Task<Void, Never>]>([])
    private let consumers = Mutex<[Task<Void, Never>]>([])

    /// Runs `work` until it returns by itself; `stop()` waits for it without cancelling it.
    func run(_ work: @escaping @Sendable () async -> Void) {
        let task = Task { await work() }
        consumers.withLock { $0.append(task) }
    }

    func every(_ interval: Duration, _ work: @escaping @Sendable () async -> Void) {
        let task = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard !Task.isCancelled else { return }
                await work()
            }
        }
        tasks.withLock { $0.append(task) }
    }

    /// Cancels the periodic tasks and waits for every task to end.
    func stop() async {
        let periodic = tasks.withLock { tasks in
            defer { tasks = [] }
            return tasks
        }
        for task in periodic {
            task.cancel()
            await task.value
        }
        let running = consumers.withLock { consumers in
            defer { consumers = [] }
            return consumers
        }
        for task in running { await task.value }
    }
}
