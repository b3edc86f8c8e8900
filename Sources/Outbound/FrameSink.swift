/// Where a session's outbound frames go: implemented by the transport's connection.
///
/// Every method is non-blocking and safe to call from any thread or actor; the
/// transport queues the work and wakes its service thread.
public protocol FrameSink: AnyObject, Sendable {
    /// A process-unique id for this connection.
    var connectionID: UInt64 { get }
    /// Queues a frame. Returns false when the connection is closing or closed
    /// (including when this frame pushed it over its outbound byte limit).
    @discardableResult
    func send(_ frame: SharedFrame) -> Bool
    /// Queues the direct reply to a request. A reply never pushes the connection over its
    /// outbound limit by its own size (the server chose to send it): only a backlog already over
    /// the limit when the reply comes closes the connection.
    @discardableResult
    func sendReply(_ frame: SharedFrame) -> Bool
    /// Closes with a WebSocket close code and reason. With `flush`, frames queued
    /// before this call are written first; without, they are dropped.
    func close(code: UInt16, reason: String, flush: Bool)
}
