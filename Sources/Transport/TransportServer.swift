import Logging
import Metrics
import Synchronization

/// The WebSocket + HTTP listener built on libwebsockets.
///
/// One dedicated service thread runs lws; the delegate is called on it. Everything public
/// here is safe from any thread.
public final class TransportServer: @unchecked Sendable {
    private enum Phase {
        case idle
        case starting
        case running
        case stopping
        case stopped
    }

    private let settings: TransportSettings
    private let logger: Logger
    private let core: ServiceCore
    private let service: ServiceThread
    private let phase = Mutex(Phase.idle)
    /// Kept after shutdown so callers can still tell which port was used.
    private let ports = Mutex<ServiceThread.Ports?>(nil)

    public convenience init(settings: TransportSettings, delegate: any TransportDelegate, logger: Logger) {
        self.init(settings: settings, delegate: delegate, logger: logger, metricsFactory: MetricsSystem.factory)
    }

    init(settings: TransportSettings, delegate: any TransportDelegate, logger: Logger, metricsFactory: any MetricsFactory) {
        self.settings = settings
        self.logger = logger
        core = ServiceCore(
            settings: settings, delegate: delegate, logger: logger, metrics: TransportMetrics(factory: metricsFactory))
        service = ServiceThread(core: core, settings: settings)
    }

    /// Creates the lws context and listeners and starts the service thread; returns once listening.
    public func start() throws {
        let first = phase.withLock { phase -> Bool in
            guard case .idle = phase else { return false }
            phase = .starting
            return true
        }
        guard first else { throw TransportStartError(description: "transport already started") }
        do {
            let bound = try service.start()
            ports.withLock { $0 = bound }
            phase.withLock { $0 = .running }
            // Debug: the application logs the one `listening` line operators and checks look for.
            logger.debug(
                "transport bound to \(settings.host):\(bound.main)",
                metadata: ["port": "\(bound.main)", "tls": "\(settings.tlsCertPath != nil)"])
        } catch {
            phase.withLock { $0 = .stopped }
            throw error
        }
    }

    /// The bound port (the real one when `settings.port` is 0); 0 before `start()`.
    public var port: Int {
        ports.withLock { $0?.main ?? 0 }
    }

    /// The bound metrics port, when a metrics port was configured.
    public var metricsPort: Int? {
        ports.withLock { $0?.metrics }
    }

    /// New `/ws` handshakes are refused with HTTP 503 from now on.
    public func stopAccepting() {
        core.accepting.store(false, ordering: .relaxed)
    }

    /// Closes every WebSocket with `closeCode` (queued frames flushed first), waits up to `graceMS`
    /// for them to go, then stops the service thread and destroys the context. Idempotent.
    public func shutdown(closeCode: UInt16, reason: String, graceMS: Int) async {
        enum Action { case shutDown, waitForOther, nothing }
        let action = phase.withLock { phase -> Action in
            switch phase {
            case .running:
                phase = .stopping
                return .shutDown
            case .stopping, .stopped:
                return .waitForOther
            case .idle, .starting:
                return .nothing
            }
        }
        switch action {
        case .shutDown: break
        case .waitForOther: return await service.waitUntilFinished()
        case .nothing: return
        }
        stopAccepting()
        core.wakeList.requestCloseAll(CloseRequest(code: closeCode, reason: reason, flush: true))
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(max(0, graceMS)))
        while core.liveConnections.load(ordering: .relaxed) > 0 && ContinuousClock.now < deadline {
            do {
                try await Task.sleep(for: .milliseconds(10))
            } catch {
                break  // cancelled: stop waiting, still shut down
            }
        }
        core.wakeList.requestStop()
        await service.waitUntilFinished()
        phase.withLock { $0 = .stopped }
        logger.info("transport stopped")
    }
}
