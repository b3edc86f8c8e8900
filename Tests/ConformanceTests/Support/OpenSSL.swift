import Foundation
import XCTest

/// Key material and signatures from the `openssl` command line tool (independent of the server's
/// crypto): RSA/EC key pairs for RS256/ES256 tokens and a self-signed certificate for wss.
enum OpenSSL {
    static func executable() throws -> URL {
        for path in ["/usr/bin/openssl", "/usr/local/bin/openssl", "/bin/openssl"] where FileManager.default.isExecutableFile(atPath: path) {
            return URL(fileURLWithPath: path)
        }
        throw XCTSkip("the openssl command line tool is not installed")
    }

    @discardableResult
    static func run(_ arguments: [String], in directory: URL, input: Data? = nil) async throws -> Data {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let output = directory.appendingPathComponent("openssl-\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        if let input {
            let inputFile = directory.appendingPathComponent("openssl-\(UUID().uuidString).in")
            try input.write(to: inputFile)
            process.standardInput = try FileHandle(forReadingFrom: inputFile)
        }
        try process.run()
        while process.isRunning { try await Task.sleep(for: .milliseconds(10)) }
        try handle.close()
        let data = (try? Data(contentsOf: output)) ?? Data()
        guard process.terminationStatus == 0 else {
            throw ConformanceError("openssl \(arguments.joined(separator: " ")) failed: \(String(decoding: data, as: UTF8.self))")
        }
        return data
    }

    /// A key pair in `directory`: (private key path, public key PEM path).
    static func keyPair(_ kind: String, in directory: URL) async throws -> (privateKey: String, publicKey: String) {
        let key = directory.appendingPathComponent("\(kind)-\(UUID().uuidString.prefix(6)).pem").path
        let pub = key.replacingOccurrences(of: ".pem", with: ".pub.pem")
        switch kind {
        case "rsa": try await run(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key], in: directory)
        default: try await run(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key], in: directory)
        }
        try await run(["pkey", "-in", key, "-pubout", "-out", pub], in: directory)
        return (key, pub)
    }

    /// A JWT signed with RS256 (RSA key) or ES256 (P-256 key).
    static func token(alg: String, privateKey: String, payload: [String: Any], in directory: URL) async throws -> String {
        let signingInput = HandmadeJWT.base64URL(Array(jsonText(["alg": alg, "typ": "JWT"]).utf8)) + "."
            + HandmadeJWT.base64URL(Array(jsonText(payload).utf8))
        let signature = Array(try await run(["dgst", "-sha256", "-sign", privateKey], in: directory, input: Data(signingInput.utf8)))
        let raw = alg == "ES256" ? try rawECDSA(fromDER: signature) : signature
        return signingInput + "." + HandmadeJWT.base64URL(raw)
    }

    /// DER `SEQUENCE { INTEGER r, INTEGER s }` → the 64-byte `r || s` JWS wants.
    static func rawECDSA(fromDER der: [UInt8]) throws -> [UInt8] {
        var index = 0
        func length() -> Int {
            let first = Int(der[index]); index += 1
            guard first & 0x80 != 0 else { return first }
            var value = 0
            for _ in 0..<(first & 0x7F) { value = value << 8 | Int(der[index]); index += 1 }
            return value
        }
        func integer() throws -> [UInt8] {
            guard der[index] == 0x02 else { throw ConformanceError("bad DER signature") }
            index += 1
            let count = length()
            var bytes = Array(der[index..<(index + count)])
            index += count
            while bytes.count > 32 && bytes.first == 0 { bytes.removeFirst() }
            return [UInt8](repeating: 0, count: 32 - bytes.count) + bytes
        }
        guard der.first == 0x30 else { throw ConformanceError("bad DER signature") }
        index = 1
        _ = length()
        return try integer() + integer()
    }

    /// A self-signed certificate for 127.0.0.1: (certificate path, key path).
    static func selfSignedCertificate(in directory: URL) async throws -> (cert: String, key: String) {
        let cert = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        try await run([
            "req", "-x509", "-newkey", "rsa:2048", "-keyout", key, "-out", cert, "-days", "1", "-nodes",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        ], in: directory)
        return (cert, key)
    }
}
