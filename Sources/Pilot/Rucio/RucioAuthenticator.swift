#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Synchronization

/// Gets Rucio auth tokens with the configured credential, and keeps the current one: cached,
/// renewed before it expires, dropped when Rucio refuses it.
final class RucioAuthenticator: Sendable {
    private struct Cached {
        var token: RucioToken
        var issuedAt: Int
    }

    private let settings: RucioSettings
    private let environment: [String: String]
    private let http: any RucioHTTP
    private let makeCurlSettings: @Sendable (String?) -> CurlSettings
    private let cache = Mutex<Cached?>(nil)
    /// A certificate and key joined into one private file, when they came in two (libcurl is
    /// given one PEM for both through `CurlSettings.clientCertificate`); removed in deinit.
    private let joinedCredential = Mutex<String?>(nil)
    /// How many tokens were fetched: a cached token costs no call.
    private let fetches = Mutex(0)

    /// An authenticator for `settings`; `http` is used for `/auth/*` only when given (tests),
    /// else libcurl with `curlSettings(clientCertificate)`.
    init(settings: RucioSettings, environment: [String: String], http: (any RucioHTTP)? = nil,
         curlSettings: @escaping @Sendable (String?) -> CurlSettings) {
        self.settings = settings
        self.environment = environment
        self.makeCurlSettings = curlSettings
        self.http = http ?? CurlRucioHTTP(settings: curlSettings(nil))
        self.usesOwnTransport = http == nil
    }

    private let usesOwnTransport: Bool

    deinit {
        if let path = joinedCredential.withLock({ $0 }) { unlink(path) }
    }

    /// Tokens fetched from Rucio so far.
    var fetchCount: Int { fetches.withLock { $0 } }

    /// The token to send at `now`: the cached one unless it is about to expire.
    func token(now: Int = Int(Date().timeIntervalSince1970)) throws(RucioError) -> RucioToken {
        if let cached = cache.withLock({ $0 }), !cached.token.needsRenewal(now: now, issuedAt: cached.issuedAt) {
            return cached.token
        }
        let token = try authenticate()
        cache.withLock { $0 = Cached(token: token, issuedAt: now) }
        fetches.withLock { $0 += 1 }
        return token
    }

    /// Forgets `token` (Rucio answered 401 to it), so the next call authenticates again.
    func invalidate(_ token: RucioToken) {
        cache.withLock { if $0?.token == token { $0 = nil } }
    }

    /// The account calls are made as: configured, or the one Rucio mapped the credential to.
    var account: String {
        settings.account ?? cache.withLock { $0?.token.account }
            ?? (settings.authType == .oidc ? "(mapped from the token)" : "?")
    }

    // MARK: - Authentication

    private func authenticate() throws(RucioError) -> RucioToken {
        if settings.authType == .oidc { return try oidcToken() }
        guard let base = settings.authenticationURL.map(RucioSettings.trimmedURL) else {
            throw .notConfigured("no server URL (rucio.server_url, PILOT_RUCIO_SERVER_URL, --server)")
        }
        var headers = ["Accept: */*", "X-Rucio-AppID: \(settings.appID)"]
        if let account = settings.account { headers.append("X-Rucio-Account: \(account)") }
        var clientCertificate: String?
        let path: String
        switch settings.authType {
        case .userpass:
            guard let account = settings.account else {
                throw .notConfigured("userpass needs an account (rucio.account, PILOT_RUCIO_ACCOUNT, --account)")
            }
            headers.append("X-Rucio-Username: \(settings.username ?? account)")
            headers.append("X-Rucio-Password: \(try password())")
            path = "/auth/userpass"
        case .x509, .x509Proxy:
            clientCertificate = try certificateFile()
            path = settings.authType == .x509 ? "/auth/x509" : "/auth/x509_proxy"
        case .oidc:
            preconditionFailure("handled above")
        }
        let transport: any RucioHTTP = usesOwnTransport && clientCertificate != nil
            ? CurlRucioHTTP(settings: makeCurlSettings(clientCertificate)) : http
        let response = transport.send(RucioHTTPRequest(method: .get, url: base + path, headers: headers))
        let method = settings.authType.rawValue
        guard response.status != 0 else {
            throw .unreachable(url: base, reason: response.message.isEmpty ? "no response" : response.message)
        }
        guard response.status == 200, let token = RucioToken.from(headers: response.headers) else {
            let (type, message) = response.exception
            if response.status == 401 || response.status == 403 || type == "CannotAuthenticate" {
                throw .authenticationFailed(account: settings.account ?? "(from the credential)", method: method, reason: message)
            }
            if response.status == 206 {
                throw .notConfigured("the credential maps to several accounts (\(response.headers["x-rucio-auth-accounts"] ?? "")): set rucio.account")
            }
            throw .server(call: "GET \(path)", status: response.status, exception: type, message: message)
        }
        return token
    }

    /// The userpass password: the setting, else the first line of the password file.
    private func password() throws(RucioError) -> String {
        if let password = settings.password, !password.isEmpty { return password }
        guard let file = settings.passwordFile else {
            throw .notConfigured("userpass needs a password (rucio.password_file, PILOT_RUCIO_PASSWORD_FILE, --password-file)")
        }
        let text: String
        do { text = try FileReader.readString(file, limit: 4096) } catch {
            throw .credentials(path: file, reason: "\(error)")
        }
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        guard !line.isEmpty else { throw .credentials(path: file, reason: "empty") }
        return line
    }

    /// The PEM file to present: the proxy or certificate (with its key inside), or the
    /// certificate and a separate key joined into one private file.
    func certificateFile() throws(RucioError) -> String {
        let certificate = settings.certificate ?? environment["X509_USER_PROXY"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "/tmp/x509up_u\(getuid())"
        guard access(certificate, R_OK) == 0 else {
            throw .credentials(path: certificate, reason: "\(SystemCallError.last("access", path: certificate))")
        }
        guard let key = settings.key, key != certificate else { return certificate }
        if let joined = joinedCredential.withLock({ $0 }) { return joined }
        let text: String
        do {
            text = try FileReader.readString(certificate, limit: 1 << 20) + "\n" + FileReader.readString(key, limit: 1 << 20)
        } catch {
            throw .credentials(path: key, reason: "\(error)")
        }
        var template = Array("/tmp/pilot-rucio-credential-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        guard fd >= 0 else { throw .credentials(path: path, reason: "\(SystemCallError.last("mkstemp", path: path))") }
        defer { close(fd) }
        var bytes = Array(text.utf8)
        let written = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            unlink(path)
            throw .credentials(path: path, reason: "\(SystemCallError.last("write", path: path))")
        }
        joinedCredential.withLock { $0 = path }
        return path
    }

    /// The OIDC access token, passed through as the Rucio token: from the token file (the
    /// setting, `BEARER_TOKEN_FILE`, `$XDG_RUNTIME_DIR/bt_u<uid>`) or `BEARER_TOKEN`. One whose
    /// `exp` has passed is refused here: Rucio would answer only "cannot authenticate", and the
    /// fault is the token agent's, which must write a fresh one.
    private func oidcToken(now: Int = Int(Date().timeIntervalSince1970)) throws(RucioError) -> RucioToken {
        func nonEmpty(_ key: String) -> String? { environment[key].flatMap { $0.isEmpty ? nil : $0 } }
        var value: String?
        var source = "BEARER_TOKEN"
        if let file = settings.tokenFile ?? nonEmpty("BEARER_TOKEN_FILE") {
            source = file
            do { value = try FileReader.readString(file, limit: 1 << 16).trimmed } catch {
                throw .credentials(path: file, reason: "\(error)")
            }
        } else if let token = nonEmpty("BEARER_TOKEN") {
            value = token.trimmed
        } else if let runtime = nonEmpty("XDG_RUNTIME_DIR") {
            let file = runtime + "/bt_u\(getuid())"
            source = file
            value = try? FileReader.readString(file, limit: 1 << 16).trimmed
        }
        guard let value, !value.isEmpty else {
            throw .credentials(path: source, reason: "no OIDC access token (rucio.token_file, BEARER_TOKEN_FILE, BEARER_TOKEN)")
        }
        let claims = RucioToken.jwtClaims(value)
        let expires = claims?["exp"]?.integer
        if let expires, expires <= now {
            throw .credentials(path: source, reason: "the OIDC access token expired \(now - expires) s ago "
                + "(exp \(expires)\(claims?["iss"]?.text.map { ", issuer \($0)" } ?? "")); a fresh one is needed in its place")
        }
        var origin = "the OIDC access token from \(source)"
        if let issuer = claims?["iss"]?.text, let subject = claims?["sub"]?.text {
            origin += " (issuer \(issuer), subject \(subject))"
        }
        return RucioToken(value: value, expires: expires, account: settings.account, origin: origin)
    }
}
