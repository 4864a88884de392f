import CCurl
import Logging

/// libcurl's debug trace (`CURLOPT_VERBOSE` through `CURLOPT_DEBUGFUNCTION`), redacted line by
/// line before it reaches the log: what `curl -v` shows, without a secret.
///
/// Only connection info (`*`), request headers (`>`) and response headers (`<`) are logged; bodies
/// and TLS records never are. Every line passes through `Redactor` (signed-URL parameters,
/// `Authorization`, bearer tokens) and the header values in `secretHeaders` are replaced too.
/// The lines go out at debug level on a logger of their own whose level is debug, so asking for
/// the trace (`--debug`, `PILOT_CURL_DEBUG=1`) shows it whatever `--log-level` says.
final class CurlDebugTrace {
    /// Headers whose whole value is a secret, lowercased, beyond what `Redactor` already knows.
    static let secretHeaders: Set<String> = [
        "authorization", "proxy-authorization", "cookie", "set-cookie", "x-amz-security-token",
        "x-goog-signature", "x-auth-token", "x-api-key", "x-storage-token",
    ]

    private var logger: Logger

    /// A trace logging through `logger`'s label and handler, at debug level.
    init(label: String = "pilot.curl") {
        logger = Logger(label: label)
        logger.logLevel = .debug
    }

    /// Turns the trace on for the handle's next transfer; `self` must outlive it.
    func attach(to handle: UnsafeMutableRawPointer) {
        _ = pilot_curl_setopt_pointer(handle, CURLOPT_DEBUGDATA, Unmanaged.passUnretained(self).toOpaque())
        _ = pilot_curl_setopt_debug_function(handle, curlDebug)
        _ = pilot_curl_setopt_long(handle, CURLOPT_VERBOSE, 1)
    }

    /// Turns it off again, so the handle keeps no pointer to `self`.
    static func detach(from handle: UnsafeMutableRawPointer) {
        _ = pilot_curl_setopt_long(handle, CURLOPT_VERBOSE, 0)
        _ = pilot_curl_setopt_pointer(handle, CURLOPT_DEBUGDATA, nil)
    }

    /// Logs one callback's worth: `marker` is `*`, `>` or `<`; a header block may hold many lines.
    func record(_ marker: String, _ text: String) {
        for line in text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline) {
            logger.debug("curl \(marker) \(Self.redacted(String(line)))")
        }
    }

    /// One trace line with its secrets replaced: a secret header's value, then every signed-URL
    /// parameter and credential `Redactor` knows.
    static func redacted(_ line: String) -> String {
        if let colon = line.firstIndex(of: ":"),
           secretHeaders.contains(line[..<colon].trimmed.lowercased()) {
            return String(line[...colon]) + " " + Redactor.mask
        }
        return Redactor.redact(line)
    }
}

/// CURLOPT_DEBUGFUNCTION: hands text and headers to the trace; bodies and TLS data are dropped.
private func curlDebug(_ handle: UnsafeMutableRawPointer?, _ type: curl_infotype, _ data: UnsafeMutablePointer<CChar>?,
                       _ size: Int, _ user: UnsafeMutableRawPointer?) -> Int32 {
    guard let data, let user else { return 0 }
    let marker: String
    switch type {
    case CURLINFO_TEXT: marker = "*"
    case CURLINFO_HEADER_OUT: marker = ">"
    case CURLINFO_HEADER_IN: marker = "<"
    default: return 0  // CURLINFO_DATA_*, CURLINFO_SSL_DATA_*: bodies and TLS records, never logged
    }
    let text = String(decoding: UnsafeRawBufferPointer(start: data, count: size), as: UTF8.self)
    Unmanaged<CurlDebugTrace>.fromOpaque(user).takeUnretainedValue().record(marker, text)
    return 0
}
