#if canImport(Glibc)
import Glibc
#endif
import CCurl

/// How every transfer is made: TLS trust, timeouts, buffer size, tracing. One value shared by all
/// handles.
struct CurlSettings: Sendable, Equatable {
    /// The system CA bundle file (`SSL_CERT_FILE`, else the first of the known bundles present).
    var caFile: String?
    /// A directory of hashed CA certificates: `X509_CERT_DIR` (the grid's IGTF CAs), trusted in
    /// addition to the bundle so grid and commercial-cloud endpoints both verify.
    var caDirectory: String?
    /// More CAs to trust **in addition to** the system bundle and `X509_CERT_DIR` (`--cacert`, a
    /// private CA): PEM text, handed to libcurl together with the system bundle as one in-memory
    /// bundle, because libcurl ignores `CURLOPT_CAINFO` once a CA blob is set.
    var additionalCAs: AdditionalCAs?
    /// Seconds to establish a connection.
    var connectTimeout: Int = 30
    /// A transfer slower than `lowSpeedLimit` bytes/s for `lowSpeedTime` seconds is abandoned.
    var lowSpeedLimit: Int = 1024
    var lowSpeedTime: Int = 60
    /// Bytes/s one connection may move at most, each way (`pilot stage --max-rate`, as curl's
    /// `--limit-rate`), held by `TransferPacer` in the body callbacks; nil: as fast as it goes.
    var maxSpeed: Int?
    /// Receive buffer: large writes make streaming to disk cheaper than curl's 16 KiB default.
    var bufferSize: Int = 512 * 1024
    /// Log libcurl's trace (headers and connection info, never bodies), every secret redacted
    /// (`--debug`, `PILOT_CURL_DEBUG=1`; CurlDebugTrace.swift).
    var debugTrace = false
    // For the PanDA client (Server/); nil leaves libcurl's default.
    /// A PEM file holding the client certificate and its key (an X.509 proxy, `X509_USER_PROXY`).
    var clientCertificate: String?
    /// Encodings offered for the reply (`""`: all libcurl decodes, gzip among them); libcurl
    /// decodes the body itself.
    var acceptEncoding: String?
    /// Seconds the whole transfer may take.
    var timeout: Int?
    /// The `User-Agent` header.
    var userAgent: String?

    /// System CA bundles: Debian/Ubuntu, EL, Alpine/others.
    static let knownBundles = [
        "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem",
    ]

    /// The variable that turns the redacted libcurl trace on for every transfer (`1`, `true`, `yes`).
    static let debugVariable = "PILOT_CURL_DEBUG"

    /// Settings from the environment: the system bundle (`SSL_CERT_FILE` or the first known bundle
    /// present), `X509_CERT_DIR`, `PILOT_CURL_DEBUG`; `caFile` (`--cacert`) is trusted on top of them.
    ///
    /// A `caFile` that cannot be read becomes the only bundle, so that libcurl's own error
    /// ("error setting certificate file") names it on the first TLS connection.
    static func fromEnvironment(_ environment: [String: String], caFile: String? = nil) -> CurlSettings {
        let system = environment["SSL_CERT_FILE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? knownBundles.first { access($0, R_OK) == 0 }
        var settings = CurlSettings(
            caFile: system,
            caDirectory: environment["X509_CERT_DIR"].flatMap { $0.isEmpty ? nil : $0 })
        if let caFile {
            if let extra = AdditionalCAs(file: caFile, systemBundle: system) {
                settings.additionalCAs = extra
            } else {
                settings.caFile = caFile
            }
        }
        settings.debugTrace = ["1", "true", "yes", "on"].contains(environment[debugVariable]?.lowercased() ?? "")
        return settings
    }

    /// Sets the options on a handle (called by `CurlEasy` only).
    func apply(to handle: UnsafeMutableRawPointer) {
        _ = pilot_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = pilot_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 1)
        _ = pilot_curl_setopt_long(handle, CURLOPT_MAXREDIRS, 5)
        _ = pilot_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1)
        _ = pilot_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2)
        _ = pilot_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, connectTimeout)
        _ = pilot_curl_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, lowSpeedLimit)
        _ = pilot_curl_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, lowSpeedTime)
        _ = pilot_curl_setopt_long(handle, CURLOPT_BUFFERSIZE, bufferSize)
        _ = pilot_curl_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1)
        if let caFile { _ = pilot_curl_setopt_string(handle, CURLOPT_CAINFO, caFile) }
        if let additionalCAs { additionalCAs.apply(to: handle) }
        if let caDirectory { _ = pilot_curl_setopt_string(handle, CURLOPT_CAPATH, caDirectory) }
        if let clientCertificate {
            _ = pilot_curl_setopt_string(handle, CURLOPT_SSLCERT, clientCertificate)
            _ = pilot_curl_setopt_string(handle, CURLOPT_SSLKEY, clientCertificate)
        }
        if let acceptEncoding { _ = pilot_curl_setopt_string(handle, CURLOPT_ACCEPT_ENCODING, acceptEncoding) }
        if let timeout { _ = pilot_curl_setopt_long(handle, CURLOPT_TIMEOUT, timeout) }
        if let userAgent { _ = pilot_curl_setopt_string(handle, CURLOPT_USERAGENT, userAgent) }
    }
}

/// CAs trusted on top of the system bundle: the bundle's PEM text and the extra file's, joined,
/// handed to libcurl as `CURLOPT_CAINFO_BLOB` (copied by libcurl on each request).
struct AdditionalCAs: Sendable, Equatable {
    /// The file the extra CAs came from (`--cacert`).
    var file: String
    /// The system bundle's text followed by the file's.
    var pem: [UInt8]

    /// Reads `file` (and the system bundle, when there is one); nil when `file` cannot be read.
    init?(file: String, systemBundle: String?) {
        guard let extra = try? FileReader.readString(file) else { return nil }
        let system = systemBundle.flatMap { try? FileReader.readString($0) } ?? ""
        self.file = file
        pem = Array((system + "\n" + extra + "\n").utf8)
    }

    /// Sets `CURLOPT_CAINFO_BLOB`; libcurl then ignores `CURLOPT_CAINFO`, hence the joined text.
    func apply(to handle: UnsafeMutableRawPointer) {
        pem.withUnsafeBytes { bytes in
            // libcurl copies the bytes (CURL_BLOB_COPY) and never writes through the pointer.
            var blob = curl_blob(data: UnsafeMutableRawPointer(mutating: bytes.baseAddress), len: bytes.count,
                                 flags: UInt32(CURL_BLOB_COPY))
            _ = withUnsafeMutablePointer(to: &blob) { pilot_curl_setopt_pointer(handle, CURLOPT_CAINFO_BLOB, $0) }
        }
    }
}
