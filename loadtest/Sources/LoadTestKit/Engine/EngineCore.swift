import CLibWebSockets
import Histogram
import Logging
import SeededRandom

/// All client state and every reaction to lws events. Runs only on the engine's service
/// thread (reached from `loadClientCallback`, the tick, or closures `ClientEngine.perform`
/// queues), so it needs no locks; the hot paths (receive, pacing) allocate little.
final class EngineCore {
    let logger: Logger
    private(set) var clients: [LoadClient]
    private(set) var rooms: [RoomState]
    private let endpoints: [EngineSetup.Endpoint]
    /// C strings lws reads during connects, alive as long as the core.
    private let endpointStrings: [EndpointStrings]
    /// Message text fillers (varied, so moderation sees ordinary sentences).
    private let paddings: [String]
    private let readIntervalNS: UInt64
    var context: OpaquePointer?

    // Connect pacing.
    private var connectQueue: [Int] = []
    private var connectQueueHead = 0
    private(set) var connectRate: Double
    private(set) var connectConcurrency: Int
    private var connectTokens = 1.0
    private var lastTickNS: UInt64 = 0

    // Traffic pacing.
    private var traffic: TrafficPlan?
    private var schedule = SendSchedule(startNS: 0, rate: 0)
    private var slotCursor = 0
    private var random = SplitMix64(seed: 0x5EED)

    // Measurement.
    private var window: EngineWindow
    private(set) var gauges = EngineGauges()

    init(setup: EngineSetup, logger: Logger) {
        self.logger = logger
        endpoints = setup.endpoints
        endpointStrings = setup.endpoints.map(EndpointStrings.init)
        clients = setup.clients.enumerated().map { LoadClient(index: $0.offset, client: $0.element) }
        rooms = setup.rooms.map(RoomState.init)
        paddings = (0..<16).map { RequestFrames.padding(textBytes: setup.messageBytes, variant: $0) }
        readIntervalNS = UInt64(max(0, setup.readIntervalMS)) * 1_000_000
        connectRate = setup.connectRate
        connectConcurrency = setup.connectConcurrency
        window = EngineWindow(startNS: MonotonicClock.nanoseconds())
        gauges.clients = clients.count
    }

    // MARK: Commands (from ClientEngine.perform, service thread)

    /// Queues clients to connect (and authenticate) at the configured pace.
    func connect(_ indices: some Sequence<Int>) {
        for index in indices where clients.indices.contains(index) {
            clients[index].reconnectAtNS = 0
            connectQueue.append(index)
        }
        gauges.queuedConnects = connectQueue.count - connectQueueHead
    }

    /// 0 means unlimited.
    func setConnectPace(rate: Double, concurrency: Int) {
        connectRate = rate
        connectConcurrency = concurrency
    }

    /// Appends setup requests; each client works through its list one reply at a time.
    func assign(_ steps: [Int: [ControlStep]]) {
        for (index, list) in steps where clients.indices.contains(index) {
            let client = clients[index]
            let hadPending = client.hasPendingSetup
            client.steps += list
            if !hadPending && client.hasPendingSetup { gauges.pendingSetup += 1 }
            if client.state == .ready { advanceSteps(client) }
        }
    }

    func startTraffic(_ plan: TrafficPlan) {
        traffic = plan
        schedule = SendSchedule(startNS: MonotonicClock.nanoseconds(), rate: plan.rate)
    }

    /// Changes the rate without a burst: the schedule restarts from now.
    func setRate(_ rate: Double) {
        guard var plan = traffic else { return }
        plan.rate = rate
        startTraffic(plan)
    }

    func stopTraffic() {
        traffic = nil
    }

    /// Drops the clients' connections at once; each reconnects after `downtimeNS` and rejoins with `since`.
    func storm(_ indices: [Int], downtimeNS: UInt64) {
        let now = MonotonicClock.nanoseconds()
        for index in indices where clients.indices.contains(index) {
            let client = clients[index]
            client.keepConnected = true
            client.recoveryStartNS = now
            client.reconnectAtNS = now + downtimeNS
            gauges.recovering += 1
            if let wsi = client.wsi {
                lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC)
            } else if client.state == .closed || client.state == .idle {
                connectQueue.append(index)
            }
        }
    }

    /// Soak churn: `count` random clients that are connected and joined leave, come back after
    /// `downtimeNS` and rejoin with `since`, as a phone going through a tunnel does.
    func churn(count: Int, downtimeNS: UInt64) -> Int {
        let settled = clients.indices.filter { clients[$0].state == .ready && !clients[$0].hasPendingSetup }
        guard !settled.isEmpty, count > 0 else { return 0 }
        var chosen = Set<Int>()
        while chosen.count < min(count, settled.count) {
            chosen.insert(settled[Int(random.nextUnit() * Double(settled.count)) % settled.count])
        }
        storm(Array(chosen), downtimeNS: downtimeNS)
        return chosen.count
    }

    /// Closes every connection for good.
    func closeAll() {
        traffic = nil
        connectQueue.removeAll()
        connectQueueHead = 0
        gauges.queuedConnects = 0
        for client in clients {
            client.keepConnected = false
            if let wsi = client.wsi {
                lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC)
            }
        }
    }

    /// Hands over the current window and starts the next one.
    func takeWindow() -> EngineWindow {
        let now = MonotonicClock.nanoseconds()
        var finished = window
        finished.endNS = now
        finished.gauges = gauges
        window = EngineWindow(startNS: now)
        return finished
    }

    /// Per-subscription loss against each room's highest known seq.
    func lossAccounting() -> LossAccounting {
        var result = LossAccounting()
        for client in clients {
            for subscription in client.subscriptions {
                let high = rooms[subscription.room].highestSeq
                result.subscriptions += 1
                if !subscription.joined { result.detached += 1 }
                result.expected += max(0, high - subscription.tracker.baseline - subscription.tracker.skipped)
                result.missing += subscription.tracker.missing(upTo: high)
                result.duplicates += subscription.tracker.duplicates
                result.unrecoverable += subscription.tracker.skipped
            }
        }
        return result
    }

    /// Room ids as the server named them (direct rooms learn theirs from `direct.open`).
    func roomIDs() -> [String] { rooms.map(\.id) }

    // MARK: Tick (every millisecond, service thread)

    func tick() {
        let now = MonotonicClock.nanoseconds()
        let elapsed = lastTickNS == 0 ? 0 : Double(now &- lastTickNS) / 1e9
        lastTickNS = now
        pumpConnects(now: now, elapsed: elapsed)
        pumpTraffic(now: now)
    }

    private func pumpConnects(now: UInt64, elapsed: Double) {
        guard connectQueueHead < connectQueue.count else {
            if connectQueueHead > 0 {
                connectQueue.removeAll(keepingCapacity: true)
                connectQueueHead = 0
            }
            return
        }
        let unlimitedRate = connectRate <= 0
        if !unlimitedRate {
            // Allow a burst of 10 ms worth so a 1 ms tick can keep up with high rates.
            connectTokens = min(connectTokens + connectRate * elapsed, max(1, connectRate / 100))
        }
        while connectQueueHead < connectQueue.count {
            if connectConcurrency > 0 && gauges.connecting >= connectConcurrency { break }
            if !unlimitedRate && connectTokens < 1 { break }
            let client = clients[connectQueue[connectQueueHead]]
            if client.reconnectAtNS > now { break }
            connectQueueHead += 1
            if !unlimitedRate { connectTokens -= 1 }
            guard client.state == .idle || client.state == .closed else { continue }
            open(client, now: now)
        }
        gauges.queuedConnects = connectQueue.count - connectQueueHead
    }

    private func pumpTraffic(now: UInt64) {
        guard let plan = traffic, !plan.slots.isEmpty else { return }
        // A stalled loop must not answer with an unbounded burst.
        var budget = max(64, Int(plan.rate / 50))
        while budget > 0, let scheduled = schedule.next(at: now) {
            budget -= 1
            if now &- scheduled > 5_000_000 { window.counters.lateSends += 1 }
            let slot = plan.slots[slotCursor]
            slotCursor = (slotCursor + 1) % plan.slots.count
            send(slot, scheduledNS: scheduled, plan: plan)
        }
    }

    private func send(_ slot: TrafficPlan.Slot, scheduledNS: UInt64, plan: TrafficPlan) {
        guard clients.indices.contains(slot.client), rooms.indices.contains(slot.room) else { return }
        let client = clients[slot.client]
        guard client.state == .ready, let wsi = client.wsi,
              let subscription = client.subscriptionIndex(room: slot.room), client.subscriptions[subscription].joined
        else {
            window.counters.sendsSkipped += 1
            return
        }
        let roomID = rooms[slot.room].id
        if plan.typingProbability > 0 && random.nextUnit() < plan.typingProbability {
            client.enqueue(RequestFrames.typing(room: roomID, on: true))
            window.counters.typingSent += 1
        }
        client.sendSerial += 1
        client.enqueue(RequestFrames.send(
            room: roomID, roomIndex: slot.room, sentNS: scheduledNS,
            clientMsgID: "\(client.user)-\(client.sendSerial)", padding: paddings[client.sendSerial % paddings.count]))
        window.counters.sent += 1
        sendExtras(client, room: slot.room, plan: plan)
        lws_callback_on_writable(wsi)
    }

    private static let reactionEmoji = ["like", "helpful", "thanks", "star"]

    /// Soak traffic beside the sends: reactions (on, then sometimes off) and history pages.
    private func sendExtras(_ client: LoadClient, room: Int, plan: TrafficPlan) {
        let roomID = rooms[room].id
        if plan.reactProbability > 0, random.nextUnit() < plan.reactProbability, let msgID = rooms[room].lastMsgID {
            let emoji = Self.reactionEmoji[client.sendSerial % Self.reactionEmoji.count]
            client.enqueue(RequestFrames.react(id: "x\(client.sendSerial)", room: roomID, msgID: msgID, emoji: emoji, on: client.sendSerial % 3 != 0))
            window.counters.reactionsSent += 1
        }
        if plan.historyProbability > 0, random.nextUnit() < plan.historyProbability {
            client.enqueue(RequestFrames.history(id: "x\(client.sendSerial)h", room: roomID, limit: 20))
            window.counters.historySent += 1
        }
    }

    // MARK: Connections

    private func open(_ client: LoadClient, now: UInt64) {
        guard let context else { return }
        let strings = endpointStrings[client.endpoint]
        var info = lws_client_connect_info()
        info.context = context
        info.address = UnsafePointer(strings.address)
        info.port = Int32(endpoints[client.endpoint].port)
        info.path = UnsafePointer(strings.path)
        info.host = UnsafePointer(strings.authority)
        info.origin = UnsafePointer(strings.origin)
        info.protocol = UnsafePointer(strings.subprotocol)
        if endpoints[client.endpoint].tls {
            info.ssl_connection = Int32(LCCSCF_USE_SSL.rawValue | LCCSCF_ALLOW_SELFSIGNED.rawValue | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK.rawValue)
        }
        info.userdata = Unmanaged.passUnretained(client).toOpaque()
        client.state = .connecting
        client.connectStartNS = now
        gauges.connecting += 1
        let wsi = lws_client_connect_via_info(&info)
        if client.state == .connecting {
            if let wsi {
                client.wsi = wsi
            } else {
                // Failed before lws reported it through a callback.
                connectionFailed(client, reason: "connect")
            }
        }
    }

    /// LWS_CALLBACK_CLIENT_ESTABLISHED: the upgrade succeeded; authenticate first.
    func established(_ client: LoadClient, wsi: OpaquePointer) {
        let now = MonotonicClock.nanoseconds()
        client.wsi = wsi
        if client.state == .connecting { gauges.connecting -= 1 }
        client.state = .authenticating
        gauges.open += 1
        _ = window.connectLatency.record(max(1, (now &- client.connectStartNS) / 1000))
        client.authStartNS = now
        client.enqueue(client.authFrame)
        lws_callback_on_writable(wsi)
    }

    /// LWS_CALLBACK_CLIENT_CONNECTION_ERROR (or a connect that failed at once).
    func connectionFailed(_ client: LoadClient, reason: String) {
        if client.state == .connecting { gauges.connecting -= 1 }
        client.state = .closed
        client.wsi = nil
        window.counters.connectFailures += 1
        window.counters.errors["connect: " + Self.shortReason(reason), default: 0] += 1
        if client.keepConnected {
            // Back off a little: the server's backlog or rate limit refused us.
            client.reconnectAtNS = MonotonicClock.nanoseconds() + 200_000_000
            connectQueue.append(client.index)
        } else if client.hasPendingSetup {
            finishSetup(client)
        }
    }

    /// LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: the server closed with a code.
    func peerClosed(_ input: UnsafeRawPointer?, length: Int) {
        guard let input, length >= 2 else {
            window.counters.closeCodes[1005, default: 0] += 1
            return
        }
        let bytes = input.assumingMemoryBound(to: UInt8.self)
        let code = Int(bytes[0]) << 8 | Int(bytes[1])
        window.counters.closeCodes[code, default: 0] += 1
    }

    /// LWS_CALLBACK_CLIENT_CLOSED.
    func closed(_ client: LoadClient) {
        switch client.state {
        case .connecting: gauges.connecting -= 1
        case .authenticating: gauges.open -= 1
        case .ready:
            gauges.open -= 1
            gauges.ready -= 1
        case .idle, .closed: break
        }
        let wasOpen = client.state == .authenticating || client.state == .ready
        client.state = .closed
        client.wsi = nil
        client.dropOutbound()
        client.assembly.removeAll(keepingCapacity: false)
        client.awaitingReply = false
        for index in client.subscriptions.indices where client.subscriptions[index].joined {
            client.subscriptions[index].joined = false
            rooms[client.subscriptions[index].room].subscribers -= 1
        }
        if client.keepConnected {
            connectQueue.append(client.index)
            gauges.queuedConnects = connectQueue.count - connectQueueHead
        } else {
            if wasOpen && traffic != nil { window.counters.unexpectedCloses += 1 }
            if client.hasPendingSetup { finishSetup(client) }
        }
    }

    // MARK: Writing

    /// LWS_CALLBACK_CLIENT_WRITEABLE: exactly one `lws_write`, then ask again if more is queued.
    func writeable(_ client: LoadClient, wsi: OpaquePointer) -> Int32 {
        guard client.hasOutbound else { return 0 }
        let head = client.outboundHead
        let written = client.outbound[head].withUnsafeMutableBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return -1 }
            // lws writes the header into the headroom and masks the payload in place.
            return lws_write(wsi, base + RequestFrames.headroom, buffer.count - RequestFrames.headroom, LWS_WRITE_TEXT)
        }
        if written < 0 { return -1 }
        client.outboundHead += 1
        if client.outboundHead == client.outbound.count {
            client.outbound.removeAll(keepingCapacity: true)
            client.outboundHead = 0
        } else {
            lws_callback_on_writable(wsi)
        }
        return 0
    }

    // MARK: Reading

    /// LWS_CALLBACK_CLIENT_RECEIVE: one piece of a message.
    func receive(_ client: LoadClient, wsi: OpaquePointer, _ input: UnsafeRawPointer?, length: Int) {
        let isFinal = lws_is_final_fragment(wsi) != 0 && lws_remaining_packet_payload(wsi) == 0
        if client.assembly.isEmpty && isFinal {
            guard let input else { return }
            handleFrame(client, FrameScanner(input.assumingMemoryBound(to: UInt8.self), count: length))
            return
        }
        if let input, length > 0 {
            client.assembly.append(contentsOf: UnsafeRawBufferPointer(start: input, count: length))
        }
        guard isFinal else { return }
        let message = client.assembly
        client.assembly.removeAll(keepingCapacity: false)
        message.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            handleFrame(client, FrameScanner(base, count: buffer.count))
        }
    }

    private func handleFrame(_ client: LoadClient, _ frame: FrameScanner) {
        switch frame.frameType() {
        case .message: messagePush(client, frame)
        case .ack: ack(frame)
        case .typing: window.counters.typingPushes += 1
        case .read: window.counters.readPushes += 1
        case .presence: window.counters.presencePushes += 1
        case .hello: hello(client)
        case .joined: joined(client, frame)
        case .room: roomReply(client, frame)
        case .error: errorReply(client, frame)
        case .ok: controlReplied(client, frame)
        case .pong, .other, .unknown: window.counters.otherFrames += 1
        }
    }

    private func messagePush(_ client: LoadClient, _ frame: FrameScanner) {
        let now = MonotonicClock.nanoseconds()
        guard let roomRange = frame.stringRange(after: #""room":""#),
              let subscriptionIndex = client.subscriptions.firstIndex(where: { frame.matches(roomRange, rooms[$0.room].idBytes) })
        else {
            window.counters.strayPushes += 1
            return
        }
        window.counters.deliveries += 1
        let searchFrom = roomRange.upperBound
        guard let seq = frame.integer(after: #""seq":"#, from: searchFrom) ?? frame.integer(after: #""seq":"#) else {
            window.counters.otherFrames += 1
            return
        }
        let room = client.subscriptions[subscriptionIndex].room
        if seq > rooms[room].maxSeenSeq { rooms[room].maxSeenSeq = seq }
        switch client.subscriptions[subscriptionIndex].tracker.observe(seq) {
        case .inOrder: break
        case .gap(let count): window.counters.gaps += Int(count)
        case .duplicate: window.counters.duplicates += 1
        }
        if let sentNS = frame.integer(after: #""text":"t="#), sentNS > 0, UInt64(sentNS) <= now {
            _ = window.latency.record(max(1, (now - UInt64(sentNS)) / 1000))
        }
        if client.subscriptions[subscriptionIndex].sendsReads,
           now &- client.subscriptions[subscriptionIndex].lastReadNS >= readIntervalNS, let wsi = client.wsi {
            client.subscriptions[subscriptionIndex].lastReadNS = now
            client.enqueue(RequestFrames.read(room: rooms[room].id, seq: seq))
            window.counters.readsSent += 1
            lws_callback_on_writable(wsi)
        }
    }

    /// `ack` of a send: `re` is `s<room index>:<send ns>`.
    private func ack(_ frame: FrameScanner) {
        window.counters.acked += 1
        guard let re = frame.end(of: #""re":"s"#), let room = frame.integer(at: re), rooms.indices.contains(Int(room)) else { return }
        let roomIndex = Int(room)
        if let status = frame.end(of: #""status":""#), !frame.hasPrefix(#"delivered""#, at: status) {
            // Moderation held or masked a harness message: it distorts the figures, so report it.
            window.counters.moderated += 1
            if frame.hasPrefix(#"held""#, at: status) { return }
        }
        if let seq = frame.integer(after: #""seq":"#), seq > rooms[roomIndex].maxAckedSeq {
            rooms[roomIndex].maxAckedSeq = seq
        }
        if (traffic?.reactProbability ?? 0) > 0, let msgID = frame.stringRange(after: #""msg_id":""#) {
            rooms[roomIndex].lastMsgID = frame.string(msgID)
        }
        window.counters.expectedDeliveries += rooms[roomIndex].subscribers
        var cursor = re
        while cursor < frame.count && frame.base[cursor] != UInt8(ascii: ":") && frame.base[cursor] != UInt8(ascii: "\"") { cursor += 1 }
        if cursor < frame.count, frame.base[cursor] == UInt8(ascii: ":"), let sentNS = frame.integer(at: cursor + 1) {
            let now = MonotonicClock.nanoseconds()
            if sentNS > 0, UInt64(sentNS) <= now { _ = window.ackLatency.record(max(1, (now - UInt64(sentNS)) / 1000)) }
        }
    }

    private func hello(_ client: LoadClient) {
        guard client.state == .authenticating else { return }
        let now = MonotonicClock.nanoseconds()
        client.state = .ready
        gauges.ready += 1
        _ = window.authLatency.record(max(1, (now &- client.authStartNS) / 1000))
        if client.keepConnected, !client.subscriptions.isEmpty {
            // Reconnected: rejoin every room with `since` before anything else.
            let hadPending = client.hasPendingSetup
            let rejoins = client.subscriptions.indices.map { ControlStep.rejoin(subscription: $0) }
            client.steps = rejoins + client.steps[client.stepCursor...]
            client.stepCursor = 0
            if !hadPending { gauges.pendingSetup += 1 }
        }
        advanceSteps(client)
        if !client.hasPendingSetup { recoveryFinished(client, now: now) }
    }

    private func joined(_ client: LoadClient, _ frame: FrameScanner) {
        guard isCurrentControlReply(client, frame), client.stepCursor < client.steps.count else { return }
        let lastSeq = frame.integer(after: #""last_seq":"#) ?? 0
        let epochRange = frame.stringRange(after: #""epoch":""#)
        let epoch = epochRange.map { frame.string($0) }
        switch client.steps[client.stepCursor] {
        case .join(let room, let readReceipts):
            var subscription = LoadClient.Subscription(room: room)
            subscription.tracker = SeqTracker(baseline: lastSeq)
            subscription.epoch = epoch
            subscription.joined = true
            subscription.sendsReads = readReceipts
            if let existing = client.subscriptionIndex(room: room) {
                if !client.subscriptions[existing].joined { rooms[room].subscribers += 1 }
                client.subscriptions[existing] = subscription
            } else {
                client.subscriptions.append(subscription)
                rooms[room].subscribers += 1
            }
            if lastSeq > rooms[room].maxSeenSeq { rooms[room].maxSeenSeq = lastSeq }
        case .rejoin(let index) where client.subscriptions.indices.contains(index):
            replayMissed(client, subscription: index, frame)
            client.subscriptions[index].epoch = epoch ?? client.subscriptions[index].epoch
            client.subscriptions[index].joined = true
            let room = client.subscriptions[index].room
            rooms[room].subscribers += 1
            if lastSeq > rooms[room].maxSeenSeq { rooms[room].maxSeenSeq = lastSeq }
        default:
            break
        }
        completeStep(client)
    }

    /// Applies `missed` (every message after `since`, or only the latest when `recovered` is false).
    private func replayMissed(_ client: LoadClient, subscription index: Int, _ frame: FrameScanner) {
        let recovered = frame.end(of: #""recovered":true"#) != nil
        guard let missedStart = frame.end(of: #""missed":["#) else { return }
        var cursor = missedStart
        var first = true
        while let seqEnd = frame.end(of: #""seq":"#, from: cursor), let seq = frame.integer(at: seqEnd) {
            if first && !recovered { client.subscriptions[index].tracker.skip(to: seq) }
            first = false
            switch client.subscriptions[index].tracker.observe(seq) {
            case .inOrder: break
            case .gap(let count): window.counters.gaps += Int(count)
            case .duplicate: window.counters.duplicates += 1
            }
            window.counters.replayed += 1
            cursor = seqEnd
        }
    }

    private func roomReply(_ client: LoadClient, _ frame: FrameScanner) {
        guard isCurrentControlReply(client, frame), client.stepCursor < client.steps.count else { return }
        if case .openDirect(let room, _) = client.steps[client.stepCursor],
           let roomObject = frame.end(of: #""room":{"#), let idRange = frame.stringRange(after: #""id":""#, from: roomObject) {
            rooms[room].id = frame.string(idRange)
        }
        completeStep(client)
    }

    private func errorReply(_ client: LoadClient, _ frame: FrameScanner) {
        let code = frame.stringRange(after: #""code":""#).map { frame.string($0) } ?? "unknown"
        window.counters.errors[code, default: 0] += 1
        if frame.end(of: #""re":"s"#) != nil {
            window.counters.sendErrors += 1
            return
        }
        guard isCurrentControlReply(client, frame), client.stepCursor < client.steps.count else { return }
        // An existing room (a re-used run tag) is as good as a new one.
        if code != "conflict" {
            logger.debug("setup request failed", metadata: ["user": "\(client.user)", "code": "\(code)", "step": "\(client.steps[client.stepCursor])"])
        }
        completeStep(client)
    }

    private func controlReplied(_ client: LoadClient, _ frame: FrameScanner) {
        guard isCurrentControlReply(client, frame) else { return }
        completeStep(client)
    }

    private func isCurrentControlReply(_ client: LoadClient, _ frame: FrameScanner) -> Bool {
        guard client.awaitingReply, let re = frame.stringRange(after: #""re":""#) else { return false }
        return frame.matches(re, Array(client.currentControlID.utf8))
    }

    // MARK: Setup steps

    private func completeStep(_ client: LoadClient) {
        client.awaitingReply = false
        client.stepCursor += 1
        advanceSteps(client)
        if !client.hasPendingSetup {
            finishSetup(client)
            recoveryFinished(client, now: MonotonicClock.nanoseconds())
        }
    }

    private func finishSetup(_ client: LoadClient) {
        if !client.steps.isEmpty {
            gauges.pendingSetup -= 1
        }
        client.steps.removeAll()
        client.stepCursor = 0
        client.awaitingReply = false
    }

    private func recoveryFinished(_ client: LoadClient, now: UInt64) {
        guard let start = client.recoveryStartNS, client.state == .ready else { return }
        client.recoveryStartNS = nil
        gauges.recovering -= 1
        _ = window.recoveryTime.record(max(1, (now &- start) / 1000))
    }

    private func advanceSteps(_ client: LoadClient) {
        guard client.state == .ready, !client.awaitingReply, client.stepCursor < client.steps.count, let wsi = client.wsi else { return }
        let id = client.nextControlID()
        let frame: [UInt8]
        switch client.steps[client.stepCursor] {
        case .createRoom(let room):
            let state = rooms[room]
            frame = RequestFrames.createRoom(id: id, room: state.id, title: state.title, visibility: "org", members: state.members)
        case .openDirect(_, let peer):
            frame = RequestFrames.directOpen(id: id, user: peer)
        case .join(let room, _):
            guard !rooms[room].id.isEmpty else {
                // The direct room was never opened: nothing to join.
                window.counters.errors["setup: room not opened", default: 0] += 1
                completeStep(client)
                return
            }
            frame = RequestFrames.join(id: id, room: rooms[room].id, since: nil, epoch: nil)
        case .rejoin(let index):
            let subscription = client.subscriptions[index]
            frame = RequestFrames.join(id: id, room: rooms[subscription.room].id, since: subscription.tracker.last, epoch: subscription.epoch)
        }
        client.awaitingReply = true
        client.enqueue(frame)
        lws_callback_on_writable(wsi)
    }

    private static func shortReason(_ reason: String) -> String {
        reason.count > 60 ? String(reason.prefix(60)) : reason
    }
}
