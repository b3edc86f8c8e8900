import CLibWebSockets

/// Which vhost a protocol (and so a callback) belongs to; stored in `lws_protocols.id`.
enum VhostKind: UInt32 {
    case main = 1
    case metrics = 2
}

/// The C structures lws keeps pointers to (protocol tables, strings, header lists, the
/// ping/hang-up policy). They must outlive the context, so this object owns them and
/// frees them only after `lws_context_destroy`.
final class LWSContextConfig {
    /// Per-connection receive buffer lws allocates (plus LWS_PRE) for the connection's whole life.
    /// Control frames need 125 bytes; larger messages simply arrive in more RECEIVE callbacks.
    /// With 1024 an idle connection costs about 2.6 KiB of RSS in total (IdleMemoryTests).
    static let rxBufferSize = 1024
    /// Largest single send() per write; bigger frames are sent from lws' own buffer in pieces.
    /// Without it lws would cap every send at rx_buffer_size and copy the rest of each frame.
    static let txPacketSize = 1 << 20
    /// One read from the socket (per service thread, not per connection).
    static let serviceBufferSize: UInt32 = 16384
    /// Per-session data: the retained `Connection` pointer.
    static let sessionDataSize = MemoryLayout<UnsafeMutableRawPointer?>.size

    private let settings: TransportSettings
    private var allocations: [UnsafeMutableRawPointer] = []

    private(set) var mainProtocols: UnsafeMutablePointer<lws_protocols>
    private(set) var metricsProtocols: UnsafeMutablePointer<lws_protocols>
    private(set) var retryPolicy: UnsafeMutablePointer<lws_retry_bo_t>
    private(set) var mainHeaders: UnsafeMutablePointer<lws_protocol_vhost_options>?
    private(set) var metricsHeaders: UnsafeMutablePointer<lws_protocol_vhost_options>?
    /// The recurring metrics tick (lws only hands its callback the sul pointer).
    private(set) var tick: UnsafeMutablePointer<rts_sul_owner_t>

    typealias Callback = @convention(c) (
        OpaquePointer?, lws_callback_reasons, UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, Int
    ) -> Int32

    init(settings: TransportSettings, callback: Callback) {
        self.settings = settings
        mainProtocols = UnsafeMutablePointer.allocate(capacity: 2)
        metricsProtocols = UnsafeMutablePointer.allocate(capacity: 2)
        retryPolicy = UnsafeMutablePointer.allocate(capacity: 1)
        tick = UnsafeMutablePointer.allocate(capacity: 1)
        tick.initialize(to: rts_sul_owner_t())
        allocations += [
            UnsafeMutableRawPointer(mainProtocols), UnsafeMutableRawPointer(metricsProtocols),
            UnsafeMutableRawPointer(retryPolicy), UnsafeMutableRawPointer(tick),
        ]

        mainProtocols.initialize(to: protocolEntry(name: HandshakePolicy.subprotocol, id: .main, callback: callback))
        (mainProtocols + 1).initialize(to: lws_protocols())
        metricsProtocols.initialize(to: protocolEntry(name: "rts-metrics", id: .metrics, callback: callback))
        (metricsProtocols + 1).initialize(to: lws_protocols())

        // No lws ping/hang-up ("validity") timers: heartbeats are `ServiceCore.sweep`'s. Without a
        // policy lws would apply its default one (ping at 300 s), a timer per connection.
        retryPolicy.initialize(to: lws_retry_bo_t())

        mainHeaders = headerList(SecurityHeaders.list(tls: isTLS))
        metricsHeaders = headerList(SecurityHeaders.list(tls: false))
    }

    deinit {
        for pointer in allocations { pointer.deallocate() }
    }

    var isTLS: Bool { settings.tlsCertPath != nil && settings.tlsKeyPath != nil }

    /// `foreignLoops`: the event loops lws should run on (see `LWSServiceLoop`).
    func contextInfo(user: UnsafeMutableRawPointer, foreignLoops: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> lws_context_creation_info {
        var info = lws_context_creation_info()
        info.options = UInt64(LWS_SERVER_OPTION_EXPLICIT_VHOSTS) | UInt64(LWS_SERVER_OPTION_VALIDATE_UTF8)
        info.foreign_loops = foreignLoops
        if isTLS { info.options |= UInt64(LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT) }
        info.port = CONTEXT_PORT_NO_LISTEN
        info.user = user
        info.count_threads = 1
        info.pt_serv_buf_size = Self.serviceBufferSize
        info.server_string = cString("rts")
        return info
    }

    func mainVhostInfo() -> lws_context_creation_info {
        // No lws listener: `ServiceThread` accepts on its own `TCPListener` and adopts each socket.
        var info = vhostInfo(
            name: "rts", host: settings.host, port: Int(CONTEXT_PORT_NO_LISTEN_SERVER), protocols: mainProtocols, headers: mainHeaders)
        if let cert = settings.tlsCertPath, let key = settings.tlsKeyPath {
            info.ssl_cert_filepath = cString(cert)
            info.ssl_private_key_filepath = cString(key)
            // lws 4.1 checks this option on the vhost too, not only on the context.
            info.options |= UInt64(LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT)
            // HTTP/1.1 only: every WebSocket then goes through the HTTP upgrade path where the policy runs.
            info.alpn = cString("http/1.1")
            info.ssl_options_set = Self.legacyProtocolsOff
            info.ssl_cipher_list = cString(Self.tls12Ciphers)
            info.tls1_3_plus_cipher_list = cString(Self.tls13Ciphers)
        }
        return info
    }

    func metricsVhostInfo(port: Int) -> lws_context_creation_info {
        vhostInfo(name: "rts-metrics", host: settings.metricsHost, port: port, protocols: metricsProtocols, headers: metricsHeaders)
    }

    // MARK: TLS policy

    /// TLS 1.2 at least: OpenSSL's SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1 (bits 25, 26
    /// and 28; SSL_OP_BIT is a macro Swift cannot import). The OS's default policy may allow more.
    static let legacyProtocolsOff = (1 << 25) | (1 << 26) | (1 << 28)
    /// TLS 1.2: forward-secret AEAD suites only (Mozilla's "intermediate" list).
    static let tls12Ciphers = [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")
    /// TLS 1.3: the three suites every client offers.
    static let tls13Ciphers = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"

    // MARK: Building blocks

    private func vhostInfo(
        name: String, host: String, port: Int, protocols: UnsafeMutablePointer<lws_protocols>,
        headers: UnsafeMutablePointer<lws_protocol_vhost_options>?
    ) -> lws_context_creation_info {
        var info = lws_context_creation_info()
        info.vhost_name = cString(name)
        info.port = Int32(port)
        info.protocols = UnsafePointer(protocols)
        info.headers = UnsafePointer(headers)
        info.retry_and_idle_policy = UnsafePointer(retryPolicy)
        info.options = UInt64(LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND)
        let (iface, ipv6) = Self.listenInterface(host)
        if let iface { info.iface = cString(iface) }
        if !ipv6 { info.options |= UInt64(LWS_SERVER_OPTION_DISABLE_IPV6) }
        return info
    }

    /// lws binds an interface name or an IP literal; nil means every address.
    /// An IPv4 literal must be bound with IPv6 disabled, or lws writes it into an IPv6 address.
    static func listenInterface(_ host: String) -> (iface: String?, ipv6: Bool) {
        switch host {
        case "", "0.0.0.0", "*": return (nil, false)
        case "::", "[::]": return (nil, true)
        case "localhost": return ("127.0.0.1", false)
        default:
            if host.contains(":") {
                return (host.trimmingCharacters(in: "[]"), true)
            }
            return (host, false)
        }
    }

    private func protocolEntry(name: String, id: VhostKind, callback: Callback) -> lws_protocols {
        var entry = lws_protocols()
        entry.name = (cString(name))
        entry.callback = callback
        entry.per_session_data_size = Self.sessionDataSize
        entry.rx_buffer_size = Self.rxBufferSize
        entry.id = id.rawValue
        entry.tx_packet_size = Self.txPacketSize
        return entry
    }

    private func headerList(_ headers: [(name: String, value: String)]) -> UnsafeMutablePointer<lws_protocol_vhost_options>? {
        var next: UnsafeMutablePointer<lws_protocol_vhost_options>?
        for header in headers.reversed() {
            let node = UnsafeMutablePointer<lws_protocol_vhost_options>.allocate(capacity: 1)
            allocations.append(UnsafeMutableRawPointer(node))
            var option = lws_protocol_vhost_options()
            option.next = UnsafePointer(next)
            // lws writes the name verbatim, so it carries the colon.
            option.name = (cString(header.name + ":"))
            option.value = (cString(header.value))
            node.initialize(to: option)
            next = node
        }
        return next
    }

    /// A NUL-terminated copy that lives as long as this object.
    private func cString(_ string: String) -> UnsafePointer<CChar> {
        let bytes = Array(string.utf8CString)
        let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count)
        pointer.initialize(from: bytes, count: bytes.count)
        allocations.append(UnsafeMutableRawPointer(pointer))
        return UnsafePointer(pointer)
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        String(drop(while: { set.contains($0) }).reversed().drop(while: { set.contains($0) }).reversed())
    }
}
