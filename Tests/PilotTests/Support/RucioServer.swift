import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A real Rucio server from PyPI (gunicorn, SQLite) with S3 RSEs on the shared LocalStack, set
/// up from nothing by `Scripts/rucio-server.py` exactly as RUCIO.md describes: the accounts
/// `pilot` (may sign) and `nosign`, RSEs `S3_SCRATCHDISK` (us-east-1), `FAR_SCRATCHDISK`
/// (eu-west-2), `SLOW_SCRATCHDISK` (through a throttling proxy), `NOCREDS_SCRATCHDISK` (no
/// signing credentials) and `MISSING_SCRATCHDISK` (a bucket that does not exist), and an X.509
/// TLS endpoint with a test CA, user certificate and RFC 3820 proxy, and OIDC providers on
/// 127.0.0.1 (`Scripts/oidc-provider.py`): one Rucio trusts, one it does not, one impostor.
///
/// Needs `scripts/install-rucio.sh`'s venv (`$PILOT_RUCIO_VENV`) and LocalStack's; gate tests on
/// `isUsable`. The suite shares one instance (`shared()`), stopped when the test process exits;
/// the launcher also stops by itself once this process is gone.
final class RucioServer: Sendable {
    /// What went wrong while starting the server or running a helper.
    enum Failure: Error, CustomStringConvertible {
        case notReady(seconds: Int, log: String)
        case exited(status: Int32, log: String)
        case helperFailed([String], status: Int32, output: String)

        var description: String {
            switch self {
            case .notReady(let seconds, let log): "rucio: not ready after \(seconds) s: \(log)"
            case .exited(let status, let log): "rucio: launcher exited \(status): \(log)"
            case .helperFailed(let arguments, let status, let output):
                "rucio: rucio-admin.py \(arguments.joined(separator: " ")) exited \(status): \(output)"
            }
        }
    }

    /// What the launcher wrote once ready (`ready.json`).
    struct Ready: Decodable {
        var url: String
        var version: String
        var tlsURL: String?
        var ca: String?
        var proxy: String?
        var usercert: String?
        var dn: String?
        var traceFile: String
        var log: String
        var seconds: Double
        var oidc: OIDC?

        /// The OIDC providers (`rucio-server.py --oidc`).
        struct OIDC: Decodable {
            /// The issuer Rucio trusts (`[oidc] idpsecrets`), and one it does not.
            var issuer: String
            var untrustedIssuer: String
            /// Token endpoints: `trusted`, `untrusted`, `impostor`.
            var tokenURLs: [String: String]
            /// Client secrets: `pilot` (tokens of 3600 s), `pilot-brief` (8 s).
            var clients: [String: String]

            enum CodingKeys: String, CodingKey {
                case issuer, clients
                case untrustedIssuer = "untrusted_issuer"
                case tokenURLs = "token_urls"
            }
        }

        enum CodingKeys: String, CodingKey {
            case url, version, ca, proxy, usercert, dn, log, seconds, oidc
            case tlsURL = "tls_url"
            case traceFile = "trace_file"
        }
    }

    /// The venv with rucio, gunicorn and boto3 (`scripts/install-rucio.sh`).
    static let venv = ProcessInfo.processInfo.environment["PILOT_RUCIO_VENV"].flatMap { $0.isEmpty ? nil : $0 }
        ?? "/var/cache/pilot/rucio-venv"
    static let python = venv + "/bin/python"
    static let launcherScript = StagingServers.scripts.appendingPathComponent("rucio-server.py").path
    static let adminScript = StagingServers.scripts.appendingPathComponent("rucio-admin.py").path
    /// Bootstrap, gunicorn, the TLS set-up and the RSEs take about 15 s on two cores.
    static let startTimeout = 120

    /// The S3 store behind the RSEs.
    let s3: LocalStackS3
    /// The server's directory: etc/, the SQLite database, logs, pki/, traces/.
    let directory: String
    let ready: Ready
    /// A CA bundle trusting both the test CA (the X.509 endpoint) and LocalStack's certificate.
    let caBundle: String
    /// Password files for the two accounts.
    let pilotPasswordFile: String
    let nosignPasswordFile: String

    private let launcher = Mutex<Process?>(nil)

    /// `http://127.0.0.1:<port>`.
    var url: String { ready.url }

    /// Starts the server against the shared LocalStack and waits until its RSEs are set up.
    init() throws {
        s3 = try LocalStackS3.shared()
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("pilot-rucio-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        directory = base.resolvingSymlinksInPath().path
        caBundle = directory + "/ca-bundle.pem"
        pilotPasswordFile = directory + "/pilot.password"
        nosignPasswordFile = directory + "/nosign.password"
        try "pilot-secret\n".write(toFile: pilotPasswordFile, atomically: true, encoding: .utf8)
        try "nosign-secret\n".write(toFile: nosignPasswordFile, atomically: true, encoding: .utf8)
        let port = URL(string: s3.endpoint)?.port ?? 0

        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments = [Self.launcherScript, "--dir", directory, "--s3-port", String(port),
                             "--bucket", s3.bucket, "--watch-pid", String(getpid()), "--tls", "--oidc"]
        let logPath = directory + "/launcher.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        defer { try? log.close() }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
        launcher.withLock { $0 = process }

        let readyPath = directory + "/ready.json"
        let deadline = Date().addingTimeInterval(TimeInterval(Self.startTimeout))
        while !FileManager.default.fileExists(atPath: readyPath) {
            let tail = { String(((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").suffix(3000)) }
            if !process.isRunning {
                process.waitUntilExit()
                let status = process.terminationStatus
                Self.stop(process)
                throw Failure.exited(status: status, log: tail())
            }
            if Date() > deadline {
                Self.stop(process)
                throw Failure.notReady(seconds: Self.startTimeout, log: tail())
            }
            usleep(100_000)
        }
        ready = try JSONDecoder().decode(Ready.self, from: Data(contentsOf: URL(fileURLWithPath: readyPath)))
        var bundle = try Self.localStackCertificate(port: port)
        if let ca = ready.ca { bundle += try String(contentsOfFile: ca, encoding: .utf8) }
        try bundle.write(toFile: caBundle, atomically: true, encoding: .utf8)
    }

    deinit { tearDown() }

    // MARK: - The shared instance

    private static let sharedInstance = Mutex<RucioServer?>(nil)

    /// The instance the suites share, started on first use and stopped when the process exits.
    static func shared() throws -> RucioServer {
        try sharedInstance.withLock { instance in
            if let instance { return instance }
            let started = try RucioServer()
            instance = started
            atexit { RucioServer.stopShared() }
            return started
        }
    }

    static func stopShared() {
        let instance = sharedInstance.withLock { instance in
            defer { instance = nil }
            return instance
        }
        instance?.tearDown()
    }

    // MARK: - Settings for the pilot

    /// `PILOT_RUCIO_*` for the account `pilot` (or `nosign`) with userpass.
    func environment(account: String = "pilot") -> [String: String?] {
        [
            "PILOT_RUCIO_SERVER_URL": url, "PILOT_RUCIO_ACCOUNT": account, "PILOT_RUCIO_AUTH_TYPE": "userpass",
            "PILOT_RUCIO_PASSWORD_FILE": account == "pilot" ? pilotPasswordFile : nosignPasswordFile,
            "PILOT_RUCIO_CA_FILE": caBundle, "PILOT_RUCIO_REGION": nil, "AWS_REGION": nil, "AWS_DEFAULT_REGION": nil,
            "X509_USER_PROXY": nil, "PILOT_LOG_FORMAT": "json",
        ]
    }

    // MARK: - Files and registrations (as root, through the Python client)

    /// What `add-file` did.
    struct AddedFile: Decodable {
        /// Object keys per RSE, in the bucket.
        var keys: [String: String]
        var adler32: String
        var md5: String
        var bytes: Int
    }

    /// Stores `bytes` as `scope:name` on each RSE (at its hash PFN) and registers the replicas;
    /// `adler32` registers a wrong checksum; `upload: false` registers without storing.
    @discardableResult
    func addFile(scope: String, name: String, bytes: [UInt8], rses: [String], adler32: String? = nil,
                 upload: Bool = true) throws -> AddedFile {
        let file = directory + "/add-" + UUID().uuidString
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        var arguments = ["add-file", "--scope", scope, "--name", name, "--file", file]
        for rse in rses { arguments += ["--rse", rse] }
        if let adler32 { arguments += ["--adler32", adler32] }
        if !upload { arguments.append("--no-upload") }
        return try JSONDecoder().decode(AddedFile.self, from: Data(admin(arguments).utf8))
    }

    /// The DID as Rucio holds it: `did` (get_did), `meta` and `replicas` (RSE: state); nil when unknown.
    func show(scope: String, name: String) throws -> [String: Any]? {
        let output = try admin(["show", "--scope", scope, "--name", name])
        let json = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
        return json?["did"] is NSNull ? nil : json
    }

    /// The traces Rucio received so far, oldest first.
    func traces() -> [[String: Any]] {
        let text = (try? String(contentsOfFile: ready.traceFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// Rucio's log (gunicorn, traces' schema checks).
    var log: String { (try? String(contentsOfFile: ready.log, encoding: .utf8)) ?? "" }

    /// Throttles and cuts the next `connections` replies through SLOW_SCRATCHDISK's proxy.
    func slowDown(connections: Int, rate: Int, cutAfter: Int?) throws {
        var rule: [String: Any] = ["connections": connections, "rate": rate]
        if let cutAfter { rule["cut_after"] = cutAfter }
        try JSONSerialization.data(withJSONObject: rule).write(to: URL(fileURLWithPath: directory + "/proxy.json"))
    }

    /// An OIDC access token from `provider` (`trusted`, `untrusted`, `impostor`) for `client`,
    /// asked for as a token agent does: client_credentials over TLS, through curl.
    func oidcToken(provider: String = "trusted", client: String = "pilot") throws -> String {
        guard let oidc = ready.oidc else { throw Failure.helperFailed(["oidc"], status: 1, output: "no OIDC providers (ready.json)") }
        let result = try LocalCommand.run(executable: "/usr/bin/curl", arguments: [
            "-sS", "--cacert", ready.ca ?? "", "-u", "\(client):\(oidc.clients[client] ?? "")",
            "-d", "grant_type=client_credentials", "-d", "scope=openid profile", oidc.tokenURLs[provider] ?? "",
        ])
        let reply = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        guard result.status == 0, let token = reply?["access_token"] as? String else {
            throw Failure.helperFailed(["curl", oidc.tokenURLs[provider] ?? provider], status: result.status, output: result.stderr)
        }
        return token
    }

    /// How many OIDC tokens of `subject` (from the trusted issuer) Rucio validated and stored.
    func storedOIDCTokens(subject: String) throws -> Int {
        let identity = "SUB=\(subject), ISS=\(ready.oidc?.issuer ?? "")"
        let result = try LocalCommand.run(executable: Self.python, arguments: [
            "-c", "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from tokens where identity = ?', (sys.argv[2],)).fetchone()[0])",
            directory + "/rucio.db", identity,
        ])
        guard result.status == 0, let count = Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw Failure.helperFailed(["sqlite3 tokens"], status: result.status, output: result.stderr)
        }
        return count
    }

    @discardableResult
    private func admin(_ arguments: [String]) throws -> String {
        var environment = ProcessInfo.processInfo.environment
        environment["RUCIO_HOME"] = directory
        environment["RUCIO_CONFIG"] = directory + "/etc/rucio.cfg"
        let full = [Self.adminScript] + arguments + ["--s3-endpoint", s3.endpoint, "--bucket", s3.bucket]
        let result = try LocalCommand.run(executable: Self.python, arguments: full, environment: environment)
        guard result.status == 0 else { throw Failure.helperFailed(arguments, status: result.status, output: result.stdout + result.stderr) }
        return result.stdout
    }

    /// LocalStack's self-signed certificate, as its TLS handshake presents it.
    private static func localStackCertificate(port: Int) throws -> String {
        let result = try LocalCommand.run(executable: "/bin/sh", arguments: [
            "-c", "openssl s_client -connect 127.0.0.1:\(port) -showcerts </dev/null 2>/dev/null | sed -n '/BEGIN CERT/,/END CERT/p'",
        ])
        guard result.stdout.contains("BEGIN CERTIFICATE") else {
            throw Failure.helperFailed(["openssl s_client"], status: result.status, output: result.stderr)
        }
        return result.stdout
    }

    // MARK: - Teardown

    /// Stops the launcher's process group (gunicorn with it) and removes the directory.
    func tearDown() {
        guard let process = launcher.withLock({ state -> Process? in
            defer { state = nil }
            return state
        }) else { return }
        Self.stop(process)
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static func stop(_ process: Process) {
        let pid = process.processIdentifier
        if process.isRunning {
            if kill(-pid, SIGTERM) != 0 { kill(pid, SIGTERM) }
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning && Date() < deadline { usleep(20_000) }
        }
        kill(-pid, SIGKILL)
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
    }

    // MARK: - Requirements

    /// Whether the lane can run here: Rucio's venv, LocalStack's, openssl and curl.
    static var isUsable: Bool { missingRequirements.isEmpty }

    /// Why the Rucio tests skip, or "" when they can run.
    static var skipReason: String {
        missingRequirements.isEmpty ? "" : "the Rucio lane needs " + missingRequirements.joined(separator: ", ")
    }

    private static let missingRequirements: [String] = {
        var missing: [String] = []
        let fm = FileManager.default
        if !fm.isExecutableFile(atPath: python) || !fm.isExecutableFile(atPath: venv + "/bin/gunicorn")
            || !fm.fileExists(atPath: venv + "/rucio/tools/bootstrap.py") {
            missing.append("rucio and gunicorn in \(venv) (scripts/install-rucio.sh; PILOT_RUCIO_VENV)")
        }
        if !LocalStackS3.isUsable { missing.append(LocalStackS3.skipReason) }
        if !fm.isExecutableFile(atPath: "/usr/bin/openssl") { missing.append("/usr/bin/openssl (apt-get install openssl)") }
        return missing
    }()
}
