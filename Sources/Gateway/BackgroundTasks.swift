import Synchronization

/// The node's periodic upkeep tasks, cancelled together at shutdown.
final class BackgroundTasks: Sendable {
    private let tasks = Mutex<[Task<Void, Never>]>([])

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

    func cancelAll() async {
        let running = tasks.withLock { tasks in
            defer { tasks = [] }
            return tasks
        }
        for task in running {
            task.cancel()
            await task.value
        }
    }
}
