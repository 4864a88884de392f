import FoundationEssentials
import Logging
import Synchronization

/// A small client of Rucio's REST API: what a pilot needs to read inputs and write outputs.
///
/// Calls are blocking (libcurl); run them off Swift's cooperative pool. The auth token is fetched
/// on first use, reused until shortly before it expires, and fetched again once if Rucio answers
/// 401 to it. RSE attributes are cached for the client's life.
final class RucioClient: Sendable {
    let settings: RucioSettings
    let authenticator: RucioAuthenticator
    let http: any RucioHTTP
    let logger: Logger
    private let server: String
    private let attributeCache = Mutex<[String: [String: String]]>([:])
    /// The account Rucio mapped an OIDC token to, once asked (`whoami`).
    private let mappedAccount = Mutex<String?>(nil)

    /// A client for `settings` (which must name a server); `http` replaces libcurl in tests.
    init(settings: RucioSettings, environment: [String: String], logger: Logger, http: (any RucioHTTP)? = nil) throws(RucioError) {
        try settings.validate()
        guard let server = settings.serverURL, !server.isEmpty else {
            throw .notConfigured("no server URL (rucio.server_url, PILOT_RUCIO_SERVER_URL, --server)")
        }
        self.settings = settings
        self.server = RucioSettings.trimmedURL(server)
        self.logger = logger
        let curl = Self.curlSettings(settings, environment: environment)
        self.http = http ?? CurlRucioHTTP(settings: curl(nil))
        authenticator = RucioAuthenticator(settings: settings, environment: environment, http: http, curlSettings: curl)
    }

    /// libcurl settings for Rucio calls: the CA file, the call timeout, and a client
    /// certificate for X.509 authentication.
    static func curlSettings(_ settings: RucioSettings, environment: [String: String]) -> @Sendable (String?) -> CurlSettings {
        { certificate in
            var curl = CurlSettings.fromEnvironment(environment, caFile: settings.caFile)
            curl.timeout = settings.timeout
            curl.userAgent = "pilot/\(BuildInfo.pilotVersion) rucio-rest"
            curl.clientCertificate = certificate
            return curl
        }
    }

    /// The account calls are made as: configured, named by Rucio at authentication, or, for an
    /// OIDC token (which Rucio maps to an account by its `SUB=…, ISS=…` identity), asked for once
    /// with `GET /accounts/whoami`, for traces and messages.
    var account: String {
        guard settings.account == nil, settings.authType == .oidc else { return authenticator.account }
        if let known = mappedAccount.withLock({ $0 }) { return known }
        guard let resolved = try? whoami() else { return authenticator.account }
        mappedAccount.withLock { $0 = resolved }
        return resolved
    }

    /// The account Rucio maps the current token to (`/accounts/whoami` redirects to the account,
    /// which libcurl follows).
    func whoami() throws(RucioError) -> String {
        let response = try call(.get, "/accounts/whoami")
        guard response.status == 200, let account = JSONValue.parse(response.body)?["account"]?.text else {
            throw failure("GET /accounts/whoami", response)
        }
        return account
    }

    // MARK: - Calls

    /// Sends a call with the current token; a 401 `CannotAuthenticate` gets one fresh token and
    /// one more try. Returns any answer; throws only when none came, or the token was refused.
    func call(_ method: RucioHTTPRequest.Method, _ path: String, query: [(String, String)] = [], body: JSONValue? = nil,
              accept: String = "*/*") throws(RucioError) -> RucioHTTPResponse {
        let url = server + path + (query.isEmpty ? "" : "?" + RucioURLEncoding.query(query))
        var retried = false
        while true {
            let token = try authenticator.token()
            var headers = ["X-Rucio-Auth-Token: \(token.value)", "Accept: \(accept)", "X-Rucio-AppID: \(settings.appID)"]
            var bytes: [UInt8] = []
            if let body {
                headers.append("Content-Type: application/json")
                bytes = Array(body.jsonText.utf8)
            }
            let response = http.send(RucioHTTPRequest(method: method, url: url, headers: headers, body: bytes))
            if response.status == 0 {
                throw .unreachable(url: server, reason: response.message.isEmpty ? "no response" : response.message)
            }
            if response.status == 401, response.exception.type == "CannotAuthenticate" {
                authenticator.invalidate(token)
                guard retried else {
                    retried = true
                    logger.notice("rucio token refused, authenticating again", metadata: ["call": "\(method.rawValue) \(path)"])
                    continue
                }
                // Rucio says only "cannot authenticate" to a JWT it refuses (core/oidc.py validate_jwt).
                let reason = token.origin.map { "\($0) was not accepted (an issuer Rucio's [oidc] idpsecrets does not name, "
                    + "a signature not from that issuer's keys, or no identity for it): " } ?? ""
                // The authenticator's account, not `account`: that may ask Rucio, with this refused token.
                throw .authenticationFailed(account: authenticator.account, method: settings.authType.rawValue,
                                            reason: reason + response.exception.message)
            }
            return response
        }
    }

    /// The error an unexpected answer to `call` stands for.
    func failure(_ call: String, _ response: RucioHTTPResponse) -> RucioError {
        let (type, message) = response.exception
        if type == "AccessDenied" { return .accessDenied(call: call, account: account, message: message) }
        return .server(call: call, status: response.status, exception: type, message: message)
    }

    /// `GET /ping`'s version, without a token (a check that the server answers).
    func ping() throws(RucioError) -> String {
        let response = http.send(RucioHTTPRequest(method: .get, url: server + "/ping", headers: ["Accept: */*"]))
        guard response.status == 200, let version = JSONValue.parse(response.body)?["version"]?.text else {
            if response.status == 0 { throw .unreachable(url: server, reason: response.message) }
            throw failure("GET /ping", response)
        }
        return version
    }

    // MARK: - Replicas

    /// `POST /replicas/list` for `dids`, with URLs of the configured schemes signed for
    /// `lifetime` seconds (default the setting), optionally limited to `rseExpression`.
    /// `metalink` asks for the metalink form instead of the JSON stream.
    func listReplicas(_ dids: [RucioDID], rseExpression: String? = nil, lifetime: Int? = nil,
                      metalink: Bool = false) throws(RucioError) -> [RucioFileReplicas] {
        var body: [String: JSONValue] = [
            "dids": .array(dids.map { .object(["scope": .string($0.scope), "name": .string($0.name)]) }),
            "schemes": .array(settings.schemes.map(JSONValue.string)),
            "signature_lifetime": .int(lifetime ?? settings.signatureLifetime),
        ]
        if let rseExpression { body["rse_expression"] = .string(rseExpression) }
        let response = try call(.post, "/replicas/list", body: .object(body),
                                accept: metalink ? "application/metalink4+xml" : "application/x-json-stream")
        guard response.status == 200 else { throw failure("POST /replicas/list", response) }
        return try RucioReplicaParser.parse(response.body, contentType: response.headers["content-type"])
    }

    /// The RSE's attributes as text (`sign_url`, `region`, `cloud`, …), cached.
    func rseAttributes(_ rse: String) throws(RucioError) -> [String: String] {
        if let cached = attributeCache.withLock({ $0[rse] }) { return cached }
        let response = try call(.get, "/rses/\(RucioURLEncoding.encode(rse))/attr/")
        guard response.status == 200, let object = JSONValue.parse(response.body)?.objectValue else {
            throw failure("GET /rses/\(rse)/attr/", response)
        }
        let attributes = object.compactMapValues { value -> String? in
            if case .bool(let flag) = value { return flag ? "true" : "false" }
            return value.text
        }
        attributeCache.withLock { $0[rse] = attributes }
        return attributes
    }

    /// The bare (unsigned) URL `did` has, or will have, on `rse` for `operation` (`write`).
    func pfn(rse: String, did: RucioDID, operation: String = "write") throws(RucioError) -> String {
        let scheme = settings.schemes.first ?? "https"
        let response = try call(.get, "/rses/\(RucioURLEncoding.encode(rse))/lfns2pfns",
                                query: [("lfn", did.description), ("scheme", scheme), ("operation", operation)])
        guard response.status == 200, let url = JSONValue.parse(response.body)?[did.description]?.text else {
            throw failure("GET /rses/\(rse)/lfns2pfns", response)
        }
        return url
    }

    /// `GET /credentials/signurl`: `url` signed by Rucio for `operation` (`read`, `write`,
    /// `delete`) with the RSE's credentials for `service` (`s3`, `gcs`, `swift`).
    func signURL(rse: String, url: String, operation: String, service: String, lifetime: Int) throws(RucioError) -> String {
        let response = try call(.get, "/credentials/signurl", query: [
            ("rse", rse), ("svc", service), ("op", operation), ("url", url), ("lifetime", String(lifetime)),
        ])
        let signed = response.body.trimmed
        guard response.status == 200, signed.hasPrefix("http") else {
            let (type, message) = response.exception
            let reason = type == "AccessDenied" ? message
                : "\(type.map { "\($0): " } ?? "")\(message) (HTTP \(response.status); does the RSE have signing credentials?)"
            throw .signingRefused(rse: rse, operation: operation, account: account, message: reason)
        }
        return signed
    }

    /// `POST /replicas`: registers `did` on `rse` with its size, Adler-32, GUID and URL; creates
    /// the file DID if needed. Rucio answers 201 even when it already held the file with other
    /// facts (it keeps those): check with `did(_:)` afterwards.
    func addReplica(rse: String, did: RucioDID, bytes: Int, adler32: String, md5: String? = nil, guid: String?,
                    pfn: String?) throws(RucioError) {
        var file: [String: JSONValue] = [
            "scope": .string(did.scope), "name": .string(did.name), "bytes": .int(bytes), "adler32": .string(adler32),
        ]
        if let md5 { file["md5"] = .string(md5) }
        if let pfn { file["pfn"] = .string(pfn) }
        if let guid { file["meta"] = .object(["guid": .string(guid.lowercased().filter { $0 != "-" })]) }
        let response = try call(.post, "/replicas", body: .object(["rse": .string(rse), "files": .array([.object(file)])]))
        guard response.status == 201 || response.status == 200 else {
            let (type, message) = response.exception
            throw .registrationRefused(did: did.description, rse: rse, message: "\(type.map { "\($0): " } ?? "")\(message)")
        }
    }

    /// What Rucio holds for a file DID (`GET /dids/<scope>/<name>`); nil when it does not know it.
    func did(_ did: RucioDID) throws(RucioError) -> RucioDIDInfo? {
        let response = try call(.get, "/dids/\(RucioURLEncoding.encode(did.scope))/\(RucioURLEncoding.encode(did.name))")
        if response.status == 404 { return nil }
        guard response.status == 200, let object = JSONValue.parse(response.body) else {
            throw failure("GET /dids/\(did.scope)/\(did.name)", response)
        }
        return RucioDIDInfo(did: did, type: object["type"]?.text, bytes: object["bytes"]?.integer,
                            adler32: object["adler32"]?.text, md5: object["md5"]?.text, account: object["account"]?.text)
    }
}

/// A DID as Rucio holds it.
struct RucioDIDInfo: Sendable, Equatable {
    var did: RucioDID
    /// `FILE`, `DATASET`, `CONTAINER`.
    var type: String?
    var bytes: Int?
    var adler32: String?
    var md5: String?
    /// Who registered it.
    var account: String?
}
