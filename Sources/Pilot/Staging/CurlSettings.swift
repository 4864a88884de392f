#if canImport(Glibc)
import Glibc
#endif
import CCurl

/// How every transfer is made: TLS trust, timeouts, buffer size. One value shared by all handles.
struct CurlSettings: Sendable, Equatable {
    /// A CA bundle file; by default the first of the known system bundles that exists.
    var caFile: String?
    /// A directory of hashed CA certificates: `X509_CERT_DIR` (the grid's IGTF CAs), trusted in
    /// addition to the bundle so grid and commercial-cloud endpoints both verify.
    var caDirectory: String?
    /// Seconds to establish a connection.
    var connectTimeout: Int = 30
    /// A transfer slower than `lowSpeedLimit` bytes/s for `lowSpeedTime` seconds is abandoned.
    var lowSpeedLimit: Int = 1024
    var lowSpeedTime: Int = 60
    /// Receive buffer: large writes make streaming to disk cheaper than curl's 16 KiB default.
    var bufferSize: Int = 512 * 1024
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

    /// Settings from the environment: `X509_CERT_DIR` and the first system bundle present.
    static func fromEnvironment(_ environment: [String: String], caFile: String? = nil) -> CurlSettings {
        CurlSettings(
            caFile: caFile ?? knownBundles.first { access($0, R_OK) == 0 },
            caDirectory: environment["X509_CERT_DIR"].flatMap { $0.isEmpty ? nil : $0 }
        )
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
