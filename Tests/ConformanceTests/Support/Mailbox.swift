import Foundation

/// An unbounded inbox with cancellable, predicate-based takes: a take removes the first
/// buffered item it matches (others stay buffered, in order) or waits for one.
actor Mailbox<Item: Sendable> {
    private struct Waiter {
        let matches: @Sendable (Item) -> Bool
        let continuation: CheckedContinuation<Item?, Never>
    }

    private var buffer: [Item] = []
    private var waiters: [(id: UUID, waiter: Waiter)] = []
    private(set) var finished = false

    func push(_ item: Item) {
        if let index = waiters.firstIndex(where: { $0.waiter.matches(item) }) {
            let waiter = waiters.remove(at: index).waiter
            waiter.continuation.resume(returning: item)
        } else {
            buffer.append(item)
        }
    }

    /// No more items will come: pending and future takes that find nothing return nil.
    func finish() {
        finished = true
        let pending = waiters
        waiters = []
        for entry in pending { entry.waiter.continuation.resume(returning: nil) }
    }

    func drain() -> [Item] {
        defer { buffer = [] }
        return buffer
    }

    func buffered() -> [Item] { buffer }

    /// The first buffered item matching, or the next one to arrive; nil once finished or cancelled.
    func take(id: UUID, where matches: @escaping @Sendable (Item) -> Bool) async -> Item? {
        if let index = buffer.firstIndex(where: matches) { return buffer.remove(at: index) }
        if finished || Task.isCancelled { return nil }
        return await withCheckedContinuation { continuation in
            waiters.append((id, Waiter(matches: matches, continuation: continuation)))
        }
    }

    func cancel(id: UUID) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).waiter.continuation.resume(returning: nil)
    }

    /// Races a take against a sleep. An item that arrives just as the timeout fires is not lost.
    func next(within timeout: Duration, where matches: @escaping @Sendable (Item) -> Bool) async -> Item? {
        let id = UUID()
        return await withTaskGroup(of: Item?.self) { group in
            group.addTask {
                await withTaskCancellationHandler {
                    await self.take(id: id, where: matches)
                } onCancel: {
                    Task { await self.cancel(id: id) }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            var found: Item? = nil
            if let first = await group.next() { found = first }
            group.cancelAll()
            for await rest in group where found == nil {
                found = rest
            }
            return found
        }
    }
}
