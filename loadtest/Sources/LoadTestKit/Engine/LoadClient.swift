/// One simulated user's connection. Owned by the service thread: nothing else touches it.
final class LoadClient {
    enum State: Equatable {
        case idle, connecting, authenticating, ready, closed
    }

    /// This client's membership of one room, with its seq accounting.
    struct Subscription {
        var room: Int
        var tracker = SeqTracker(baseline: 0)
        var epoch: String?
        var joined = false
        var sendsReads = false
        var lastReadNS: UInt64 = 0
    }

    let index: Int
    let user: String
    let endpoint: Int
    let authFrame: [UInt8]

    var wsi: OpaquePointer?
    var state: State = .idle
    var connectStartNS: UInt64 = 0
    var authStartNS: UInt64 = 0

    /// Frames waiting for WRITEABLE (one `lws_write` each), consumed from `outboundHead`.
    var outbound: [[UInt8]] = []
    var outboundHead = 0

    var subscriptions: [Subscription] = []

    /// Setup requests still to make; one in flight at a time (`awaitingReply`).
    var steps: [ControlStep] = []
    var stepCursor = 0
    var awaitingReply = false
    var controlSerial = 0
    var hasPendingSetup: Bool { stepCursor < steps.count || awaitingReply }

    /// Pieces of a message lws delivered in more than one callback.
    var assembly: [UInt8] = []

    /// Reconnect (and rejoin with `since`) whenever the connection closes.
    var keepConnected = false
    var reconnectAtNS: UInt64 = 0
    /// When the current recovery began (drop time), while recovering.
    var recoveryStartNS: UInt64?
    var sendSerial = 0

    init(index: Int, client: EngineSetup.Client) {
        self.index = index
        user = client.user
        endpoint = client.endpoint
        authFrame = RequestFrames.auth(id: "a", token: client.token)
    }

    var hasOutbound: Bool { outboundHead < outbound.count }

    func enqueue(_ frame: [UInt8]) {
        outbound.append(frame)
    }

    func dropOutbound() {
        outbound.removeAll(keepingCapacity: false)
        outboundHead = 0
    }

    func subscriptionIndex(room: Int) -> Int? {
        subscriptions.firstIndex { $0.room == room }
    }

    func nextControlID() -> String {
        controlSerial += 1
        return "c\(controlSerial)"
    }

    var currentControlID: String { "c\(controlSerial)" }
}
