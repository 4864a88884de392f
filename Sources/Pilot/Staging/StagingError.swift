/// Why a transfer failed; every case names the (redacted) URL or file and maps to an exit code.
enum StagingError: Error, CustomStringConvertible, Equatable {
    /// The signature expired, before the start (from the URL) or as the server says (403/400).
    case expired(url: String, detail: String)
    /// The server refused the signature or the method (403 other than expiry).
    case forbidden(url: String, status: Int, code: String?)
    /// The object does not exist (404, 410): the replica is missing.
    case notFound(url: String)
    /// The bytes arrived but do not match the catalogue, even after one full re-download.
    case checksumMismatch(url: String, expected: String, actual: String)
    /// More or fewer bytes than the catalogue says.
    case sizeMismatch(url: String, expected: Int, actual: Int)
    /// The store computed another MD5 than the `Content-MD5` sent (S3 `400 BadDigest`), twice:
    /// the bytes changed on the way or the file changed while it was read. Nothing was stored.
    case uploadCorrupted(url: String, detail: String)
    /// The destination's file system is full.
    case diskFull(path: String)
    /// The destination could not be written.
    case file(SystemCallError)
    /// TLS verification failed: the server's certificate is not trusted.
    case tls(url: String, message: String)
    /// The transfer kept failing (network errors, 5xx) until the retries ran out.
    case transfer(url: String, attempts: Int, last: String)
    /// The request itself is unusable (a bad URL, a bad checksum text).
    case invalidRequest(String)
    /// Stopped from outside (a signal to `pilot stage`) before it ended; `what` names the transfer.
    case interrupted(what: String, reason: String)

    var description: String {
        switch self {
        case .expired(let url, let detail): "signed URL expired: \(url): \(detail); ask for a new signature"
        case .forbidden(let url, let status, let code):
            "server refused \(url) with \(status)\(code.map { " \($0)" } ?? ""): the signature is invalid or not for this method"
        case .notFound(let url): "no such object: \(url) (replica missing)"
        case .checksumMismatch(let url, let expected, let actual):
            "checksum mismatch for \(url): expected \(expected), got \(actual) (after a full retry)"
        case .sizeMismatch(let url, let expected, let actual): "size mismatch for \(url): expected \(expected) bytes, got \(actual)"
        case .uploadCorrupted(let url, let detail):
            "integrity failure uploading \(url): \(detail) (after a full retry); nothing was stored"
        case .diskFull(let path): "disk full writing \(path)"
        case .file(let error): "cannot write the destination: \(error)"
        case .tls(let url, let message): "TLS verification failed for \(url): \(message)"
        case .transfer(let url, let attempts, let last): "transfer of \(url) failed after \(attempts) attempts: \(last)"
        case .invalidRequest(let reason): reason
        case .interrupted(let what, let reason): "\(what) interrupted: \(reason)"
        }
    }
}

extension StagingError: CommandError {
    var exitCode: PilotExitCode {
        switch self {
        case .expired: .urlExpired
        case .forbidden, .tls: .forbidden
        case .notFound: .notFound
        case .checksumMismatch, .sizeMismatch, .uploadCorrupted: .checksumMismatch
        case .diskFull, .file: .cannotWrite
        case .transfer, .interrupted: .transferFailed
        case .invalidRequest: .usage
        }
    }
}
