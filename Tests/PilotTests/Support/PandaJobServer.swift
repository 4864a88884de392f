import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `scripts/panda-job-server.py` on 127.0.0.1 for one test: its own directory of jobs, request
/// log and (optionally) token file and TLS files; stopped and removed by `tearDown()`, which
/// `deinit` calls. The server also watches this process and exits once it is gone.
final class PandaJobServer {
    /// What went wrong while starting it.
    enum Failure: Error, CustomStringConvertible {
        case exited(status: Int32, log: String)
        case timedOut(log: String)

        var description: String {
            switch self {
            case .exited(let status, let log): "panda job server exited \(status): \(log)"
            case .timedOut(let log): "panda job server did not start: \(log)"
            }
        }
    }

    /// How it is started (the script's flags).
    struct Options {
        /// `answer` or `forbidden` (403 "method … is forbidden", as server master answers).
        var legacy = "answer"
        /// `answer`, `missing` (404) or `forbidden` (403, as an older panda.py).
        var v1 = "answer"
        /// The bearer token to require (written to a file the test can change), nil for none.
        var token: String?
        /// The Origin to require with the token.
        var origin: String?
        /// Serve HTTPS with a certificate signed by `TestCertificates`' CA, asking for a client certificate.
        var tls = false
    }

    /// The script.
    static let script = Fixtures.repositoryRoot.appendingPathComponent("scripts/panda-job-server.py").path
    /// The golden job descriptions.
    static let fixtures = Fixtures.repositoryRoot.appendingPathComponent("Tests/Fixtures/PanDA")

    /// The temporary directory holding everything.
    let directory: String
    /// `http://127.0.0.1:<port>` (or https).
    private(set) var base = ""
    /// The CA, server and client certificates when `tls` is set.
    let certificates: TestCertificates?
    var jobsDirectory: String { directory + "/jobs" }
    var logPath: String { directory + "/requests.jsonl" }
    var tokenPath: String { directory + "/server-token" }
    private var process: Process?

    /// Starts the server with `jobs` (file name → JSON text) in its job directory.
    init(jobs: [String: String] = [:], options: Options = Options()) throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("pilot-panda-\(UUID().uuidString)").resolvingSymlinksInPath().path
        try FileManager.default.createDirectory(atPath: directory + "/jobs", withIntermediateDirectories: true)
        for (name, text) in jobs { try text.write(toFile: directory + "/jobs/" + name, atomically: true, encoding: .utf8) }
        certificates = options.tls ? try TestCertificates(directory: directory + "/tls") : nil
        var arguments = [Self.script, "--jobs", jobsDirectory, "--log", logPath, "--port-file", directory + "/port",
                         "--legacy", options.legacy, "--v1", options.v1, "--watch-pid", String(getpid())]
        if let token = options.token {
            try setServerToken(token)
            arguments += ["--token-file", tokenPath]
        }
        if let origin = options.origin { arguments += ["--origin", origin] }
        if let certificates {
            arguments += ["--tls-cert", certificates.serverCertificate, "--tls-key", certificates.serverKey,
                          "--client-ca", certificates.caCertificate]
        }
        do { try start(arguments, tls: options.tls) } catch {
            tearDown()
            throw error
        }
    }

    deinit { tearDown() }

    /// The text of a golden fixture.
    static func fixture(_ name: String) throws -> String {
        try String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8)
    }

    /// Changes the token the server requires.
    func setServerToken(_ token: String) throws {
        try token.write(toFile: tokenPath, atomically: true, encoding: .utf8)
    }

    /// Every request so far, oldest first, as the server logged it.
    func requests() throws -> [[String: Any]] {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
    }

    /// The API requests (not the control ones) to `endpoint`.
    func requests(to endpoint: String) throws -> [[String: Any]] {
        try requests().filter { ($0["endpoint"] as? String) == endpoint && ($0["api"] as? String) != "control" }
    }

    /// The next update for `pandaID` gets `command` in its reply.
    func send(command: String, to pandaID: Int) throws {
        try control("command?panda_id=\(pandaID)&command=\(command)")
    }

    /// Be away for `seconds`: `refuse` connections or answer `503`.
    func down(seconds: Double, mode: String) throws {
        try control("down?seconds=\(seconds)&mode=\(mode)")
    }

    private func control(_ query: String) throws {
        var arguments = ["-s", "-S", "-f", "-X", "POST", base + "/control/" + query]
        if let certificates { arguments += ["--cacert", certificates.caCertificate] }
        let result = try LocalCommand.run(["curl"] + arguments)
        guard result.status == 0 else { throw Failure.exited(status: result.status, log: result.stderr) }
    }

    /// Stops the server and removes the directory; safe to call twice.
    func tearDown() {
        if let process, process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        process = nil
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func start(_ arguments: [String], tls: Bool) throws {
        let logURL = URL(fileURLWithPath: directory + "/server.log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        defer { try? log.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: LocalCommand.python)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(15)
        while true {
            if let text = try? String(contentsOfFile: directory + "/port", encoding: .utf8),
               let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                base = "\(tls ? "https" : "http")://127.0.0.1:\(port)"
                return
            }
            let serverLog = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
            if !process.isRunning {
                process.waitUntilExit()
                throw Failure.exited(status: process.terminationStatus, log: serverLog)
            }
            if Date() > deadline { throw Failure.timedOut(log: serverLog) }
            usleep(10_000)
        }
    }

    /// Whether the server can run here: python3 (standard library only), openssl for TLS, curl for control.
    static var isUsable: Bool {
        FileManager.default.isExecutableFile(atPath: LocalCommand.python) && FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/curl")
    }
}

/// A throw-away CA with a server certificate for 127.0.0.1 and a client certificate (standing for
/// an X.509 proxy: certificate and key in one PEM file), made with openssl.
struct TestCertificates {
    let caCertificate: String
    let serverCertificate: String
    let serverKey: String
    /// Certificate and key in one file, as `X509_USER_PROXY` names it.
    let clientProxy: String
    /// The client certificate's subject, as the server logs it.
    static let clientSubject = "/DC=ch/DC=cern/OU=Organic Units/OU=Users/CN=atlpilo1"

    init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        caCertificate = directory + "/ca.pem"
        serverCertificate = directory + "/server.pem"
        serverKey = directory + "/server.key"
        clientProxy = directory + "/proxy.pem"
        let d = directory
        let script = """
            set -e
            cd '\(d)'
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -keyout ca.key -out ca.pem -subj '/CN=pilot test CA' 2>/dev/null
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr -subj '/CN=127.0.0.1' 2>/dev/null
            printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > server.ext
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext -out server.pem 2>/dev/null
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout client.key -out client.csr -subj '\(Self.clientSubject)' 2>/dev/null
            openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out client.pem 2>/dev/null
            cat client.pem client.key > proxy.pem
            chmod 0400 proxy.pem
            """
        let result = try LocalCommand.run(["bash", "-c", script])
        guard result.status == 0 else { throw PandaJobServer.Failure.exited(status: result.status, log: result.stderr) }
    }
}
