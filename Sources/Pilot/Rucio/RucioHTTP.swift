/// One request to Rucio's REST API.
struct RucioHTTPRequest: Sendable, Equatable {
    /// The two methods the API needs here.
    enum Method: String, Sendable { case get = "GET", post = "POST" }

    var method: Method
    /// The whole URL, query included.
    var url: String
    /// Full header lines (`X-Rucio-Auth-Token: …`); secrets among them, never logged.
    var headers: [String]
    /// The body of a POST.
    var body: [UInt8] = []
}

/// What came back: the status, headers and body, or libcurl's reason for none.
struct RucioHTTPResponse: Sendable, Equatable {
    /// 0 when no response arrived.
    var status: Int
    /// Header names lowercased.
    var headers: [String: String]
    var body: String
    /// libcurl's result; 0 when the exchange completed (whatever the status).
    var curlCode: Int
    /// libcurl's explanation, redacted; empty on success.
    var message: String

    /// Rucio's error, from the JSON body `{"ExceptionClass", "ExceptionMessage"}` or the headers
    /// of the same names.
    var exception: (type: String?, message: String) {
        if let json = JSONValue.parse(body), let type = json["ExceptionClass"]?.text {
            return (type, json["ExceptionMessage"]?.text ?? "")
        }
        if let type = headers["exceptionclass"] { return (type, headers["exceptionmessage"] ?? "") }
        let text = body.trimmed
        return (nil, text.isEmpty ? "HTTP \(status)" : String(text.prefix(300)))
    }
}

/// The transport under `RucioClient`: blocking, so callers keep it off Swift's cooperative pool.
/// A protocol so that the token rules can be tested without a server.
protocol RucioHTTP: Sendable {
    /// Sends one request and waits for the answer; never throws: failures are in the response.
    func send(_ request: RucioHTTPRequest) -> RucioHTTPResponse
}

/// `RucioHTTP` over libcurl (`CurlEasy`): TLS verified, the X.509 credential as client certificate
/// where one is set, a deadline on the whole call.
struct CurlRucioHTTP: RucioHTTP {
    /// Trust, timeouts, client certificate.
    var settings: CurlSettings
    /// The largest reply kept (a replica list of thousands of files stays well below it).
    var replyLimit = 64 << 20

    func send(_ request: RucioHTTPRequest) -> RucioHTTPResponse {
        // One handle per call: calls are few, and a handle must not be shared between threads.
        guard let easy = CurlEasy() else {
            return RucioHTTPResponse(status: 0, headers: [:], body: "", curlCode: 27, message: "cannot create a libcurl handle")
        }
        let curlRequest = CurlEasy.Request(url: request.url, headers: request.headers, settings: settings)
        switch request.method {
        case .post:
            let (response, body) = easy.post(curlRequest, body: request.body, limit: replyLimit)
            return RucioHTTPResponse(status: response.status, headers: response.headers, body: body,
                                     curlCode: response.code, message: response.message)
        case .get:
            var bytes: [UInt8] = []
            let limit = replyLimit
            let response = easy.get(curlRequest, onResponse: { _, _ in }, sink: { chunk in
                if bytes.count < limit { bytes.append(contentsOf: chunk.prefix(limit - bytes.count)) }
                return true
            })
            return RucioHTTPResponse(status: response.status, headers: response.headers,
                                     body: String(decoding: bytes, as: UTF8.self),
                                     curlCode: response.code, message: response.message)
        }
    }
}

/// Percent-encoding for query values and path segments (RFC 3986 unreserved characters kept).
enum RucioURLEncoding {
    /// `value` with everything but `A-Z a-z 0-9 - . _ ~` percent-encoded.
    static func encode(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(Character(UnicodeScalar(byte)))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }

    /// `k=v&k=v`, values encoded.
    static func query(_ items: [(String, String)]) -> String {
        items.map { "\($0.0)=\(encode($0.1))" }.joined(separator: "&")
    }
}
