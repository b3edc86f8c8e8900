import CLibWebSockets
import Logging
import Synchronization

/// Routes libwebsockets' own log lines to swift-log at debug level.
/// lws logging is process-wide, so the bridge is too: the last server started wins.
enum LWSLogBridge {
    private static let logger = Mutex<Logger?>(nil)

    static func install(_ logger: Logger) {
        var lwsLogger = logger
        lwsLogger[metadataKey: "component"] = "libwebsockets"
        Self.logger.withLock { $0 = lwsLogger }
        // Below debug nothing would be printed: don't let lws format lines at all then.
        let levels: Int32 = logger.logLevel <= .debug ? LLL_ERR | LLL_WARN | LLL_NOTICE : 0
        lws_set_log_level(levels, emit)
    }

    private static let emit: @convention(c) (Int32, UnsafePointer<CChar>?) -> Void = { _, line in
        guard let line else { return }
        var text = String(cString: line)
        while text.last == "\n" { text.removeLast() }
        let logger = LWSLogBridge.logger.withLock { $0 }
        logger?.debug("\(text)")
    }
}
