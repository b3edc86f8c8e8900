import Metrics

/// The transport's metrics. Per-frame counts are plain integers on the service thread,
/// flushed to swift-metrics in batches (once a second and at shutdown), so the hot path
/// costs an add, not a metrics-backend call.
final class TransportMetrics: @unchecked Sendable {
    private let factory: any MetricsFactory
    private let connections: Gauge
    private let queueBytes: Gauge
    private let framesIn: Counter
    private let framesOut: Counter
    private let bytesIn: Counter
    private let bytesOut: Counter
    /// Times reading a connection was paused because its session's inbox was full.
    let readPauses: Counter
    private var refused: [String: Counter] = [:]

    // Service-thread-only batches.
    var pendingFramesIn = 0
    var pendingFramesOut = 0
    var pendingBytesIn = 0
    var pendingBytesOut = 0

    init(factory: any MetricsFactory) {
        self.factory = factory
        connections = Gauge(label: "rts_connections", factory: factory)
        queueBytes = Gauge(label: "rts_outbound_queue_bytes", factory: factory)
        framesIn = Counter(label: "rts_frames_in_total", factory: factory)
        framesOut = Counter(label: "rts_frames_out_total", factory: factory)
        bytesIn = Counter(label: "rts_bytes_in_total", factory: factory)
        bytesOut = Counter(label: "rts_bytes_out_total", factory: factory)
        readPauses = Counter(label: "rts_read_pauses_total", factory: factory)
    }

    func recordConnections(_ count: Int) {
        connections.record(count)
    }

    func recordQueuedBytes(_ total: Int) {
        queueBytes.record(total)
    }

    /// A refused WebSocket handshake (service thread only).
    func refusedConnection(reason: String) {
        if let counter = refused[reason] {
            counter.increment()
            return
        }
        let counter = Counter(label: "rts_connections_refused_total", dimensions: [("reason", reason)], factory: factory)
        refused[reason] = counter
        counter.increment()
    }

    /// Hands the batched counts to the metrics backend (service thread only).
    func flush() {
        if pendingFramesIn > 0 { framesIn.increment(by: pendingFramesIn) }
        if pendingFramesOut > 0 { framesOut.increment(by: pendingFramesOut) }
        if pendingBytesIn > 0 { bytesIn.increment(by: pendingBytesIn) }
        if pendingBytesOut > 0 { bytesOut.increment(by: pendingBytesOut) }
        pendingFramesIn = 0
        pendingFramesOut = 0
        pendingBytesIn = 0
        pendingBytesOut = 0
    }
}
