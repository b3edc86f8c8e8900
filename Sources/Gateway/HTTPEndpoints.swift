import Prometheus
import Synchronization
import Transport

/// `/healthz`, `/readyz`, `/metrics` and the web app's files. Answered on the transport thread, so
/// each reads state that is already computed: readiness is a flag a background check keeps current.
final class HTTPEndpoints: Sendable {
    private let registry: PrometheusCollectorRegistry
    private let webApp: WebApp?
    let readiness = Readiness()

    init(registry: PrometheusCollectorRegistry, webApp: WebApp?) {
        self.registry = registry
        self.webApp = webApp
    }

    func respond(path: String) -> HTTPResponse? {
        switch path {
        case "/healthz":
            return HTTPResponse(status: 200, text: "ok\n")
        case "/readyz":
            let state = readiness.current
            return HTTPResponse(status: state.isReady ? 200 : 503, text: state.text)
        case "/metrics":
            var buffer: [UInt8] = []
            buffer.reserveCapacity(16 * 1024)
            registry.emit(into: &buffer)
            return HTTPResponse(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: buffer)
        default:
            return webApp?.respond(path: path)
        }
    }
}
