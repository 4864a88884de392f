import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// LocalStack's S3 on 127.0.0.1, which (unlike moto) checks presigned SigV4 signatures and
/// expiry (STAGING.md §6, RUCIO.md §1, §3), with one bucket unique to the run and URLs
/// presigned by boto3 exactly as Rucio signs them (`Scripts/s3-presign.py`).
///
/// Needs the venv that `scripts/install-localstack.sh` builds (Python 3.13, localstack-core,
/// boto3) at `$PILOT_LOCALSTACK_VENV`; gate tests on `isUsable`. Start-up takes seconds, so the
/// suite shares one instance (`shared()`), stopped when the test process exits. `tearDown()`
/// stops the launcher's process group (TERM, then KILL after 5 s) and removes the bucket and the
/// temporary directory; the launcher also watches this process and stops LocalStack once it is
/// gone, so a crashed run leaves nothing behind.
final class LocalStackS3: Sendable {
    /// What went wrong while starting LocalStack or talking to it through boto3.
    enum Failure: Error, CustomStringConvertible {
        case serverExited(status: Int32, log: String)
        case timedOut(seconds: Int, log: String)
        case helperFailed([String], status: Int32, output: String)

        var description: String {
            switch self {
            case .serverExited(let status, let log): "localstack: exited \(status) before it was ready: \(log)"
            case .timedOut(let seconds, let log): "localstack: not healthy after \(seconds) s: \(log)"
            case .helperFailed(let arguments, let status, let output):
                "localstack: s3-presign.py \(arguments.joined(separator: " ")) exited \(status): \(output)"
            }
        }
    }

    /// The venv with LocalStack and boto3 (`scripts/install-localstack.sh`).
    static let venv = ProcessInfo.processInfo.environment["PILOT_LOCALSTACK_VENV"].flatMap { $0.isEmpty ? nil : $0 }
        ?? "/var/cache/pilot/localstack-venv"
    /// The venv's Python, which runs LocalStack and the boto3 helper.
    static let python = venv + "/bin/python"
    /// Starts LocalStack in a process group of its own and watches this process.
    static let launcherScript = StagingServers.scripts.appendingPathComponent("localstack-server.py").path
    /// Presigns URLs and makes the set-up calls with boto3.
    static let presignScript = StagingServers.scripts.appendingPathComponent("s3-presign.py").path
    /// How long LocalStack may take to answer its health check.
    static let startTimeout = 60

    /// The temporary directory: LocalStack's log and the launcher's (symlinks resolved).
    let directory: String
    /// `http://127.0.0.1:<port>` (LocalStack also speaks TLS on the same port).
    let endpoint: String
    /// A bucket unique to this instance: LocalStack keeps objects in a folder that every
    /// LocalStack on the machine shares (RUCIO.md §9).
    let bucket: String
    /// LocalStack's own log, including one `AWS s3.<Operation> => <status>` line per request.
    var logPath: String { directory + "/localstack.log" }

    private struct State {
        var launcher: Process?
        var tornDown = false
    }

    private let state = Mutex(State())

    /// Starts LocalStack on a free port, waits for its health check and creates the bucket.
    /// The launcher stops LocalStack by itself once `watchedPID` (this process) is gone.
    init(watchedPID: pid_t = getpid()) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("pilot-localstack-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        directory = base.resolvingSymlinksInPath().path
        bucket = "pilot-" + UUID().uuidString.lowercased().prefix(13).replacingOccurrences(of: "-", with: "")
        var port = 0
        do {
            port = try StagingServers.freePort()
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        endpoint = "http://127.0.0.1:\(port)"
        do {
            try start(port: port, watchedPID: watchedPID)
            try helper(["--create-bucket"])
        } catch {
            tearDown()
            throw error
        }
    }

    deinit { tearDown() }

    // MARK: - The shared instance

    private static let sharedInstance = Mutex<LocalStackS3?>(nil)

    /// The instance the suite shares, started on first use and stopped when the process exits.
    static func shared() throws -> LocalStackS3 {
        try sharedInstance.withLock { instance in
            if let instance { return instance }
            let started = try LocalStackS3()
            instance = started
            atexit { LocalStackS3.stopShared() }
            return started
        }
    }

    /// Tears the shared instance down, if one was started.
    static func stopShared() {
        let instance = sharedInstance.withLock { instance in
            defer { instance = nil }
            return instance
        }
        instance?.tearDown()
    }

    // MARK: - Objects and URLs

    /// Stores `bytes` at `key` (a header-signed boto3 PUT) and returns the ETag.
    @discardableResult
    func putObject(key: String, bytes: [UInt8]) throws -> String {
        let file = directory + "/put-" + UUID().uuidString
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        return try helper(["--key", key, "--put-object", file]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A SigV4 presigned URL for `method` (`get` or `put`) on `key`, valid `expires` seconds
    /// from `signedAt` (epoch seconds; default now), as Rucio's `get_signed_url` makes it.
    func presign(key: String, method: String, expires: Int = 600, signedAt: Int? = nil) throws -> String {
        var arguments = ["--key", key, "--method", method, "--expires", String(expires)]
        if let signedAt { arguments += ["--signed-at", String(signedAt)] }
        return try helper(arguments).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A multipart upload created at `key` with `parts` presigned `upload_part` URLs (part numbers
    /// 1...parts, signed at `signedAt`, default now) and a presigned `complete_multipart_upload`
    /// POST and `abort_multipart_upload` DELETE (signed now), as a service holding the
    /// credentials would hand them out.
    func multipartUpload(key: String, parts: Int, expires: Int = 600, signedAt: Int? = nil) throws
        -> (uploadID: String, parts: [String], complete: String, abort: String)
    {
        var arguments = ["--key", key, "--multipart", String(parts), "--expires", String(expires)]
        if let signedAt { arguments += ["--signed-at", String(signedAt)] }
        let output = try helper(arguments)
        guard let json = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any],
              let uploadID = json["upload_id"] as? String, let urls = json["parts"] as? [String],
              let complete = json["complete"] as? String, let abort = json["abort"] as? String
        else { throw Failure.helperFailed(arguments, status: 0, output: output) }
        return (uploadID, urls, complete, abort)
    }

    /// The IDs of the multipart uploads the bucket still holds (neither completed nor aborted).
    func openUploads() throws -> [String] {
        let output = try helper(["--list-uploads"])
        guard let ids = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String] else {
            throw Failure.helperFailed(["--list-uploads"], status: 0, output: output)
        }
        return ids
    }

    /// The bytes stored at `key`, or nil when there is no such object.
    func object(key: String) throws -> Data? {
        let file = directory + "/get-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: file) }
        let (status, output) = try runHelper(["--key", key, "--get-object", file])
        if status == 3 { return nil }
        guard status == 0 else { throw Failure.helperFailed(["--key", key, "--get-object", file], status: status, output: output) }
        return FileManager.default.contents(atPath: file)
    }

    /// LocalStack's log so far.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// The S3 operations LocalStack has logged since `offset` (a length of `log` taken earlier),
    /// each as `GetObject => 206 (...)`, oldest first.
    func requests(since offset: Int) -> [String] {
        let text = log.utf8.dropFirst(offset)
        return String(decoding: text, as: UTF8.self).split(separator: "\n").compactMap { line in
            line.range(of: "AWS s3.").map { String(line[$0.upperBound...]) }
        }
    }

    // MARK: - Starting

    private func start(port: Int, watchedPID: pid_t) throws {
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let launcherLog = URL(fileURLWithPath: directory + "/launcher.log")
        _ = FileManager.default.createFile(atPath: launcherLog.path, contents: nil)
        let output = try FileHandle(forWritingTo: launcherLog)
        defer { try? output.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments = [
            Self.launcherScript, "--port", String(port), "--dir", directory,
            "--bucket", bucket, "--watch-pid", String(watchedPID),
        ]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        try process.run()
        state.withLock { $0.launcher = process }

        let deadline = Date().addingTimeInterval(TimeInterval(Self.startTimeout))
        while !Self.isHealthy(port: port) {
            if !process.isRunning {
                process.waitUntilExit()
                throw Failure.serverExited(status: process.terminationStatus, log: startLog)
            }
            if Date() > deadline { throw Failure.timedOut(seconds: Self.startTimeout, log: startLog) }
            usleep(100_000)
        }
    }

    /// The end of LocalStack's log and the launcher's, for failure messages.
    private var startLog: String {
        let launcher = (try? String(contentsOfFile: directory + "/launcher.log", encoding: .utf8)) ?? ""
        return String((launcher + log).suffix(4000))
    }

    /// Whether `GET /_localstack/health` answers 200 with S3 available or running.
    private static func isHealthy(port: Int) -> Bool {
        guard StagingServers.accepts(port: port) else { return false }
        let (status, body) = Self.capture("/usr/bin/curl", ["-s", "-m", "2", "http://127.0.0.1:\(port)/_localstack/health"])
        return status == 0 && (body.contains("\"s3\": \"available\"") || body.contains("\"s3\": \"running\"")
                               || body.contains("\"s3\":\"available\"") || body.contains("\"s3\":\"running\""))
    }

    // MARK: - boto3

    /// Runs `s3-presign.py` with the endpoint and bucket; returns its stdout, throws unless it exits 0.
    @discardableResult
    private func helper(_ arguments: [String]) throws -> String {
        let (status, output) = try runHelper(arguments)
        guard status == 0 else { throw Failure.helperFailed(arguments, status: status, output: output) }
        return output
    }

    private func runHelper(_ arguments: [String]) throws -> (Int32, String) {
        let (status, output) = Self.capture(
            Self.python, [Self.presignScript, "--endpoint", endpoint, "--bucket", bucket] + arguments)
        return (status, output)
    }

    /// stdout (and, when it fails, stderr) of a short command; 127 when it cannot start.
    private static func capture(_ executable: String, _ arguments: [String]) -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        // stderr to a file: two pipes read one after the other can block on a long traceback.
        let errPath = FileManager.default.temporaryDirectory.appendingPathComponent("pilot-s3-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        let out = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        guard let err = FileHandle(forWritingAtPath: errPath) else { return (127, "cannot create \(errPath)") }
        defer { try? err.close() }
        process.standardError = err
        guard (try? process.run()) != nil else { return (127, "cannot run \(executable)") }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stdout = String(decoding: data, as: UTF8.self)
        if process.terminationStatus == 0 { return (0, stdout) }
        let stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return (process.terminationStatus, stdout + stderr)
    }

    // MARK: - Teardown

    /// The launcher's pid while it runs (the leader of LocalStack's process group).
    var launcherPID: pid_t? {
        state.withLock { $0.launcher.flatMap { $0.isRunning ? $0.processIdentifier : nil } }
    }

    /// Deletes the bucket, stops LocalStack's process group (TERM, then KILL after 5 s) and
    /// removes the directory. Safe to call twice, and after a failed start.
    func tearDown() {
        let launcher: Process? = state.withLock { state in
            guard !state.tornDown else { return nil }
            state.tornDown = true
            defer { state.launcher = nil }
            return state.launcher
        }
        guard let launcher else { return }
        // LocalStack's object folder outlives it and is shared by every LocalStack here: empty it.
        if launcher.isRunning { _ = try? runHelper(["--delete-bucket"]) }
        let pid = launcher.processIdentifier
        if launcher.isRunning {
            if kill(-pid, SIGTERM) != 0 { kill(pid, SIGTERM) }
            let deadline = Date().addingTimeInterval(8)
            while launcher.isRunning && Date() < deadline { usleep(20_000) }
        }
        kill(-pid, SIGKILL)
        if launcher.isRunning { kill(pid, SIGKILL) }
        launcher.waitUntilExit()
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: - Requirements

    /// Whether the lane can run here: the venv with LocalStack and boto3, and curl.
    static var isUsable: Bool { missingRequirements.isEmpty }

    /// Why the S3 tests skip, or "" when they can run.
    static var skipReason: String {
        missingRequirements.isEmpty ? "" : "the S3 lane needs " + missingRequirements.joined(separator: ", ")
    }

    private static let missingRequirements: [String] = {
        var missing: [String] = []
        let fm = FileManager.default
        let packages = (try? fm.contentsOfDirectory(atPath: venv + "/lib")).map { versions in
            versions.flatMap { (try? fm.contentsOfDirectory(atPath: venv + "/lib/" + $0 + "/site-packages")) ?? [] }
        } ?? []
        if !fm.isExecutableFile(atPath: python) || !packages.contains("localstack") || !packages.contains("boto3") {
            missing.append("LocalStack and boto3 in \(venv) (scripts/install-localstack.sh; PILOT_LOCALSTACK_VENV)")
        }
        if !fm.isExecutableFile(atPath: "/usr/bin/curl") { missing.append("/usr/bin/curl (apt-get install curl)") }
        return missing
    }()
}
