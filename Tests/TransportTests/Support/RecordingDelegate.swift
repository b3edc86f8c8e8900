import Foundation
import Outbound
import Synchronization
import Transport

/// A small test application: records every transport event, echoes `/ws` messages back
/// (same type) unless told otherwise, and serves a few HTTP routes.
final class RecordingDelegate: TransportDelegate, @unchecked Sendable {
    struct Received: Equatable {
        var connectionID: UInt64
        var bytes: [UInt8]
        var isBinary: Bool
    }

    struct HTTPCall: Equatable {
        var path: String
        var query: String
        var authorization: String?
    }

    private struct State {
        var admit = true
        var echo = true
        var opened: [Connection] = []
        var closed: [UInt64] = []
        var received: [Received] = []
        var deadlines: [UInt64] = []
        var admissions: [String] = []
        var httpCalls: [HTTPCall] = []
        var openedHook: (@Sendable (Connection) -> Void)?
        var messageHook: (@Sendable (Connection, [UInt8]) -> Void)?
    }

    private let state = Mutex(State())

    var admit: Bool {
        get { state.withLock { $0.admit } }
        set { state.withLock { $0.admit = newValue } }
    }

    var echo: Bool {
        get { state.withLock { $0.echo } }
        set { state.withLock { $0.echo = newValue } }
    }

    /// Runs on the service thread right after a connection opens.
    func onOpen(_ hook: @escaping @Sendable (Connection) -> Void) {
        state.withLock { $0.openedHook = hook }
    }

    /// Runs on the service thread for each message, instead of the echo.
    func onMessage(_ hook: @escaping @Sendable (Connection, [UInt8]) -> Void) {
        state.withLock { $0.messageHook = hook }
    }

    var opened: [Connection] { state.withLock { $0.opened } }
    var closed: [UInt64] { state.withLock { $0.closed } }
    var received: [Received] { state.withLock { $0.received } }
    var deadlines: [UInt64] { state.withLock { $0.deadlines } }
    var admissions: [String] { state.withLock { $0.admissions } }
    var httpCalls: [HTTPCall] { state.withLock { $0.httpCalls } }

    /// Drops the recorded connections so a leak check can see them go.
    func forgetConnections() {
        state.withLock { $0.opened.removeAll() }
    }

    // MARK: TransportDelegate

    func admitConnection(remoteAddress: String) -> Bool {
        state.withLock { state in
            state.admissions.append(remoteAddress)
            return state.admit
        }
    }

    func connectionOpened(_ connection: Connection) {
        let hook = state.withLock { state -> (@Sendable (Connection) -> Void)? in
            state.opened.append(connection)
            return state.openedHook
        }
        hook?(connection)
    }

    func connection(_ connection: Connection, received message: [UInt8], isBinary: Bool) -> InboundFlow {
        let (echo, hook) = state.withLock { state in
            state.received.append(Received(connectionID: connection.connectionID, bytes: message, isBinary: isBinary))
            return (state.echo, state.messageHook)
        }
        if let hook {
            hook(connection, message)
        } else if echo {
            connection.send(SharedFrame(message, isBinary: isBinary))
        }
        return .proceed
    }

    func connectionClosed(_ connection: Connection) {
        state.withLock { $0.closed.append(connection.connectionID) }
    }

    func connectionDeadlinePassed(_ connection: Connection) {
        state.withLock { $0.deadlines.append(connection.connectionID) }
    }

    /// `/deferred/…` answers off the transport thread with the request it saw.
    func deferredHTTP(_ request: HTTPRequest) -> (@Sendable () async -> HTTPResponse)? {
        guard request.path.hasPrefix("/deferred/") else { return nil }
        let text = "\(request.method.rawValue) \(request.path) query=\(request.query) body=\(String(decoding: request.body, as: UTF8.self))"
        return { HTTPResponse(status: 200, text: text) }
    }

    func httpGet(path: String, query: String, authorization: String?) -> HTTPResponse? {
        state.withLock { $0.httpCalls.append(HTTPCall(path: path, query: query, authorization: authorization)) }
        switch path {
        case "/healthz":
            return HTTPResponse(status: 200, text: "ok")
        case "/metrics":
            return HTTPResponse(status: 200, contentType: "text/plain; version=0.0.4", body: Array("rts_up 1\n".utf8))
        case "/big":
            return HTTPResponse(status: 200, body: Array(repeating: UInt8(ascii: "b"), count: 1 << 20))
        case "/echo-request":
            return HTTPResponse(status: 200, text: "query=\(query) auth=\(authorization ?? "-")")
        default:
            return nil
        }
    }
}
