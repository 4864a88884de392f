/// PanDA's `StatusCode` values (server `jobdispatcher/Protocol.py`).
enum PandaStatusCode: Int, Sendable, Equatable, CaseIterable {
    case success = 0
    /// The server's database call timed out: worth another try.
    case timeOut = 10
    /// No job for this queue now: a normal answer, not a failure.
    case noJobs = 20
    case failed = 30
    case invalid = 50
    /// No production or pilot role.
    case role = 60
    case permissionDenied = 70
    case missingKey = 80
    case proxyError = 90

    /// `10 (TimeOut)`, or the bare number for a code not in the table.
    static func describe(_ code: Int) -> String {
        guard let known = PandaStatusCode(rawValue: code) else { return String(code) }
        return "\(code) (\(known))"
    }
}

/// Why a call to the PanDA server failed.
///
/// The cases tell the job loop what to do: `isTransient` errors are worth another try later (the
/// client already retried them with backoff); `authRefused` and `tls` need an operator;
/// `refused` carries the server's own answer.
enum ServerError: Error, CustomStringConvertible, Equatable {
    /// No connection could be made or it broke (DNS, refused, reset): the server may come back.
    case unreachable(url: String, attempts: Int, reason: String)
    /// The call took longer than the client's deadline.
    case timedOut(url: String, attempts: Int)
    /// The server kept answering 5xx (or 408/429) until the retries ran out.
    case serverFailure(url: String, status: Int, attempts: Int, detail: String)
    /// 401/403 for the credentials (token refused, no role, limited proxy), or a reply saying so.
    case authRefused(url: String, status: Int, detail: String)
    /// The server's certificate is not trusted (`X509_CERT_DIR`, the system bundle).
    case tls(url: String, detail: String)
    /// Neither API generation the client may use has this method (404, or 403 "method … is forbidden").
    case methodUnavailable(url: String, status: Int)
    /// An HTTP status the protocol does not use (a 4xx other than those above).
    case unexpectedStatus(url: String, status: Int, detail: String)
    /// The reply is not what the protocol says: not JSON, no envelope, a job list that is not one.
    case malformedReply(url: String, reason: String)
    /// The server answered and said no: `success: false` with its message, or a `StatusCode`
    /// other than success (`nil` when the reply had none).
    case refused(method: String, statusCode: Int?, message: String)
    /// The pilot's own credentials are unusable: a configured token file missing or empty.
    case credentials(String)

    /// Whether another try later may succeed: network trouble, timeouts, 5xx, and the server's
    /// own `TimeOut` status.
    var isTransient: Bool {
        switch self {
        case .unreachable, .timedOut, .serverFailure: true
        case .refused(_, let code, let message): code == PandaStatusCode.timeOut.rawValue || message == "Timed out"
        default: false
        }
    }

    var description: String {
        switch self {
        case .unreachable(let url, let attempts, let reason):
            "PanDA server unreachable at \(url) after \(attempts) attempt\(attempts == 1 ? "" : "s"): \(reason)"
        case .timedOut(let url, let attempts):
            "PanDA server at \(url) timed out \(attempts) time\(attempts == 1 ? "" : "s")"
        case .serverFailure(let url, let status, let attempts, let detail):
            "PanDA server failed at \(url) with \(status) after \(attempts) attempt\(attempts == 1 ? "" : "s")\(Self.suffix(detail))"
        case .authRefused(let url, let status, let detail):
            "PanDA server refused the credentials at \(url) (\(status))\(Self.suffix(detail)); check the token "
                + "(PANDA_AUTH_TOKEN, PANDA_AUTH_DIR, PANDA_AUTH_ORIGIN) or the proxy (X509_USER_PROXY) and its role"
        case .tls(let url, let detail):
            "TLS verification failed for \(url): \(detail) (CA certificates: X509_CERT_DIR and the system bundle)"
        case .methodUnavailable(let url, let status):
            "PanDA server has no such method: \(url) answered \(status)"
        case .unexpectedStatus(let url, let status, let detail):
            "PanDA server answered \(status) at \(url)\(Self.suffix(detail))"
        case .malformedReply(let url, let reason):
            "malformed reply from \(url): \(reason)"
        case .refused(let method, let code, let message):
            "PanDA server refused \(method)\(code.map { " with StatusCode \(PandaStatusCode.describe($0))" } ?? "")\(Self.suffix(message))"
        case .credentials(let reason):
            "PanDA credentials unusable: \(reason)"
        }
    }

    /// The same error with its attempt count set (retries are counted by the caller).
    func counting(attempts: Int) -> ServerError {
        switch self {
        case .unreachable(let url, _, let reason): .unreachable(url: url, attempts: attempts, reason: reason)
        case .timedOut(let url, _): .timedOut(url: url, attempts: attempts)
        case .serverFailure(let url, let status, _, let detail):
            .serverFailure(url: url, status: status, attempts: attempts, detail: detail)
        default: self
        }
    }

    /// A reply body cut to one short, redacted line for a message.
    static func excerpt(_ body: String, limit: Int = 200) -> String {
        let line = body.split(whereSeparator: \.isNewline).map { $0.trimmed }.filter { !$0.isEmpty }.joined(separator: " ")
        let cut = line.count > limit ? String(line.prefix(limit)) + "…" : line
        return Redactor.redact(cut)
    }

    private static func suffix(_ detail: String) -> String {
        detail.isEmpty ? "" : ": " + detail
    }
}

extension ServerError: CommandError {
    var exitCode: PilotExitCode {
        switch self {
        case .authRefused, .tls: .forbidden
        case .credentials: .configuration
        case .unreachable, .timedOut, .serverFailure, .methodUnavailable, .unexpectedStatus, .malformedReply, .refused:
            .unavailable
        }
    }
}
