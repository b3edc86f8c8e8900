import Activity
import Foundation
import Gamification
import Logging
import Outbound
import Broker
import Storage
import StorageSQLite
import Wire

/// On-demand benchmark for the gamification target: 10 000 users in an org, messages at a fixed
/// rate. Measures what the message path pays (`record`, a non-blocking enqueue) and what the
/// engine spends per event (leaderboards, streaks, caps), with a real SQLite store behind it.
///
///   swift run -c release rts-bench-gamification [users] [messages] [rate]

struct CountingNotifier: UserNotifier {
    func notify(org: String, user: String, frame: SharedFrame) {}
}

/// One subscriber that counts leaderboard pushes.
final class CountingSink: FrameSink, @unchecked Sendable {
    let connectionID: UInt64 = 1
    private let lock = NSLock()
    private var pushes = 0
    func send(_ frame: SharedFrame) -> Bool {
        lock.withLock { pushes += 1 }
        return true
    }
    func sendReply(_ frame: SharedFrame) -> Bool { send(frame) }
    func close(code: UInt16, reason: String, flush: Bool) {}
    var count: Int { lock.withLock { pushes } }
}

let arguments = CommandLine.arguments.dropFirst().compactMap(Int.init)
let users = arguments.first ?? 10_000
let messages = arguments.dropFirst().first ?? 20_000
let rate = arguments.dropFirst(2).first ?? 1_000

var logger = Logger(label: "bench")
logger.logLevel = .warning
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rts-gam-bench-\(UUID().uuidString)")
let store = try SQLiteChatStore(path: directory.appendingPathComponent("bench.sqlite").path, logger: logger)
let engine = GamificationEngine(
    store: store, broker: InProcessBroker(nodeID: "bench"), settings: GamificationSettings(dailyMessagePoints: 1_000_000),
    clock: SystemClock(), notifier: CountingNotifier(),
    logger: logger)
let running = Task { await engine.run() }
let subscriber = CountingSink()
try await engine.subscribe(org: "bench", room: nil, period: .week, sink: subscriber, requestID: nil)

// The message path: one record() per delivered message, paced at `rate`.
var recordNanos: [UInt64] = []
recordNanos.reserveCapacity(messages)
let start = ContinuousClock.now
let interval = Duration.seconds(1) / rate
for index in 0..<messages {
    let event = ActivityEvent.messageDelivered(
        org: "bench", room: "room\(index % 50)", user: "u\(index % users)", timeZone: index % 3 == 0 ? "Asia/Jerusalem" : nil,
        at: SystemClock().nowMS())
    let before = DispatchTime.now().uptimeNanoseconds
    engine.record(event)
    recordNanos.append(DispatchTime.now().uptimeNanoseconds - before)
    try await Task.sleep(until: start + interval * (index + 1), clock: .continuous)
}
let offered = ContinuousClock.now - start

// The engine's own cost per event, measured on a burst it must drain.
let burst = 100_000
let burstStart = ContinuousClock.now
for index in 0..<burst {
    engine.record(.messageDelivered(org: "bench", room: "room\(index % 50)", user: "u\(index % users)", timeZone: nil, at: SystemClock().nowMS()))
}
engine.finish()
await running.value
let drained = ContinuousClock.now - burstStart

let sorted = recordNanos.sorted()
let percentile = { (p: Double) -> Double in Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1000 }
let seconds = Double(offered.components.seconds) + Double(offered.components.attoseconds) / 1e18
let drainSeconds = Double(drained.components.seconds) + Double(drained.components.attoseconds) / 1e18
let report = """
    # Gamification benchmark
    users: \(users), messages: \(messages) at \(rate)/s over \(String(format: "%.1f", seconds)) s
    message path (record): p50 \(String(format: "%.2f", percentile(0.5))) µs, p99 \(String(format: "%.2f", percentile(0.99))) µs, max \(String(format: "%.2f", percentile(1.0))) µs
    engine: \(burst) events applied in \(String(format: "%.2f", drainSeconds)) s = \(String(format: "%.2f", drainSeconds / Double(burst) * 1e6)) µs per event (4 leaderboards, streak, cap; SQLite write-behind)
    leaderboard pushes to one subscriber: \(subscriber.count) over \(String(format: "%.1f", seconds + drainSeconds)) s (limit: 1/s)

    """
FileHandle.standardOutput.write(Data(report.utf8))
try? FileManager.default.removeItem(at: directory)
