/// Why talking to Rucio, or a transfer Rucio arranged, failed; every case names the DID, RSE or
/// call, and maps to a PanDA pilot error code and an exit code.
enum RucioError: Error, CustomStringConvertible, Equatable {
    /// A setting is missing or invalid (no server URL, no account, no scope, no output RSE).
    case notConfigured(String)
    /// A credential file (proxy, certificate, key, password, token) cannot be used.
    case credentials(path: String, reason: String)
    /// Rucio refused the credentials (401 on `/auth/*`).
    case authenticationFailed(account: String, method: String, reason: String)
    /// No answer from Rucio (connection refused, timeout, TLS).
    case unreachable(url: String, reason: String)
    /// Rucio answered an error: its `ExceptionClass` and `ExceptionMessage`.
    case server(call: String, status: Int, exception: String?, message: String)
    /// Rucio's policy refused the account the call (`AccessDenied`).
    case accessDenied(call: String, account: String, message: String)
    /// Rucio does not know the DID.
    case didNotFound(did: String)
    /// Rucio knows the DID but lists no replica of it (or none on the RSEs asked for).
    case noReplica(did: String)
    /// Replicas exist (`states` names their RSEs) but Rucio gave no URL for any: an RSE without
    /// signing credentials (`rse-accounts.cfg`), or no protocol with a scheme the pilot reads.
    case noURL(did: String, rses: [String], schemes: [String])
    /// The RSE wants signed URLs (`sign_url`) but Rucio listed an unsigned one: the account lacks
    /// the right to sign (`sign-url` attribute), and the store would refuse the request.
    case unsignedURL(did: String, rse: String, account: String)
    /// `/credentials/signurl` refused to sign (no right to sign, no credentials for the RSE).
    case signingRefused(rse: String, operation: String, account: String, message: String)
    /// Every replica was tried and failed; the failures in order, `RSE: error`.
    case allReplicasFailed(did: String, failures: [String], last: StagingError)
    /// The upload of an output failed.
    case uploadFailed(did: String, rse: String, error: StagingError)
    /// `add_replicas` was refused.
    case registrationRefused(did: String, rse: String, message: String)
    /// The registration Rucio holds differs from the file uploaded (a replica registered before
    /// with other bytes or checksum: Rucio keeps the first and answers 201 anyway).
    case registrationMismatch(did: String, expected: String, registered: String)
    /// A reply that is not what the REST API documents.
    case invalidReply(call: String, reason: String)
    /// A bad argument (a DID without a scope, a file that cannot be read).
    case invalidRequest(String)

    var description: String {
        switch self {
        case .notConfigured(let reason): "rucio is not configured: \(reason)"
        case .credentials(let path, let reason): "rucio credentials \(path) unusable: \(reason)"
        case .authenticationFailed(let account, let method, let reason):
            "rucio refused \(method) authentication for account \(account): \(reason)"
        case .unreachable(let url, let reason): "rucio at \(url) unreachable: \(reason)"
        case .server(let call, let status, let exception, let message):
            "rucio \(call) failed with \(status)\(exception.map { " \($0)" } ?? ""): \(message)"
        case .accessDenied(let call, let account, let message): "rucio denied \(call) to account \(account): \(message)"
        case .didNotFound(let did): "rucio does not know \(did)"
        case .noReplica(let did): "rucio lists no replica of \(did)"
        case .noURL(let did, let rses, let schemes):
            "rucio gave no \(schemes.joined(separator: "/")) URL for \(did) though it has replicas on \(rses.joined(separator: ", ")): "
                + "those RSEs have no signing credentials (rse-accounts.cfg) or no \(schemes.joined(separator: "/")) protocol"
        case .unsignedURL(let did, let rse, let account):
            "rucio gave an unsigned URL for \(did) on \(rse), which signs URLs (sign_url): account \(account) may not sign (no sign-url attribute)"
        case .signingRefused(let rse, let operation, let account, let message):
            "rucio refused to sign a \(operation) URL on \(rse) for account \(account): \(message)"
        case .allReplicasFailed(let did, let failures, _):
            "every replica of \(did) failed: \(failures.joined(separator: "; "))"
        case .uploadFailed(let did, let rse, let error): "upload of \(did) to \(rse) failed: \(error)"
        case .registrationRefused(let did, let rse, let message): "rucio refused to register \(did) on \(rse): \(message)"
        case .registrationMismatch(let did, let expected, let registered):
            "rucio holds \(did) as \(registered), but the file uploaded is \(expected): a replica registered earlier with other content"
        case .invalidReply(let call, let reason): "rucio \(call): unexpected reply: \(reason)"
        case .invalidRequest(let reason): reason
        }
    }

    /// The PanDA pilot error code for a job whose stage-in (or, with `stageOut`, stage-out) failed
    /// this way.
    func pilotErrorCode(stageOut: Bool = false) -> PilotErrorCode {
        let failed: PilotErrorCode = stageOut ? .stageOutFailed : .stageInFailed
        switch self {
        case .credentials, .authenticationFailed: return .noProxy
        case .didNotFound, .noReplica, .noURL: return stageOut ? .stageOutFailed : .replicaNotFound
        case .allReplicasFailed(_, _, let last):
            switch last {
            case .notFound: return .replicaNotFound
            case .checksumMismatch, .sizeMismatch: return .getADMismatch
            case .diskFull: return .noLocalSpace
            default: return .stageInFailed
            }
        case .uploadFailed(_, _, let error):
            if case .checksumMismatch = error { return .putADMismatch }
            return .stageOutFailed
        case .registrationMismatch: return .putADMismatch
        case .registrationRefused: return .stageOutFailed
        case .notConfigured, .unreachable, .server, .accessDenied, .unsignedURL, .signingRefused, .invalidReply,
             .invalidRequest:
            return failed
        }
    }
}

extension RucioError: CommandError {
    var exitCode: PilotExitCode {
        switch self {
        case .notConfigured, .credentials: .configuration
        case .invalidRequest: .usage
        case .authenticationFailed, .accessDenied, .unsignedURL, .signingRefused, .registrationRefused: .forbidden
        case .unreachable, .server, .invalidReply: .unavailable
        case .didNotFound, .noReplica, .noURL: .notFound
        case .allReplicasFailed(_, _, let last): last.exitCode
        case .uploadFailed(_, _, let error): error.exitCode
        case .registrationMismatch: .checksumMismatch
        }
    }
}
