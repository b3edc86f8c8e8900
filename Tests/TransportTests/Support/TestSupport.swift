import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOSSL
import NIOWebSocket
import Transport
import WSClient
import XCTest

/// Starts a transport on an ephemeral port with a recording delegate.
func makeServer(
    _ configure: (inout TransportSettings) -> Void = { _ in }
) throws -> (TransportServer, RecordingDelegate) {
    var settings = TransportSettings(host: "127.0.0.1", port: 0)
    configure(&settings)
    let delegate = RecordingDelegate()
    var logger = Logger(label: "transport-test")
    logger.logLevel = ProcessInfo.processInfo.environment["RTS_TEST_LOG"] == "1" ? .debug : .warning
    let server = TransportServer(settings: settings, delegate: delegate, logger: logger)
    try server.start()
    return (server, delegate)
}

var quietLogger: Logger {
    var logger = Logger(label: "ws-client")
    logger.logLevel = .critical
    return logger
}

/// Polls `condition` until it holds or `seconds` pass.
func eventually(
    _ seconds: Double = 5, file: StaticString = #filePath, line: UInt = #line, _ condition: () -> Bool
) async {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return }
        try? await Task.sleep(for: .milliseconds(10))
    }
    XCTAssertTrue(condition(), "condition not met within \(seconds)s", file: file, line: line)
}

func closeCode(_ code: Int) -> WebSocketErrorCode {
    WebSocketErrorCode(codeNumber: code)
}

/// Runs a WSClient against `url`; returns the close frame the server sent.
@discardableResult
func runClient(
    _ url: String,
    headers: HTTPFields = [:],
    maxFrameSize: Int = 1 << 20,
    tls: TLSConfigurationBox? = nil,
    handler: @escaping WebSocketDataHandler<WebSocketClient.Context>
) async throws -> WebSocketCloseFrame? {
    // NIOSSL refuses an IP address as SNI name; the test certificate is for localhost.
    let configuration = WebSocketClientConfiguration(
        maxFrameSize: maxFrameSize, additionalHeaders: headers, closeTimeout: .seconds(5),
        sniHostname: tls == nil ? nil : "localhost")
    let tlsConfiguration = tls?.configuration
    // A stuck exchange fails the test instead of hanging the run.
    return try await withThrowingTaskGroup(of: WebSocketCloseFrame?.self) { group in
        group.addTask {
            let client = WebSocketClient(
                url: url, configuration: configuration, tlsConfiguration: tlsConfiguration, logger: quietLogger,
                handler: handler)
            return try await client.run()
        }
        group.addTask {
            try await Task.sleep(for: .seconds(20))
            throw ClientTimeout()
        }
        defer { group.cancelAll() }
        guard let result = try await group.next() else { throw ClientTimeout() }
        return result
    }
}

struct ClientTimeout: Error {}


/// Wraps NIOSSL's configuration so test signatures need not import NIOSSL everywhere.
struct TLSConfigurationBox {
    var configuration: TLSConfiguration

    static var trustingAnyCertificate: TLSConfigurationBox {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        return TLSConfigurationBox(configuration: configuration)
    }
}

/// Collects inbound messages until the server closes.
func collectMessages(_ inbound: WebSocketInboundStream, maxSize: Int = 1 << 24) async throws -> [WebSocketMessage] {
    var messages: [WebSocketMessage] = []
    for try await message in inbound.messages(maxSize: maxSize) {
        messages.append(message)
    }
    return messages
}

/// Thread-safe box for values produced inside a WSClient handler.
final class Box<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    init(_ value: Value) { stored = value }

    var value: Value {
        lock.withLock { stored }
    }

    /// Read-modify-write under the lock (`box.value += 1` from two tasks would lose updates).
    func update(_ body: (inout Value) -> Void) {
        lock.withLock { body(&stored) }
    }
}
