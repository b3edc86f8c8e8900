/// The C strings of one endpoint that lws reads while connecting.
final class EndpointStrings {
    let address: UnsafeMutablePointer<CChar>
    let path: UnsafeMutablePointer<CChar>
    let authority: UnsafeMutablePointer<CChar>
    let origin: UnsafeMutablePointer<CChar>
    let subprotocol: UnsafeMutablePointer<CChar>

    init(_ endpoint: EngineSetup.Endpoint) {
        address = Self.copy(endpoint.address)
        path = Self.copy(endpoint.path)
        authority = Self.copy(endpoint.authority)
        origin = Self.copy((endpoint.tls ? "https://" : "http://") + endpoint.authority)
        subprotocol = Self.copy(LoadClientProtocol.name)
    }

    deinit {
        for pointer in [address, path, authority, origin, subprotocol] { pointer.deallocate() }
    }

    private static func copy(_ string: String) -> UnsafeMutablePointer<CChar> {
        let bytes = Array(string.utf8CString)
        let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count)
        pointer.initialize(from: bytes, count: bytes.count)
        return pointer
    }
}
