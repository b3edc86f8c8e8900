import Storage

/// Records sign-ins (and learns whose are refused) with group commit: sign-ins that arrive while a
/// write is in flight go together in the next one.
///
/// A sign-in used to cost a read and a write transaction of its own; when 5 000 clients reconnect
/// at once those 10 000 round trips through the store's serial writer were most of the time
/// until all had recovered (6 s; 2 s without them). Alone, a sign-in is still one transaction.
actor SignInRecorder {
    private let store: any ChatStore
    private var pending: [(signIn: UserSignIn, reply: CheckedContinuation<AccessDenial?, any Error>)] = []
    private var writing = false

    init(store: any ChatStore) {
        self.store = store
    }

    /// Records the sign-in once it is committed; returns why it is refused, if it is.
    func record(_ signIn: UserSignIn) async throws -> AccessDenial? {
        try await withCheckedThrowingContinuation { reply in
            pending.append((signIn, reply))
            if !writing {
                writing = true
                Task { await self.writeAll() }
            }
        }
    }

    private func writeAll() async {
        while !pending.isEmpty {
            let batch = pending
            pending = []
            do {
                let denials = try await store.recordSignIns(batch.map(\.signIn))
                for (entry, denial) in zip(batch, denials) { entry.reply.resume(returning: denial) }
            } catch {
                for entry in batch { entry.reply.resume(throwing: error) }
            }
        }
        writing = false
    }
}
