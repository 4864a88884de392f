import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Local servers standing in for the storage that staging talks to (STAGING.md §4, §6):
/// nginx with signed GET/PUT URLs over HTTP and HTTPS (`Scripts/staging-server.sh`) and a
/// Python server that misbehaves on purpose (`Scripts/fault-server.py`), both serving one
/// temporary data directory on 127.0.0.1 at ports free when they start.
///
/// Needs nginx with the secure_link, dav and ssl modules, python3 and openssl; gate tests on
/// `isUsable`. Each instance has its own directory, servers and counters. `tearDown()`, which
/// `deinit` calls, stops both servers' process groups and removes the directory; the servers
/// also watch this process and stop once it is gone, so a crashed run leaves nothing behind.
final class StagingServers {
    /// What went wrong while starting the servers.
    enum Failure: Error, CustomStringConvertible {
        case serverExited(String, status: Int32, log: String)
        case timedOut(String, log: String)
        case noFreePort(errno: Int32)

        var description: String {
            switch self {
            case .serverExited(let name, let status, let log): "staging servers: \(name) exited \(status): \(log)"
            case .timedOut(let name, let log): "staging servers: timed out waiting for \(name) to listen: \(log)"
            case .noFreePort(let code): "staging servers: no free port on 127.0.0.1: \(String(cString: strerror(code)))"
            }
        }
    }

    /// A data file as the catalog would describe it.
    struct DataFile {
        /// The name below the data directory, as in `/signed/<path>`.
        var path: String
        /// Where it lies on disk.
        var localPath: String
        /// Its size in bytes.
        var size: Int
        /// Rucio's adler32: 8 lowercase hex digits.
        var adler32: String
        /// 32 lowercase hex digits.
        var md5: String
    }

    /// One line of the fault server's request log.
    struct FaultRequest: Decodable, Equatable {
        var method: String
        /// The request target, query included.
        var path: String
        var range: String?
        var ifMatch: String?
        var status: Int

        enum CodingKeys: String, CodingKey {
            case method, path, range, status
            case ifMatch = "if_match"
        }
    }

    /// The folder of the test scripts.
    static let scripts = Fixtures.repositoryRoot.appendingPathComponent("Tests/PilotTests/Scripts")
    /// Writes nginx's configuration and runs it.
    static let nginxScript = scripts.appendingPathComponent("staging-server.sh").path
    /// The misbehaving server.
    static let faultScript = scripts.appendingPathComponent("fault-server.py").path
    /// The Python the fault server runs under (stdlib only).
    static let python = "/usr/bin/python3"
    /// The `secure_link_md5` secret written into nginx.conf.
    static let secret = "pilot-staging-secret"

    /// The temporary directory holding everything (symlinks resolved).
    let directory: String
    /// The directory both servers serve and store uploads into.
    let dataDirectory: String
    /// `http://127.0.0.1:<port>` of nginx.
    private(set) var httpBase = ""
    /// `https://127.0.0.1:<port>` of nginx (certificate: `caCertificatePath`).
    private(set) var httpsBase = ""
    /// `http://127.0.0.1:<port>` of the fault server.
    private(set) var faultBase = ""
    /// nginx's self-signed certificate (CN and SAN 127.0.0.1, SAN localhost): the CA file.
    var caCertificatePath: String { directory + "/nginx/tls/cert.pem" }
    /// The fault server's JSON-lines request log.
    var faultLogPath: String { directory + "/fault/requests.jsonl" }

    private let watchedPID: pid_t
    private var nginx: Process?
    private var fault: Process?
    private var tornDown = false

    /// Creates the directory and starts both servers; `limitRate` is nginx's per-connection
    /// rate on `/limited/` (its `limit_rate` syntax: `20m`, `512k`). The servers stop by
    /// themselves once `watchedPID` (this process by default) is gone.
    init(limitRate: String = "20m", watchedPID: pid_t = getpid()) throws {
        self.watchedPID = watchedPID
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("pilot-staging-\(UUID().uuidString)")
        directory = base.resolvingSymlinksInPath().path
        dataDirectory = directory + "/data"
        // nginx's workers run as nobody: they must traverse every folder on the way to the data.
        let open: [FileAttributeKey: Any] = [.posixPermissions: 0o755]
        for path in [directory, dataDirectory, directory + "/nginx", directory + "/fault"] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: open)
        }
        do {
            try startFaultServer()
            try startNginx(limitRate: limitRate)
        } catch {
            tearDown()
            throw error
        }
    }

    deinit { tearDown() }

    // MARK: - Data

    /// Writes `size` bytes of seeded pseudo-random data at `name` below the data directory.
    @discardableResult
    func addFile(_ name: String, size: Int, seed: UInt64 = 1) throws -> DataFile {
        let bytes = Self.seededBytes(count: size, seed: seed)
        return try addFile(name, contents: bytes)
    }

    /// Writes `contents` at `name` below the data directory.
    @discardableResult
    func addFile(_ name: String, contents: [UInt8]) throws -> DataFile {
        let url = URL(fileURLWithPath: localPath(name))
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o755])
        try Data(contents).write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: url.path)
        return DataFile(
            path: name, localPath: url.path, size: contents.count,
            adler32: TestChecksums.adler32Hex(contents), md5: TestChecksums.md5Hex(contents))
    }

    /// Where `name` lies below the data directory.
    func localPath(_ name: String) -> String { dataDirectory + "/" + Self.trimmed(name) }

    /// The bytes stored at `name` (by a PUT to either server, or `addFile`), or nil.
    func uploadedFile(_ name: String) -> Data? {
        FileManager.default.contents(atPath: localPath(name))
    }

    /// Deterministic bytes from a SplitMix64 stream: the same seed gives the same file.
    static func seededBytes(count: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBufferPointer { buffer in
            var index = 0
            while index < count {
                state &+= 0x9e37_79b9_7f4a_7c15
                var z = state
                z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
                z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
                z ^= z >> 31
                for shift in 0..<min(8, count - index) {
                    buffer[index + shift] = UInt8(truncatingIfNeeded: z >> UInt64(shift * 8))
                }
                index += 8
            }
        }
        return bytes
    }

    // MARK: - URLs

    /// A URL for `method` on `/signed/<path>`, valid until `expires` (epoch seconds; default
    /// ten minutes from now), on HTTPS when `tls`.
    func signedURL(path: String, method: String = "GET", expires: Int? = nil, tls: Bool = false) -> String {
        let uri = "/signed/" + Self.trimmed(path)
        let until = expires ?? Int(Date().timeIntervalSince1970) + 600
        let signature = Self.signature(uri: uri, method: method, expires: until)
        return (tls ? httpsBase : httpBase) + uri + "?md5=\(signature)&expires=\(until)"
    }

    /// nginx `secure_link_md5 "$secure_link_expires$uri$request_method <secret>"`: the
    /// base64url MD5, without padding, of `<expires><uri><METHOD> <secret>` (STAGING.md §6).
    static func signature(uri: String, method: String, expires: Int, secret: String = secret) -> String {
        let digest = TestChecksums.md5(Array("\(expires)\(uri)\(method) \(secret)".utf8))
        return Data(digest).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The unsigned URL of `path` (`/plain/`, max_ranges 16).
    func plainURL(_ path: String, tls: Bool = false) -> String {
        (tls ? httpsBase : httpBase) + "/plain/" + Self.trimmed(path)
    }

    /// The rate-limited URL of `path` (`/limited/`).
    func limitedURL(_ path: String, tls: Bool = false) -> String {
        (tls ? httpsBase : httpBase) + "/limited/" + Self.trimmed(path)
    }

    /// A URL that always answers 503 SlowDown with `Retry-After: 1`.
    func slowdownURL(_ path: String) -> String { httpBase + "/slowdown/" + Self.trimmed(path) }

    /// The fault server's URL for `behaviour` (`short`, `reset`, `status/503-twice`, …) on
    /// `path`, with an optional query (`after=4096`).
    func faultURL(_ behaviour: String, _ path: String, query: String? = nil) -> String {
        faultBase + "/" + behaviour + "/" + Self.trimmed(path) + (query.map { "?" + $0 } ?? "")
    }

    /// The fault server's request log so far, oldest first.
    func requests() throws -> [FaultRequest] {
        let text = (try? String(contentsOfFile: faultLogPath, encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map {
            try JSONDecoder().decode(FaultRequest.self, from: Data($0.utf8))
        }
    }

    /// nginx's error log, for failure messages.
    var nginxLog: String {
        let logs = directory + "/nginx/logs/"
        return ["server.log", "error.log"].compactMap { try? String(contentsOfFile: logs + $0, encoding: .utf8) }
            .joined(separator: "\n")
    }

    private static func trimmed(_ path: String) -> String {
        String(path.drop { $0 == "/" })
    }

    // MARK: - Starting

    private func startFaultServer() throws {
        let dir = directory + "/fault"
        let portFile = dir + "/port"
        let logURL = URL(fileURLWithPath: dir + "/server.log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        defer { try? log.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments = [
            Self.faultScript, "--root", dataDirectory, "--log", faultLogPath, "--port-file", portFile,
            "--watch-pid", String(watchedPID),
        ]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
        fault = process

        let deadline = Date().addingTimeInterval(10)
        while true {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8),
               let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                faultBase = "http://127.0.0.1:\(port)"
                return
            }
            let serverLog = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
            if !process.isRunning {
                process.waitUntilExit()
                throw Failure.serverExited("fault server", status: process.terminationStatus, log: serverLog)
            }
            if Date() > deadline { throw Failure.timedOut("fault server", log: serverLog) }
            usleep(10_000)
        }
    }

    /// Starts nginx on two ports free a moment ago; another process can take one in between,
    /// so a start that fails with EADDRINUSE is retried on new ports.
    private func startNginx(limitRate: String) throws {
        let dir = directory + "/nginx"
        var attempt = 0
        while true {
            attempt += 1
            let ports = try (Self.freePort(), Self.freePort())
            do {
                try startNginx(in: dir, httpPort: ports.0, httpsPort: ports.1, limitRate: limitRate)
                httpBase = "http://127.0.0.1:\(ports.0)"
                httpsBase = "https://127.0.0.1:\(ports.1)"
                return
            } catch Failure.serverExited(_, _, let log) where log.contains("Address already in use") && attempt < 4 {
                stopNginx()
            }
        }
    }

    private func startNginx(in dir: String, httpPort: Int, httpsPort: Int, limitRate: String) throws {
        try FileManager.default.createDirectory(atPath: dir + "/logs", withIntermediateDirectories: true)
        let logURL = URL(fileURLWithPath: dir + "/logs/server.log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        try? FileManager.default.removeItem(atPath: dir + "/logs/error.log")
        let log = try FileHandle(forWritingTo: logURL)
        defer { try? log.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [
            Self.nginxScript, "--dir", dir, "--data", dataDirectory,
            "--http-port", String(httpPort), "--https-port", String(httpsPort),
            "--secret", Self.secret, "--limit-rate", limitRate, "--watch-pid", String(watchedPID),
        ]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
        nginx = process

        // nginx writes its pid file after it has bound both ports, so connects succeed from then on.
        let deadline = Date().addingTimeInterval(15)
        while !(Self.pid(fromFile: dir + "/nginx.pid") != nil
                && Self.accepts(port: httpPort) && Self.accepts(port: httpsPort)) {
            if !process.isRunning {
                process.waitUntilExit()
                throw Failure.serverExited("nginx", status: process.terminationStatus, log: nginxLog)
            }
            if Date() > deadline { throw Failure.timedOut("nginx", log: nginxLog) }
            usleep(10_000)
        }
    }

    /// A port on 127.0.0.1 that nothing listens on now: bind port 0, read it back, close.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure.noFreePort(errno: errno) }
        defer { close(fd) }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw Failure.noFreePort(errno: errno) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether a TCP connect to 127.0.0.1:`port` succeeds.
    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        return address
    }

    // MARK: - Teardown

    /// Every process the servers run now: the script, nginx's master and workers, the fault server.
    func processIDs() -> [pid_t] {
        // nginx forks its worker just after it listens: give it a moment to be there.
        let deadline = Date().addingTimeInterval(3)
        var pids = currentProcessIDs()
        while pids.count < 4, Date() < deadline {
            usleep(20_000)
            pids = currentProcessIDs()
        }
        return pids
    }

    private func currentProcessIDs() -> [pid_t] {
        var pids: [pid_t] = []
        for process in [nginx, fault].compactMap({ $0 }) where process.isRunning {
            pids.append(process.processIdentifier)
        }
        if let master = Self.pid(fromFile: directory + "/nginx/nginx.pid"), Self.isAlive(master) {
            pids += [master] + Self.children(of: master)
        }
        return pids
    }

    /// Stops both servers (process group: TERM, then KILL after 5 s) and removes the
    /// directory. Safe to call twice.
    func tearDown() {
        guard !tornDown else { return }
        tornDown = true
        stopNginx()
        if let fault { Self.stopGroup(of: fault, extra: []) }
        fault = nil
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func stopNginx() {
        guard let nginx else { return }
        // The master and its workers, in case they somehow left the script's group.
        var extra: [pid_t] = []
        if let master = Self.pid(fromFile: directory + "/nginx/nginx.pid"), Self.isNginx(master, below: directory) {
            extra = [master] + Self.children(of: master)
        }
        Self.stopGroup(of: nginx, extra: extra)
        self.nginx = nil
        try? FileManager.default.removeItem(atPath: directory + "/nginx/nginx.pid")
    }

    /// SIGTERM to the process group the script leads (to the process alone if it has not made
    /// its group yet), up to 5 s to exit, then SIGKILL to the group and `extra`.
    private static func stopGroup(of process: Process, extra: [pid_t]) {
        let pid = process.processIdentifier
        if process.isRunning {
            if kill(-pid, SIGTERM) != 0 { kill(pid, SIGTERM) }
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning && Date() < deadline { usleep(10_000) }
        }
        kill(-pid, SIGKILL)
        if process.isRunning { kill(pid, SIGKILL) }
        for other in extra where isAlive(other) { kill(other, SIGKILL) }
        process.waitUntilExit()
    }

    static func pid(fromFile path: String) -> pid_t? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Whether `pid` is an nginx master started for `directory` (not a recycled pid).
    private static func isNginx(_ pid: pid_t, below directory: String) -> Bool {
        guard let cmdline = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8) else { return false }
        return cmdline.contains("nginx") && cmdline.contains(directory)
    }

    /// The processes whose parent is `pid` (nginx's workers).
    static func children(of pid: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(pid_t.init).filter { parent(of: $0) == pid }
    }

    private static func parent(of pid: pid_t) -> pid_t? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
        return fields.count > 1 ? pid_t(fields[1]) : nil
    }

    /// Whether `pid` runs (a zombie does not count).
    static func isAlive(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")"),
              let state = stat[stat.index(after: close)...].dropFirst().first
        else { return false }
        return state != "Z" && state != "X"
    }
}
