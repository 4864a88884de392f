/// One POST to the PanDA server, as the client makes it.
struct PandaHTTPRequest: Sendable, Equatable {
    var url: String
    /// Full header lines (`Content-Type: application/json`); secrets among them.
    var headers: [String]
    var body: [UInt8]
}

/// What came back: the status and the (decompressed) body, or libcurl's reason for none.
struct PandaHTTPResponse: Sendable, Equatable {
    /// 0 when no response arrived.
    var status: Int
    /// Header names lowercased.
    var headers: [String: String]
    var body: String
    /// libcurl's result; 0 when the exchange completed (whatever the status).
    var curlCode: Int
    /// libcurl's explanation, redacted; empty on success.
    var message: String
}

/// The transport under `PandaClient`: blocking, so callers keep it off Swift's cooperative pool.
/// A protocol so that the client's fallback and retry rules can be tested without a network.
protocol PandaHTTP: Sendable {
    /// Sends one request and waits for the answer; never throws: failures are in the response.
    func post(_ request: PandaHTTPRequest) -> PandaHTTPResponse
}

/// `PandaHTTP` over libcurl (`CurlEasy`): TLS verified against `X509_CERT_DIR` and the system
/// bundle, the proxy as client certificate, gzip replies accepted, a deadline on the whole call.
struct CurlPandaHTTP: PandaHTTP {
    /// Trust, timeouts, client certificate, accepted encodings.
    var settings: CurlSettings
    /// The largest reply kept (a bulk job reply with long `jobPars` stays well below it).
    var replyLimit = 16 << 20

    /// A transport with these settings.
    init(settings: CurlSettings) {
        self.settings = settings
    }

    func post(_ request: PandaHTTPRequest) -> PandaHTTPResponse {
        // One handle per call: calls are minutes apart, and a handle must not be shared between threads.
        guard let easy = CurlEasy() else {
            return PandaHTTPResponse(status: 0, headers: [:], body: "", curlCode: 27, message: "cannot create a libcurl handle")
        }
        let (response, body) = easy.post(
            CurlEasy.Request(url: request.url, headers: request.headers, settings: settings),
            body: request.body, limit: replyLimit)
        return PandaHTTPResponse(status: response.status, headers: response.headers, body: body,
                                 curlCode: response.code, message: response.message)
    }
}
