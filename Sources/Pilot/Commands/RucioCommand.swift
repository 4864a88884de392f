import ArgumentParser

/// `pilot rucio`: read and write files through Rucio by hand, as a job's stage-in and stage-out do.
struct RucioCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rucio",
        abstract: "Download a file by its DID, or upload and register one, through a Rucio server.",
        discussion: """
            Settings come from PILOT_RUCIO_* variables (PILOT_RUCIO_SERVER_URL, _ACCOUNT, _AUTH_TYPE, \
            _PASSWORD_FILE, _CERTIFICATE, _REGION, ...; see docs/RUCIO.md), overridden by the flags. \
            Exit codes: 0 done, 64 bad arguments, 69 Rucio unreachable or failing, 78 not configured or \
            unusable credentials, 80 transfer failed after retries, 81 signed URL expired, 82 refused \
            (authentication, signing, registration, TLS), 83 no such DID, replica or URL, 84 checksum, \
            size or registration mismatch, 85 destination not writable.
            """,
        subcommands: [RucioDownloadCommand.self, RucioUploadCommand.self]
    )
}

/// The Rucio settings a command line may set; each overrides its `PILOT_RUCIO_*` variable.
struct RucioOptions: ParsableArguments {
    @Option(name: .long, help: "The Rucio server URL (PILOT_RUCIO_SERVER_URL).")
    var server: String?

    @Option(name: .customLong("auth-server"), help: "The authentication server URL, when not the server (PILOT_RUCIO_AUTH_URL).")
    var authServer: String?

    @Option(name: .long, help: "The Rucio account (PILOT_RUCIO_ACCOUNT).")
    var account: String?

    @Option(name: .customLong("auth-type"), help: "userpass, x509, x509_proxy (default) or oidc (PILOT_RUCIO_AUTH_TYPE).")
    var authType: RucioAuthType?

    @Option(name: .long, help: "The userpass identity, when not the account's name (PILOT_RUCIO_USERNAME).")
    var username: String?

    @Option(name: .customLong("password-file"), help: "A file whose first line is the userpass password (PILOT_RUCIO_PASSWORD_FILE).")
    var passwordFile: String?

    @Option(name: .long, help: "The X.509 proxy or certificate, PEM (default X509_USER_PROXY, /tmp/x509up_u<uid>).")
    var certificate: String?

    @Option(name: .long, help: "The certificate's key, when in a file of its own (PILOT_RUCIO_KEY).")
    var key: String?

    @Option(name: .customLong("token-file"), help: "The OIDC access token's file (default BEARER_TOKEN_FILE).")
    var tokenFile: String?

    @Option(name: .customLong("ca-file"), help: "A CA bundle to trust for Rucio and the storage instead of the system one (PILOT_RUCIO_CA_FILE).")
    var caFile: String?

    @Option(name: .long, help: "This node's region: replicas there are tried first (PILOT_RUCIO_REGION).")
    var region: String?

    @Option(name: .long, help: "This node's cloud: replicas in it come before the rest (PILOT_RUCIO_CLOUD).")
    var cloud: String?

    @Option(name: .customLong("signature-lifetime"), help: "Seconds a signed URL stays valid (default 86400; PILOT_RUCIO_SIGNATURE_LIFETIME).")
    var signatureLifetime: Int?

    @Option(name: .customLong("trace-url"), help: "Where traces go (default <server>/traces/; \"\" sends none).")
    var traceURL: String?

    @Option(name: .customLong("local-site"), help: "The site name traces carry (PILOT_RUCIO_LOCAL_SITE).")
    var localSite: String?

    /// The layer these flags make.
    var layer: RucioSettingsLayer {
        var layer = RucioSettingsLayer()
        layer.serverURL = server
        layer.authURL = authServer
        layer.account = account
        layer.authType = authType
        layer.username = username
        layer.passwordFile = passwordFile
        layer.certificate = certificate
        layer.key = key
        layer.tokenFile = tokenFile
        layer.caFile = caFile
        layer.region = region
        layer.cloud = cloud
        layer.signatureLifetime = signatureLifetime
        layer.traceURL = traceURL
        layer.localSite = localSite
        return layer
    }

    /// The settings: defaults < environment < flags.
    func settings(_ context: CommandContext) throws -> RucioSettings {
        do {
            let settings = try RucioSettings.resolve(environment: context.environment, flags: layer)
            do throws(RucioError) { try settings.validate() } catch { throw CommandContext.fail(error) }
            return settings
        } catch let error as ConfigurationError {
            throw CommandContext.fail(error)
        }
    }
}

extension RucioAuthType: ExpressibleByArgument {
    static var allValueStrings: [String] { allCases.map(\.rawValue) }
    var defaultValueDescription: String { rawValue }
}
