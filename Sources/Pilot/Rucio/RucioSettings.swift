import FoundationEssentials

/// How the pilot proves who it is to Rucio (`auth_type`).
enum RucioAuthType: String, Codable, Sendable, Equatable, CaseIterable {
    /// Account, user name and password (`GET /auth/userpass`): test servers and robots.
    case userpass
    /// A plain X.509 user certificate and key (`GET /auth/x509`).
    case x509
    /// An RFC 3820 proxy, the grid's usual credential (`GET /auth/x509_proxy`).
    case x509Proxy = "x509_proxy"
    /// An OIDC access token (a JWT), sent as the Rucio token itself; Rucio validates it.
    case oidc
}

/// The Rucio keys: what the pilot needs to find replicas, sign URLs and register outputs.
///
/// Meant as the object `rucio` of the configuration file (`PilotConfiguration.rucio`), the
/// `PILOT_RUCIO_<KEY>` variables, and the `pilot rucio` flags. Every key has a default; the server
/// URL is the only one without a usable one (no Rucio, no Rucio staging).
struct RucioSettings: Codable, Sendable, Equatable {
    /// The Rucio server (`https://rucio.example.org`); nil: Rucio is not used.
    var serverURL: String?
    /// The authentication server; nil: the server URL.
    var authURL: String?
    /// The Rucio account; nil: the one the credential maps to (X.509, OIDC only).
    var account: String?
    var authType = RucioAuthType.x509Proxy
    /// The userpass identity; nil: the account's name.
    var username: String?
    /// The userpass password (a secret: prefer `password_file`).
    var password: String?
    /// A file whose first line is the userpass password.
    var passwordFile: String?
    /// The client certificate, PEM: the X.509 proxy (certificate and key in one file) or a user
    /// certificate; nil: `X509_USER_PROXY`, else `/tmp/x509up_u<uid>`.
    var certificate: String?
    /// The user certificate's key when it is in a file of its own; nil: in `certificate`.
    var key: String?
    /// The OIDC access token's file; nil: `BEARER_TOKEN_FILE`, else `BEARER_TOKEN`, else
    /// `$XDG_RUNTIME_DIR/bt_u<uid>` (the WLCG bearer token discovery).
    var tokenFile: String?
    /// A CA bundle to trust for Rucio (and nothing else); nil: the system bundle and `X509_CERT_DIR`.
    var caFile: String?
    /// Seconds the signed URLs Rucio hands out stay valid: long enough for the slowest transfer
    /// (pilot3 asks for a day); a URL that expires anyway is asked for again.
    var signatureLifetime = 86_400
    /// URL schemes asked for: what the pilot reads and writes (https, which S3, GCS and Swift
    /// RSEs are signed to).
    var schemes = ["https"]
    /// The region this node runs in (`us-east-1`); nil: from `node_labels_file` or the cloud
    /// environment (`AWS_REGION`, …). Replicas on RSEs of this region are tried first.
    var region: String?
    /// The cloud this node runs in (`aws`, `gcp`); replicas in it come before the rest.
    var cloud: String?
    /// A file of `key="value"` node labels (a Kubernetes downward-API volume) holding
    /// `topology.kubernetes.io/region`; nil: none.
    var nodeLabelsFile: String?
    /// The RSE outputs go to when the job names none (`ddmEndPointOut`).
    var outputRSE: String?
    /// Where traces go; nil: `<server_url>/traces/`; "" sends none.
    var traceURL: String?
    /// The site name traces carry as `localSite`; nil: the PanDA queue, else "unknown".
    var localSite: String?
    /// Sent as `X-Rucio-AppID` and in traces.
    var appID = "pilot"
    /// Seconds one REST call may take, connection included.
    var timeout = 60

    enum CodingKeys: String, CodingKey, CaseIterable {
        case serverURL = "server_url"
        case authURL = "auth_url"
        case account
        case authType = "auth_type"
        case username, password
        case passwordFile = "password_file"
        case certificate, key
        case tokenFile = "token_file"
        case caFile = "ca_file"
        case signatureLifetime = "signature_lifetime"
        case schemes, region, cloud
        case nodeLabelsFile = "node_labels_file"
        case outputRSE = "output_rse"
        case traceURL = "trace_url"
        case localSite = "local_site"
        case appID = "app_id"
        case timeout
    }

    /// The authentication server.
    var authenticationURL: String? { authURL ?? serverURL }

    /// Where traces are POSTed, nil when none are sent.
    var tracesEndpoint: String? {
        if let traceURL { return traceURL.isEmpty ? nil : traceURL }
        return serverURL.map { Self.trimmedURL($0) + "/traces/" }
    }

    /// `url` without trailing slashes.
    static func trimmedURL(_ url: String) -> String {
        var text = Substring(url)
        while text.hasSuffix("/") { text = text.dropLast() }
        return String(text)
    }

    /// Checks the values wherever they came from.
    func validate() throws(RucioError) {
        for (key, url) in [("server_url", serverURL), ("auth_url", authURL), ("trace_url", traceURL)] {
            guard let url, !url.isEmpty else { continue }
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw .notConfigured("rucio.\(key) must be an http:// or https:// URL, not \(url)")
            }
        }
        guard signatureLifetime > 0 else { throw .notConfigured("rucio.signature_lifetime must be positive") }
        guard timeout > 0 else { throw .notConfigured("rucio.timeout must be positive") }
        guard !schemes.isEmpty else { throw .notConfigured("rucio.schemes must name at least one scheme") }
    }
}

/// What one layer (file, environment, flags) sets of the Rucio keys.
struct RucioSettingsLayer: Codable, Sendable, Equatable {
    /// `server_url`.
    var serverURL: String?
    /// `auth_url`.
    var authURL: String?
    /// `account`.
    var account: String?
    /// `auth_type`.
    var authType: RucioAuthType?
    /// `username`.
    var username: String?
    /// `password`.
    var password: String?
    /// `password_file`.
    var passwordFile: String?
    /// `certificate`.
    var certificate: String?
    /// `key`.
    var key: String?
    /// `token_file`.
    var tokenFile: String?
    /// `ca_file`.
    var caFile: String?
    /// `signature_lifetime`.
    var signatureLifetime: Int?
    /// `schemes`.
    var schemes: [String]?
    /// `region`.
    var region: String?
    /// `cloud`.
    var cloud: String?
    /// `node_labels_file`.
    var nodeLabelsFile: String?
    /// `output_rse`.
    var outputRSE: String?
    /// `trace_url`.
    var traceURL: String?
    /// `local_site`.
    var localSite: String?
    /// `app_id`.
    var appID: String?
    /// `timeout`.
    var timeout: Int?

    typealias CodingKeys = RucioSettings.CodingKeys

    /// An empty layer.
    init() {}

    /// Decodes the file's `rucio` object; an unknown key is an error, as at the top level.
    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        serverURL = try c.decodeIfPresent(String.self, forKey: .serverURL)
        authURL = try c.decodeIfPresent(String.self, forKey: .authURL)
        account = try c.decodeIfPresent(String.self, forKey: .account)
        authType = try c.decodeIfPresent(RucioAuthType.self, forKey: .authType)
        username = try c.decodeIfPresent(String.self, forKey: .username)
        password = try c.decodeIfPresent(String.self, forKey: .password)
        passwordFile = try c.decodeIfPresent(String.self, forKey: .passwordFile)
        certificate = try c.decodeIfPresent(String.self, forKey: .certificate)
        key = try c.decodeIfPresent(String.self, forKey: .key)
        tokenFile = try c.decodeIfPresent(String.self, forKey: .tokenFile)
        caFile = try c.decodeIfPresent(String.self, forKey: .caFile)
        signatureLifetime = try c.decodeIfPresent(Int.self, forKey: .signatureLifetime)
        schemes = try c.decodeIfPresent([String].self, forKey: .schemes)
        region = try c.decodeIfPresent(String.self, forKey: .region)
        cloud = try c.decodeIfPresent(String.self, forKey: .cloud)
        nodeLabelsFile = try c.decodeIfPresent(String.self, forKey: .nodeLabelsFile)
        outputRSE = try c.decodeIfPresent(String.self, forKey: .outputRSE)
        traceURL = try c.decodeIfPresent(String.self, forKey: .traceURL)
        localSite = try c.decodeIfPresent(String.self, forKey: .localSite)
        appID = try c.decodeIfPresent(String.self, forKey: .appID)
        timeout = try c.decodeIfPresent(Int.self, forKey: .timeout)
    }

    /// Overrides the settings' keys with the ones this layer sets.
    func apply(to settings: inout RucioSettings) {
        func set<T>(_ value: T?, _ key: WritableKeyPath<RucioSettings, T>) {
            if let value { settings[keyPath: key] = value }
        }
        func set<T>(_ value: T?, _ key: WritableKeyPath<RucioSettings, T?>) {
            if let value { settings[keyPath: key] = value }
        }
        set(serverURL, \.serverURL)
        set(authURL, \.authURL)
        set(account, \.account)
        set(authType, \.authType)
        set(username, \.username)
        set(password, \.password)
        set(passwordFile, \.passwordFile)
        set(certificate, \.certificate)
        set(key, \.key)
        set(tokenFile, \.tokenFile)
        set(caFile, \.caFile)
        set(signatureLifetime, \.signatureLifetime)
        set(schemes, \.schemes)
        set(region, \.region)
        set(cloud, \.cloud)
        set(nodeLabelsFile, \.nodeLabelsFile)
        set(outputRSE, \.outputRSE)
        set(traceURL, \.traceURL)
        set(localSite, \.localSite)
        set(appID, \.appID)
        set(timeout, \.timeout)
    }

    /// `PILOT_RUCIO_<KEY>` for each key (`PILOT_RUCIO_SERVER_URL`, `PILOT_RUCIO_AUTH_TYPE`, …);
    /// empty counts as unset, except `PILOT_RUCIO_TRACE_URL=` (no traces). `schemes` is a
    /// comma-separated list.
    static func environment(_ environment: [String: String]) throws(ConfigurationError) -> RucioSettingsLayer {
        func name(_ key: CodingKeys) -> String { "PILOT_RUCIO_" + key.rawValue.uppercased() }
        func string(_ key: CodingKeys) -> String? {
            guard let text = environment[name(key)] else { return nil }
            return text.isEmpty && key != .traceURL ? nil : text
        }
        func integer(_ key: CodingKeys) throws(ConfigurationError) -> Int? {
            guard let text = string(key) else { return nil }
            guard let value = Int(text.trimmed) else {
                throw .invalidEnvironment(variable: name(key), value: text, expected: "whole seconds")
            }
            return value
        }
        var layer = RucioSettingsLayer()
        layer.serverURL = string(.serverURL)
        layer.authURL = string(.authURL)
        layer.account = string(.account)
        if let text = string(.authType) {
            guard let type = RucioAuthType(rawValue: text.trimmed.lowercased()) else {
                throw .invalidEnvironment(variable: name(.authType), value: text, expected: "userpass, x509, x509_proxy or oidc")
            }
            layer.authType = type
        }
        layer.username = string(.username)
        layer.password = string(.password)
        layer.passwordFile = string(.passwordFile)
        layer.certificate = string(.certificate)
        layer.key = string(.key)
        layer.tokenFile = string(.tokenFile)
        layer.caFile = string(.caFile)
        layer.signatureLifetime = try integer(.signatureLifetime)
        layer.schemes = string(.schemes).map { $0.split(separator: ",").map { String($0).trimmed }.filter { !$0.isEmpty } }
        layer.region = string(.region)
        layer.cloud = string(.cloud)
        layer.nodeLabelsFile = string(.nodeLabelsFile)
        layer.outputRSE = string(.outputRSE)
        layer.traceURL = string(.traceURL)
        layer.localSite = string(.localSite)
        layer.appID = string(.appID)
        layer.timeout = try integer(.timeout)
        return layer
    }
}

extension RucioSettings {
    /// Defaults < `base` (the configuration file's object, when there is one) < environment < flags.
    static func resolve(base: RucioSettings = RucioSettings(), environment: [String: String],
                        flags: RucioSettingsLayer = .init()) throws(ConfigurationError) -> RucioSettings {
        var settings = base
        try RucioSettingsLayer.environment(environment).apply(to: &settings)
        flags.apply(to: &settings)
        return settings
    }
}

